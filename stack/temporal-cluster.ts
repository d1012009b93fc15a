// The production-shaped Temporal: the real server (go.temporal.io/server, the version docker-compose.temporal.yml
// runs) on PostgreSQL, from the config kept in config/temporal/, with the standalone Web UI beside it. Used by
// `npm run services -- --cluster`, by the cluster test suites (test/support/global-setup.ts) and by the benchmark.
//
// Temporal's own databases (`temporal`, `temporal_visibility`) live on the PostgreSQL server the caller names, next
// to the project's database but separate from it; the SQL tool creates and migrates them on every start, which is a
// no-op when they are current. History therefore survives a restart of the stack, and a PostgreSQL outage takes
// Temporal and the project's tables down together, as in a real deployment.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { Client as PgClient } from 'pg';
import YAML from 'yaml';
import type { StackLog } from './log';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import { resolveTemporalServerBinary } from './temporal-server-binary';
import { LOCAL_SERVER_DYNAMIC_CONFIG, startTemporalServerProcess } from './temporal-server-process';
import { waitForTemporal } from './temporal-server';
import { resolveTemporalUiServerBinary, startTemporalUiServer, type TemporalUiServer } from './temporal-ui-server';
import { OutputTail, PROJECT_ROOT, assertPortFree, formatMs, freePorts, sleep, tcpOpen, type ServiceProcess } from './util';

/** The files both the local cluster and docker-compose.temporal.yml run. */
export const TEMPORAL_CONFIG_DIR = path.join(PROJECT_ROOT, 'config', 'temporal');
export const TEMPORAL_SERVER_CONFIG_FILE = path.join(TEMPORAL_CONFIG_DIR, 'server.yaml');
export const TEMPORAL_DYNAMIC_CONFIG_FILE = path.join(TEMPORAL_CONFIG_DIR, 'dynamicconfig.yaml');

export interface TemporalClusterOptions {
  /**
   * A PostgreSQL server URL with rights to create databases (the project's embedded one or DATABASE_URL's server);
   * Temporal's own databases are created there, separate from the project's. Its path (database) is not used.
   */
  postgresUrl: string;
  /** Where logs and the merged dynamic config live. */
  dir: string;
  /** The frontend's gRPC port. Given: the other services take the standard layout around it (history +1,
   *  matching +2, worker +6, HTTP +10, membership −300 each), as in the server's own development config.
   *  Omitted: every port is a free one (tests, benchmarks). */
  frontendPort?: number;
  /** The Web UI's port; false runs no Web UI (tests, benchmarks). Omitted: a free port. */
  uiPort?: number | false;
  log: StackLog;
  /** Fixed when the databases are first created (default 4, config/temporal/server.yaml); see the README. */
  numHistoryShards?: number;
  /** Per-key overrides on top of config/temporal/dynamicconfig.yaml and LOCAL_SERVER_DYNAMIC_CONFIG: a plain value becomes `- value: X`; an array
   *  is taken as the key's list of `{ value, constraints }` entries. */
  dynamicConfig?: Record<string, unknown>;
  /** Default `default`; registered with the project's search attributes. */
  namespace?: string;
  /** Names of Temporal's two databases (default `temporal`, `temporal_visibility`). */
  databases?: { temporal: string; visibility: string };
  /** Connection-pool size per service for the history database (default 10: four services share PostgreSQL's 100
   *  connections with the project's pool). */
  sqlMaxConns?: number;
  /** Serve the server's Prometheus metrics on 127.0.0.1:<port>. */
  metricsPort?: number;
  /** The Web UI decodes encrypted payloads through this codec server. */
  uiCodecEndpoint?: string;
  /** Server log level (default warn). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface TemporalCluster {
  /** host:port of the frontend. */
  address: string;
  uiUrl?: string;
  namespace: string;
  /** The current server process (changes with restartServer()). */
  readonly serverPid: number;
  /** The Web UI server process, when one runs. */
  readonly uiPid?: number;
  /** Prometheus metrics of the server, when metricsPort was given. */
  metricsUrl?: string;
  /** The server's log file (both processes append under `dir/logs/`). */
  logFile: string;
  /** Resolves with the component's name when a process we started dies without stop() or restartServer(). */
  unexpectedExit: Promise<'temporal-server' | 'temporal-ui'>;
  /** Milliseconds: database setup (SQL tool), server start to ready, Web UI start. */
  timings: { schemaMs: number; serverMs: number; uiMs: number };
  stop(): Promise<void>;
  /** Stops the server process (SIGTERM) and starts it again on the same ports and databases; resolves when ready. */
  restartServer(): Promise<void>;
  /** The two halves of restartServer(), for an outage of chosen length: stop the server process (SIGTERM)… */
  stopServer(): Promise<void>;
  /** …and start it again on the same ports and databases; resolves when ready. */
  startServer(): Promise<void>;
}

