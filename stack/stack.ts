import fs from 'node:fs';
import path from 'node:path';
import type { StackLog } from './log';
import { pgIsReachable, startEmbeddedPostgres } from './postgres';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import { startTemporalCluster } from './temporal-cluster';
import { resolveTemporalCli } from './temporal-cli';
import { startTemporalDevServer, waitForTemporal } from './temporal-server';

/**
 * Ports for `npm run services`: Temporal's usual 7233/8233 so the `temporal`
 * CLI and UI links work unchanged; PostgreSQL on 54329 rather than 5432 so it
 * never clashes with a system PostgreSQL.
 */
export const DEFAULT_PORTS = { temporal: 7233, temporalUi: 8233, postgres: 54329 } as const;

export const STACK_NAMESPACE = 'default';
export const STACK_DATABASE = 'coursegen';

export interface StackOptions {
  /** Folder for all data and logs, e.g. <project>/.stack */
  root: string;
  temporalPort: number;
  temporalUiPort: number;
  postgresPort: number;
  log: StackLog;
  /** Use this PostgreSQL instead of starting one. */
  useExistingDatabaseUrl?: string;
  /** Use this Temporal server (host:port) instead of starting a dev server. */
  useExistingTemporalAddress?: string;
  /** Payloads are encrypted: the dev server's Web UI decodes them through this codec server. */
  uiCodecEndpoint?: string;
  /**
   * Run the production-shaped Temporal (stack/temporal-cluster.ts: the real server on this stack's PostgreSQL, the
   * standalone Web UI) instead of the dev server. Its data lives in PostgreSQL (databases temporal and
   * temporal_visibility), its logs in <root>/cluster/logs. `freePorts`: every service port a free one instead of the
   * standard layout around temporalPort (tests); `webUi: false`: no Web UI.
   */
  cluster?: boolean | { freePorts?: boolean; webUi?: boolean };
}

export interface RunningStack {
  temporalAddress: string;
  temporalUiUrl: string;
  databaseUrl: string;
  namespace: typeof STACK_NAMESPACE;
  /** 'cluster': the production server on PostgreSQL (StackOptions.cluster); 'dev': the CLI's dev server (or TEMPORAL_ADDRESS). */
  engine: 'dev' | 'cluster';
  /** The production server's process id, in cluster mode. */
  temporalServerPid?: number;
  /** Milliseconds each component took to become ready (CLI lookup/build excluded). */
  timings: { temporalMs: number; postgresMs: number; temporalCliMs: number };
  /** Resolves with the component's name if a server we started dies on its own. */
  unexpectedExit: Promise<'temporal' | 'postgres'>;
  stop(): Promise<void>;
}

interface Component<T> {
  value: T;
  readyMs: number;
  exited?: Promise<unknown>;
  stop(): Promise<void>;
}

/** An external server can't be "starting up", so a short wait is plenty. */
const EXISTING_SERVER_TIMEOUT_MS = 15_000;

