// What the client needs from the environment: how to reach Temporal (the standard client configuration, the same
// one the worker reads), where PostgreSQL is, and where the Web UI lives.
import { DEFAULT_DATABASE_URL } from '../workers/config';
import { loadTemporalConnection, type TemporalConnectionConfig } from '../workers/temporal-connection';
import { DEFAULT_TASK_QUEUE } from '../workflows/types';

export interface ClientConfig {
  /** Connection settings and data converter; `address` and `namespace` below are its resolved values. */
  temporal: TemporalConnectionConfig;
  address: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  uiUrl: string;
}

export function loadClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const temporal = loadTemporalConnection(env);
  return {
    temporal,
    address: temporal.address,
    namespace: temporal.namespace,
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    uiUrl: (env.TEMPORAL_UI || 'http://127.0.0.1:8233').replace(/\/$/, ''),
  };
}

export function workflowUiLink(config: Pick<ClientConfig, 'uiUrl' | 'namespace'>, workflowId: string, runId?: string): string {
  const base = `${config.uiUrl}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
