// What the client needs from the environment: where Temporal and PostgreSQL are, and where the Web UI lives.
import { DEFAULT_DATABASE_URL } from '../workers/config';
import { DEFAULT_TASK_QUEUE } from '../workflows/types';

export interface ClientConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  uiUrl: string;
}

export function loadClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  return {
    address: env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    uiUrl: (env.TEMPORAL_UI || 'http://127.0.0.1:8233').replace(/\/$/, ''),
  };
}

export function workflowUiLink(config: Pick<ClientConfig, 'uiUrl' | 'namespace'>, workflowId: string, runId?: string): string {
  const base = `${config.uiUrl}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
