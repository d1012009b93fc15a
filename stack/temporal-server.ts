import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { StackLog } from './log';
import type { SearchAttributeType } from './search-attributes';
import { OutputTail, assertPortFree, sleep, tcpOpen } from './util';

export type { SearchAttributeType } from './search-attributes';

export interface TemporalDevServerOptions {
  cliPath: string;
  port: number;
  uiPort: number;
  /** SQLite file: workflow histories survive restarts of the dev server. */
  dbFile: string;
  namespace?: string;
  searchAttributes: Record<string, SearchAttributeType>;
  /** Server output is appended here (it is noisy and only useful when something breaks). */
  logFile?: string;
  log: StackLog;
  /** Give up waiting for readiness after this long. */
  readyTimeoutMs?: number;
  /** The codec server the Web UI asks to decode encrypted payloads (`npm run codec-server`). */
  uiCodecEndpoint?: string;
}

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  namespace: string;
  pid: number;
  /** Resolves when the process exits for whatever reason (exit code, or null if killed by a signal). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
const SA_TYPES: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** gRPC status code ALREADY_EXISTS (fixed by the gRPC spec). */
const GRPC_ALREADY_EXISTS = 6;
/** Polling cadence for readiness: short enough not to add visible latency, cheap enough on 2 cores. */
const POLL_MS = 250;
/** A cold first start on a slow 2-core machine (SQLite schema setup) can take a while. */
const DEFAULT_READY_TIMEOUT_MS = 120_000;
/** The server stops in ~3 s after SIGTERM; past this it is stuck and gets SIGKILL. */
const STOP_GRACE_MS = 10_000;

export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const namespace = opts.namespace ?? 'default';
  const address = `127.0.0.1:${opts.port}`;
  await assertPortFree(opts.port, 'Temporal dev server');
  await assertPortFree(opts.uiPort, 'Temporal Web UI');
  fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--ui-port', String(opts.uiPort),
    '--db-filename', opts.dbFile, '--log-level', 'warn',
    // WAL with synchronous=normal: every workflow task is a SQLite write, and the default rollback journal made
    // the dev server the bottleneck with many courses at once (100 courses: 60 s → 19 s back to back). A crash
    // of the server process loses nothing with WAL; only an OS crash may lose the last transactions.
    '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];
  if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  // "default" always exists; other namespaces are created at launch.
  if (namespace !== 'default') args.push('--namespace', namespace);
  // Only honoured on a fresh SQLite file; waitForTemporal() adds any that are missing later.
  for (const [name, type] of Object.entries(opts.searchAttributes)) args.push('--search-attribute', `${name}=${type}`);

  // Drop TEMPORAL_* variables: the CLI reads its client settings (address,
  // namespace, TLS…) from them, and the user's shell may point at another server.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
  const child = spawn(opts.cliPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = new OutputTail();
  const logStream = opts.logFile ? openLog(opts.logFile) : undefined;
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      tail.push(chunk.toString('utf8'));
      logStream?.write(chunk);
    });
  }
  const exited = new Promise<number | null>((resolve) => {
    // 'close', not 'exit': it waits for the output pipes to drain, so the tail is complete.
    child.once('close', (code) => resolve(code));
    child.once('error', (err) => {
      tail.push(`spawn failed: ${err.message}`);
      resolve(-1);
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    process.off('exit', killOnExit);
    logStream?.end();
  });
  // Last resort if our process exits without calling stop(): don't leave an orphan server holding the port.
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    if (hasExited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  })());

  opts.log(`starting Temporal dev server on ${address} (UI :${opts.uiPort}, db ${opts.dbFile})`);
  try {
    await waitForTemporal(address, namespace, opts.searchAttributes, {
      timeoutMs: opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      exited: () => hasExited,
      log: opts.log,
    });
  } catch (err) {
    await stop();
    const why = hasExited ? `the dev server exited with code ${await exited}` : (err as Error).message;
    throw new Error(`Temporal dev server did not start: ${why}\n--- last output of ${opts.cliPath} ---\n${tail}`);
  }
  return { address, uiUrl: `http://127.0.0.1:${opts.uiPort}`, namespace, pid: child.pid ?? -1, exited, stop };
}

function openLog(file: string): fs.WriteStream {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const stream = fs.createWriteStream(file, { flags: 'a' });
  stream.write(`\n=== temporal dev server ${new Date().toISOString()} ===\n`);
  return stream;
}

export interface WaitForTemporalOptions {
  timeoutMs: number;
  log: StackLog;
  /** Lets the caller stop the wait as soon as the process it spawned has died. */
  exited?: () => boolean;
}

/**
 * Polls until the frontend answers, the namespace exists and the search
 * attributes are registered (adding missing ones). Works for any server, so it
 * also checks a TEMPORAL_ADDRESS the user supplies.
 */
export async function waitForTemporal(
  address: string,
  namespace: string,
  searchAttributes: Record<string, SearchAttributeType>,
  opts: WaitForTemporalOptions,
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const [host, portText] = splitAddress(address);
  let lastError = 'no answer yet';
  let connection: Connection | undefined;
  try {
    for (;;) {
      if (opts.exited?.()) throw new Error('process exited');
      if (Date.now() > deadline) throw new Error(`not ready after ${opts.timeoutMs / 1000}s at ${address}: ${lastError}`);
      try {
        // A TCP probe first: much cheaper than a gRPC connect attempt while nothing listens yet.
        if (!(await tcpOpen(Number(portText), host))) throw new Error(`nothing listening on ${address}`);
        connection ??= await Connection.connect({ address, connectTimeout: 2000 });
        const rpcDeadline = () => Date.now() + 5000;
        await connection.withDeadline(rpcDeadline(), () => connection!.workflowService.getSystemInfo({}));
        await connection.withDeadline(rpcDeadline(), () => connection!.workflowService.describeNamespace({ namespace }));
        await ensureSearchAttributes(connection, namespace, searchAttributes, opts.log);
        return;
      } catch (err) {
        if (err instanceof StackConfigError) throw err;
        lastError = (err as Error).message;
        if (connection && /connect|unavailable/i.test(lastError)) {
          await connection.close().catch(() => undefined);
          connection = undefined;
        }
      }
      await sleep(POLL_MS);
    }
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/**
 * `start-dev --search-attribute` only registers attributes when it creates a
 * new SQLite file, so an older file (or an external server) may lack some.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  wanted: Record<string, SearchAttributeType>,
  log: StackLog,
): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.entries(wanted).filter(([name]) => !(customAttributes && name in customAttributes));
  for (const [name, type] of Object.entries(wanted)) {
    const existing = customAttributes?.[name];
    if (existing !== undefined && existing !== null && existing !== SA_TYPES[type]) {
      throw new StackConfigError(`search attribute ${name} is registered with type ${IndexedValueType[existing]}, expected ${type}`);
    }
  }
  if (missing.length === 0) return;
  log(`registering search attributes ${missing.map(([n, t]) => `${n}=${t}`).join(', ')} in namespace ${namespace}`);
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, SA_TYPES[type]])),
    });
  } catch (err) {
    // Someone else (e.g. the server's own start-up) registered them meanwhile.
    if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
  }
}

/** A mistake that waiting will not fix, so the readiness loop stops at once. */
export class StackConfigError extends Error {}

function splitAddress(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  if (i <= 0) throw new Error(`Temporal address must be host:port, got ${address}`);
  return [address.slice(0, i), address.slice(i + 1)];
}
