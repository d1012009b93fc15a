// The production Temporal server (`go.temporal.io/server`, the same server a self-hosted cluster runs), built
// from source once into the per-user cache like the CLI (stack/temporal-cli.ts), for what the dev server cannot
// do: TLS with client certificates, real persistence configs, several services. Fresh clones reuse the binary.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StackLog } from './log';
import { OutputTail, findOnPath, formatMs, isExecutableFile, pidAlive, sleep } from './util';

/** The release the cluster stack and the TLS test run; its go.mod installs cleanly with `go install`. */
export const TEMPORAL_SERVER_VERSION = 'v1.32.0';
const MODULE = 'go.temporal.io/server';
/** The binaries we build from that module: the server, and the SQL schema tool a PostgreSQL cluster needs. */
export const TEMPORAL_SERVER_COMMANDS = { server: 'cmd/server', sql: 'cmd/tools/sql' } as const;
export type TemporalServerCommand = keyof typeof TEMPORAL_SERVER_COMMANDS;

export function temporalServerCacheDir(version = TEMPORAL_SERVER_VERSION): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'coursegen', `temporal-server-${version}`);
}

/** Cached binary name: `temporal-server` or `temporal-sql-tool`. */
const binaryName = (command: TemporalServerCommand) => (command === 'server' ? 'temporal-server' : 'temporal-sql-tool');

/**
 * Path to the server binary (or the SQL tool): $TEMPORAL_SERVER_BIN for the server, then the cache, else
 * `go install` (about 7 minutes on 2 cores with a warm module cache; longer on an empty one), once per user.
 */
export async function resolveTemporalServerBinary(log: StackLog, command: TemporalServerCommand = 'server'): Promise<string> {
  const fromEnv = command === 'server' ? process.env.TEMPORAL_SERVER_BIN : undefined;
  if (fromEnv) {
    if (!isExecutableFile(fromEnv)) throw new Error(`TEMPORAL_SERVER_BIN=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const dir = temporalServerCacheDir();
  const target = path.join(dir, binaryName(command));
  if (isExecutableFile(target)) return target;
  const go = findOnPath('go') ?? (isExecutableFile('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error(`Building the Temporal server ${TEMPORAL_SERVER_VERSION} needs Go 1.22+ (https://go.dev/dl/), or set TEMPORAL_SERVER_BIN.`);
  return buildWithLock(go, command, dir, log);
}

/** One builder per binary at a time (a lock file with its pid); others wait. Built in a temp dir, renamed in. */
async function buildWithLock(go: string, command: TemporalServerCommand, dir: string, log: StackLog): Promise<string> {
  const target = path.join(dir, binaryName(command));
  const lockFile = path.join(dir, command === 'server' ? '.build.lock' : `.build-${command}.lock`);
  fs.mkdirSync(dir, { recursive: true });
  let announced = false;
  for (;;) {
    if (isExecutableFile(target)) return target;
    let fd: number | undefined;
    try {
      fd = fs.openSync(lockFile, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      try {
        if (isExecutableFile(target)) return target;
        return await goInstall(go, command, dir, target, log);
      } finally {
        fs.rmSync(lockFile, { force: true });
      }
    }
    let holder: number | undefined;
    try {
      holder = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
    } catch {
      continue; // the lock just went away
    }
    if (Number.isNaN(holder) || !pidAlive(holder)) {
      // A dead builder's lock; an empty one younger than 2 s belongs to a builder that has not written its pid.
      const age = Date.now() - (fs.statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (!Number.isNaN(holder) || age > 2000) fs.rmSync(lockFile, { force: true });
      else await sleep(200);
      continue;
    }
    if (!announced) log(`another process (pid ${holder}) is building the Temporal server ${TEMPORAL_SERVER_VERSION}; waiting for it…`);
    announced = true;
    await sleep(1000);
  }
}

async function goInstall(go: string, command: TemporalServerCommand, dir: string, target: string, log: StackLog): Promise<string> {
  const tmpBin = fs.mkdtempSync(path.join(dir, `.build-${crypto.randomBytes(3).toString('hex')}-`));
  const pkg = `${MODULE}/${TEMPORAL_SERVER_COMMANDS[command]}@${TEMPORAL_SERVER_VERSION}`;
  const started = Date.now();
  log(`building ${pkg} with Go into ${dir} (several minutes, once; later runs reuse it)`);
  const tail = new OutputTail();
  const heartbeat = setInterval(() => log(`still building the Temporal ${command === 'server' ? 'server' : 'SQL tool'}… ${formatMs(Date.now() - started)} elapsed`), 15_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(go, ['install', pkg], { env: { ...process.env, GOBIN: tmpBin }, stdio: ['ignore', 'pipe', 'pipe'] });
      const onData = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        tail.push(text);
        for (const line of text.split('\n')) if (line.startsWith('go: downloading')) log(line.trim());
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', reject);
      child.once('close', resolve);
    });
    const built = path.join(tmpBin, path.basename(TEMPORAL_SERVER_COMMANDS[command]));
    if (code !== 0 || !isExecutableFile(built)) throw new Error(`go install ${pkg} exited with ${code}:\n${tail}`);
    fs.renameSync(built, target);
    log(`built ${pkg} in ${formatMs(Date.now() - started)}: ${target}`);
    return target;
  } finally {
    clearInterval(heartbeat);
    fs.rmSync(tmpBin, { recursive: true, force: true });
  }
}