/** A first start on an empty database runs the server's own migrations of the cluster metadata; allow for it. */
const SERVER_READY_TIMEOUT_MS = 120_000;

export async function startTemporalCluster(opts: TemporalClusterOptions): Promise<TemporalCluster> {
  const logDir = path.join(opts.dir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const namespace = opts.namespace ?? 'default';
  const databases = opts.databases ?? { temporal: 'temporal', visibility: 'temporal_visibility' };
  const pg = parsePostgresUrl(opts.postgresUrl);

  const [serverBinary, sqlTool, uiBinary] = await Promise.all([
    resolveTemporalServerBinary(opts.log, 'server'),
    resolveTemporalServerBinary(opts.log, 'sql'),
    opts.uiPort === false ? undefined : resolveTemporalUiServerBinary(opts.log),
  ]);

  const s0 = Date.now();
  await migrateTemporalDatabases(sqlTool, opts.postgresUrl, databases, opts.log);
  const schemaMs = Date.now() - s0;

  const ports = await servicePorts(opts.frontendPort);
  const dynamicConfigFile = writeDynamicConfig(opts.dir, opts.dynamicConfig);
  const env: Record<string, string> = {
    TEMPORAL_LOG_LEVEL: opts.logLevel ?? 'warn',
    NUM_HISTORY_SHARDS: String(opts.numHistoryShards ?? 4),
    DBNAME: databases.temporal,
    VISIBILITY_DBNAME: databases.visibility,
    POSTGRES_SEEDS: pg.host,
    DB_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: pg.password,
    SQL_MAX_CONNS: String(opts.sqlMaxConns ?? 10),
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfigFile,
    FRONTEND_GRPC_PORT: String(ports.frontend),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    HISTORY_GRPC_PORT: String(ports.history),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_GRPC_PORT: String(ports.matching),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    WORKER_GRPC_PORT: String(ports.worker),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    ...(opts.metricsPort ? { PROMETHEUS_ENDPOINT: `127.0.0.1:${opts.metricsPort}` } : {}),
  };
  const address = `127.0.0.1:${ports.frontend}`;
  const logFile = path.join(logDir, 'temporal-server.log');

  let server: ServiceProcess | undefined;
  let ui: TemporalUiServer | undefined;
  let stopping = false;
  let restarting = false;
  let reportExit: (what: 'temporal-server' | 'temporal-ui') => void = () => undefined;
  const unexpectedExit = new Promise<'temporal-server' | 'temporal-ui'>((resolve) => (reportExit = resolve));

  const startServer = async (firstStart: boolean): Promise<void> => {
    for (const [name, port] of Object.entries(ports)) await assertPortFree(port, `Temporal server (${name})`);
    const child = startTemporalServerProcess({ binary: serverBinary, configFile: TEMPORAL_SERVER_CONFIG_FILE, env, logFile });
    server = child;
    try {
      await waitForServer(address, namespace, child, opts.log, firstStart);
    } catch (err) {
      await child.stop();
      throw new Error(`the Temporal server did not become ready: ${(err as Error).message}\n--- last output (${logFile}) ---\n${child.tail}`);
    }
    void child.closed.then(() => {
      if (!stopping && !restarting && server === child) reportExit('temporal-server');
    });
  };

  const t0 = Date.now();
  opts.log(`starting the Temporal server ${path.basename(serverBinary)} on ${address} (PostgreSQL ${pg.host}:${pg.port}, databases ${databases.temporal}, ${databases.visibility})`);
  await startServer(true);
  const serverMs = Date.now() - t0;

  let uiMs = 0;
  if (uiBinary) {
    const u0 = Date.now();
    const uiPort = typeof opts.uiPort === 'number' ? opts.uiPort : (await freePorts(1))[0];
    try {
      await assertPortFree(uiPort, 'Temporal Web UI');
      ui = await startTemporalUiServer({
        binary: uiBinary,
        temporalAddress: address,
        port: uiPort,
        namespace,
        logFile: path.join(logDir, 'temporal-ui.log'),
        codecEndpoint: opts.uiCodecEndpoint,
      });
    } catch (err) {
      stopping = true;
      await server?.stop();
      throw err;
    }
    uiMs = Date.now() - u0;
    const uiProcess = ui.process;
    void uiProcess.closed.then(() => {
      if (!stopping) reportExit('temporal-ui');
    });
  }

  const stopServer = async () => {
    restarting = true;
    await server?.stop();
  };
  const startServerAgain = async () => {
    if (server && !server.exited()) return;
    try {
      await startServer(false);
    } finally {
      restarting = false;
    }
  };

  return {
    address,
    uiUrl: ui?.url,
    namespace,
    get serverPid() {
      return server?.pid ?? -1;
    },
    get uiPid() {
      return ui?.process.pid;
    },
    metricsUrl: opts.metricsPort ? `http://127.0.0.1:${opts.metricsPort}/metrics` : undefined,
    logFile,
    unexpectedExit,
    timings: { schemaMs, serverMs, uiMs },
    async stop() {
      stopping = true;
      await Promise.all([ui?.stop(), server?.stop()]);
    },
    async restartServer() {
      const r0 = Date.now();
      await stopServer();
      await startServerAgain();
      opts.log(`Temporal server restarted in ${formatMs(Date.now() - r0)}`);
    },
    stopServer,
    startServer: startServerAgain,
  };
}

interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

function parsePostgresUrl(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the PostgreSQL URL for Temporal is not a URL (postgres://user:password@host:port/db expected)');
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error(`the PostgreSQL URL for Temporal must start with postgres://, got ${parsed.protocol}//`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

/**
 * Creates Temporal's two databases when missing and brings their schemas to the version embedded in the SQL tool:
 * setup-schema only creates the version table (skipped when present), update-schema applies the versions newer
 * than the recorded one, so a second run changes nothing.
 */
export async function migrateTemporalDatabases(
  sqlTool: string,
  postgresUrl: string,
  databases: { temporal: string; visibility: string },
  log: StackLog,
): Promise<void> {
  const pg = parsePostgresUrl(postgresUrl);
  const existing = await existingDatabases(postgresUrl, [databases.temporal, databases.visibility]);
  const schemas: Array<[string, string]> = [
    [databases.temporal, 'postgresql/v12/temporal'],
    [databases.visibility, 'postgresql/v12/visibility'],
  ];
  for (const [database, schema] of schemas) {
    const run = (...args: string[]) =>
      runSqlTool(sqlTool, ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--db', database, ...args], pg.password);
    if (!existing.has(database)) {
      log(`creating Temporal database ${database}`);
      await run('create-database', '--defaultdb', 'postgres');
    }
    await run('setup-schema', '-v', '0.0');
    await run('update-schema', '--schema-name', schema);
  }
}

async function existingDatabases(postgresUrl: string, names: string[]): Promise<Set<string>> {
  const client = new PgClient({ connectionString: postgresUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname = any($1)', [names]);
    return new Set(rows.map((r) => r.datname));
  } finally {
    await client.end().catch(() => undefined);
  }
}

function runSqlTool(sqlTool: string, args: string[], password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail = new OutputTail();
    // The password goes through the environment so it never shows in `ps`.
    const child = spawn(sqlTool, args, { env: { PATH: process.env.PATH ?? '', SQL_PASSWORD: password }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => tail.push(c.toString()));
    child.stderr.on('data', (c: Buffer) => tail.push(c.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`temporal-sql-tool ${args.filter((a) => a !== password).slice(-4).join(' ')} exited with ${code}:\n${tail}`)),
    );
  });
}

type ServicePorts = Record<
  'frontend' | 'frontendHttp' | 'frontendMembership' | 'history' | 'historyMembership' | 'matching' | 'matchingMembership' | 'worker' | 'workerMembership',
  number
>;

async function servicePorts(frontend: number | undefined): Promise<ServicePorts> {
  if (frontend !== undefined) {
    // The server module's development layout (7233 → 7234/7235/7239, HTTP 7243, membership 6933…), so a stack
    // restarted later finds its own membership entries on the same ports.
    if (frontend < 400 || frontend > 65_000) throw new Error(`frontend port ${frontend} leaves no room for the other services' ports`);
    return {
      frontend,
      frontendHttp: frontend + 10,
      frontendMembership: frontend - 300,
      history: frontend + 1,
      historyMembership: frontend - 299,
      matching: frontend + 2,
      matchingMembership: frontend - 298,
      worker: frontend + 6,
      workerMembership: frontend - 294,
    };
  }
  const [a, b, c, d, e, f, g, h, i] = await freePorts(9);
  return { frontend: a, frontendHttp: b, frontendMembership: c, history: d, historyMembership: e, matching: f, matchingMembership: g, worker: h, workerMembership: i };
}

/** Writes the dynamic config a local cluster run reads (the server polls that file) into `dir`: the shipped file, the
 *  local switches, then `overrides`. */
export function writeDynamicConfig(dir: string, overrides: Record<string, unknown> | undefined): string {
  const base = (YAML.parse(fs.readFileSync(TEMPORAL_DYNAMIC_CONFIG_FILE, 'utf8')) ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries({ ...LOCAL_SERVER_DYNAMIC_CONFIG, ...overrides })) base[key] = Array.isArray(value) ? value : [{ value }];
  const file = path.join(dir, 'dynamicconfig.yaml');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `# Written by stack/temporal-cluster.ts from ${path.relative(PROJECT_ROOT, TEMPORAL_DYNAMIC_CONFIG_FILE)} and this run's overrides.\n${YAML.stringify(base)}`);
  return file;
}

const GRPC_ALREADY_EXISTS = 6;
/** The namespace's history retention: a week, as the compose file's namespace job sets it. */
const RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * Ready means: the frontend answers, the namespace exists (registered here on a fresh database) with the project's
 * search attributes, and a visibility query in it succeeds, i.e. the frontend's namespace cache has it too; only
 * then can a worker poll and a client start workflows.
 */
async function waitForServer(address: string, namespace: string, child: ServiceProcess, log: StackLog, firstStart: boolean): Promise<void> {
  const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  let lastError = 'no answer yet';
  let connection: Connection | undefined;
  try {
    for (;;) {
      if (child.exited()) throw new Error(`the server exited (code ${child.exitCode()})`);
      if (Date.now() > deadline) throw new Error(`not ready after ${SERVER_READY_TIMEOUT_MS / 1000}s: ${lastError}`);
      try {
        if (!(await tcpOpen(port))) throw new Error(`nothing listening on ${address}`);
        connection ??= await Connection.connect({ address, connectTimeout: 2000 });
        const conn = connection;
        const rpc = <T>(fn: () => Promise<T>) => conn.withDeadline(Date.now() + 5000, fn);
        await rpc(() => conn.workflowService.getSystemInfo({}));
        if (firstStart) {
          try {
            await rpc(() =>
              conn.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION_SECONDS * 1000) }),
            );
            log(`registered namespace ${namespace}`);
          } catch (err) {
            if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
          }
        }
        await waitForTemporal(address, namespace, SEARCH_ATTRIBUTES, { timeoutMs: Math.max(1000, deadline - Date.now()), log, exited: child.exited });
        await rpc(() => conn.workflowService.countWorkflowExecutions({ namespace, query: '' }));
        return;
      } catch (err) {
        lastError = (err as Error).message;
        if (child.exited()) throw new Error(`the server exited (code ${child.exitCode()})`);
        if (connection && /connect|unavailable/i.test(lastError)) {
          await connection.close().catch(() => undefined);
          connection = undefined;
        }
      }
      await sleep(250);
    }
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