export async function startStack(opts: StackOptions): Promise<RunningStack> {
  fs.mkdirSync(opts.root, { recursive: true });
  const logs = path.join(opts.root, 'logs');
  let temporalCliMs = 0;
  let temporalServerPid: number | undefined;

  const temporal = async (): Promise<Component<{ address: string; uiUrl: string }>> => {
    if (opts.useExistingTemporalAddress) {
      const address = opts.useExistingTemporalAddress;
      const t0 = Date.now();
      opts.log(`using existing Temporal at ${address}`);
      await waitForTemporal(address, STACK_NAMESPACE, SEARCH_ATTRIBUTES, { timeoutMs: EXISTING_SERVER_TIMEOUT_MS, log: opts.log });
      return { value: { address, uiUrl: '' }, readyMs: Date.now() - t0, stop: async () => undefined };
    }
    const c0 = Date.now();
    const cliPath = await resolveTemporalCli(opts.log);
    temporalCliMs = Date.now() - c0;
    const t0 = Date.now();
    const server = await startTemporalDevServer({
      cliPath,
      port: opts.temporalPort,
      uiPort: opts.temporalUiPort,
      dbFile: path.join(opts.root, 'temporal.sqlite'),
      namespace: STACK_NAMESPACE,
      searchAttributes: SEARCH_ATTRIBUTES,
      logFile: path.join(logs, 'temporal.log'),
      log: opts.log,
      uiCodecEndpoint: opts.uiCodecEndpoint,
    });
    return { value: { address: server.address, uiUrl: server.uiUrl }, readyMs: Date.now() - t0, exited: server.exited, stop: server.stop };
  };

  const postgres = async (): Promise<Component<string>> => {
    const t0 = Date.now();
    if (opts.useExistingDatabaseUrl) {
      opts.log('using existing PostgreSQL from DATABASE_URL');
      if (!(await pgIsReachable(opts.useExistingDatabaseUrl, EXISTING_SERVER_TIMEOUT_MS))) {
        throw new Error('DATABASE_URL is set but that PostgreSQL does not answer `select 1`');
      }
      return { value: opts.useExistingDatabaseUrl, readyMs: Date.now() - t0, stop: async () => undefined };
    }
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(opts.root, 'postgres'),
      port: opts.postgresPort,
      database: STACK_DATABASE,
      logFile: path.join(logs, 'postgres.log'),
      log: opts.log,
    });
    return { value: pg.databaseUrl, readyMs: Date.now() - t0, exited: pg.exited, stop: pg.stop };
  };

  const cluster = async (databaseUrl: Promise<string>): Promise<Component<{ address: string; uiUrl: string }>> => {
    if (opts.useExistingTemporalAddress) throw new Error('TEMPORAL_ADDRESS names an existing Temporal; the cluster mode starts its own. Unset one of them.');
    const clusterOptions = typeof opts.cluster === 'object' ? opts.cluster : {};
    const t0 = Date.now();
    const running = await startTemporalCluster({
      postgresUrl: await databaseUrl,
      dir: path.join(opts.root, 'cluster'),
      frontendPort: clusterOptions.freePorts ? undefined : opts.temporalPort,
      uiPort: clusterOptions.webUi === false ? false : opts.temporalUiPort,
      namespace: STACK_NAMESPACE,
      log: opts.log,
      uiCodecEndpoint: opts.uiCodecEndpoint,
    });
    temporalServerPid = running.serverPid;
    return { value: { address: running.address, uiUrl: running.uiUrl ?? '' }, readyMs: Date.now() - t0, exited: running.unexpectedExit, stop: running.stop };
  };

  // In parallel: the dev server's start-up dominates, PostgreSQL fits inside it. The cluster keeps its data in
  // that PostgreSQL, so it starts once PostgreSQL is up.
  const pgStarting = postgres();
  const [t, p] = await Promise.allSettled([opts.cluster ? cluster(pgStarting.then((c) => c.value)) : temporal(), pgStarting]);
  if (t.status === 'rejected' || p.status === 'rejected') {
    // Don't leave the half that did start running.
    await Promise.all([t, p].map((r) => (r.status === 'fulfilled' ? r.value.stop().catch(() => undefined) : undefined)));
    const errors = [t, p].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    throw errors.length === 1 ? errors[0] : new AggregateError(errors, errors.map((e) => e.message).join('\n\n'));
  }

  let stopping: Promise<void> | undefined;
  const never = new Promise<never>(() => undefined);
  return {
    temporalAddress: t.value.value.address,
    temporalUiUrl: t.value.value.uiUrl,
    databaseUrl: p.value.value,
    namespace: STACK_NAMESPACE,
    engine: opts.cluster ? 'cluster' : 'dev',
    temporalServerPid,
    timings: { temporalMs: t.value.readyMs, postgresMs: p.value.readyMs, temporalCliMs },
    unexpectedExit: Promise.race([
      (t.value.exited ?? never).then(() => (stopping ? never : ('temporal' as const))),
      (p.value.exited ?? never).then(() => (stopping ? never : ('postgres' as const))),
    ]),
    // The cluster keeps its state in that PostgreSQL: it stops first, so it never runs without its database.
    stop: () =>
      (stopping ??= opts.cluster
        ? t.value.stop().finally(() => p.value.stop())
        : Promise.all([t.value.stop(), p.value.stop()]).then(() => undefined)),
  };
}
