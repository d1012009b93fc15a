// Private servers for chaos cases that stop them: the shared stack of the jest run (global-setup) is used by other
// test files in parallel and must never go down. Each private server lives in its own temp folder on free ports
// and can be stopped and started again on the same data (SQLite file / PostgreSQL data directory) and port.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLog, type StackLog } from '../../stack/log';
import { startEmbeddedPostgres, type RunningPostgres } from '../../stack/postgres';
import { SEARCH_ATTRIBUTES } from '../../stack/search-attributes';
import { resolveTemporalCli } from '../../stack/temporal-cli';
import { startTemporalDevServer, type TemporalDevServer } from '../../stack/temporal-server';
import { freePorts } from '../../stack/util';

/** A temp folder PostgreSQL (run as the `postgres` user when we are root) can enter. */
export function chaosTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `coursegen-chaos-${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export interface PrivateTemporal {
  address: string;
  namespace: 'default';
  dbFile: string;
  current(): TemporalDevServer | null;
  stop(): Promise<void>;
  /** Starts the server again on the same SQLite file and ports. */
  start(): Promise<void>;
  /** stop() and remove its folder. */
  dispose(): Promise<void>;
}

export async function startPrivateTemporal(log: StackLog = silentLog): Promise<PrivateTemporal> {
  const root = chaosTempDir('temporal');
  const [port, uiPort] = await freePorts(2);
  const cliPath = await resolveTemporalCli(log);
  const dbFile = path.join(root, 'temporal.sqlite');
  let server: TemporalDevServer | null = null;
  const start = async () => {
    server = await startTemporalDevServer({
      cliPath,
      port,
      uiPort,
      dbFile,
      namespace: 'default',
      searchAttributes: SEARCH_ATTRIBUTES,
      logFile: path.join(root, 'temporal.log'),
      log,
    });
  };
  const stop = async () => {
    const s = server;
    server = null;
    await s?.stop();
  };
  await start();
  return {
    address: `127.0.0.1:${port}`,
    namespace: 'default',
    dbFile,
    current: () => server,
    start,
    stop,
    async dispose() {
      await stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface PrivatePostgres {
  databaseUrl: string;
  port: number;
  stop(): Promise<void>;
  /** Starts PostgreSQL again on the same data directory and port. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startPrivatePostgres(log: StackLog = silentLog): Promise<PrivatePostgres> {
  const root = chaosTempDir('postgres');
  const [port] = await freePorts(1);
  let running: RunningPostgres | null = null;
  const start = async (): Promise<RunningPostgres> => {
    const started = await startEmbeddedPostgres({
      dataDir: path.join(root, 'data'),
      port,
      database: 'coursegen',
      logFile: path.join(root, 'postgres.log'),
      log,
    });
    running = started;
    return started;
  };
  const stop = async () => {
    const r = running;
    running = null;
    await r?.stop();
  };
  const { databaseUrl } = await start();
  return {
    databaseUrl,
    port,
    start: async () => {
      await start();
    },
    stop,
    async dispose() {
      await stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
