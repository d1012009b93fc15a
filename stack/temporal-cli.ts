import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StackLog } from './log';
import { DEFAULT_STACK_ROOT, OutputTail, findOnPath, formatMs, isExecutableFile, pidAlive, sleep } from './util';

/**
 * Versions we build from source, newest first. v1.5.1 is the newest release
 * whose go.mod has no `replace` directive (a replace makes `go install
 * module@version` refuse to build); it embeds Temporal Server 1.29.1. The
 * older ones are fallbacks in case a dependency of the newer one can't be had.
 */
export const TEMPORAL_CLI_VERSIONS = ['v1.5.1', 'v1.4.1', 'v1.3.0', 'v1.2.0'] as const;
export type TemporalCliVersion = (typeof TEMPORAL_CLI_VERSIONS)[number];

const INSTALL_HELP = [
  'The Temporal CLI (`temporal`) is needed to run a local Temporal dev server, and Go is not installed to build it.',
  'Install one of:',
  '  - the Temporal CLI: https://docs.temporal.io/cli#install (macOS: `brew install temporal`), or set TEMPORAL_CLI=/path/to/temporal',
  '  - Go 1.22+ (https://go.dev/dl/), then rerun: the CLI is built once into ~/.cache/coursegen/.',
].join('\n');

/** Per-user cache, shared by every clone of the project so the slow build happens once. */
export function temporalCliCacheDir(version: TemporalCliVersion = TEMPORAL_CLI_VERSIONS[0]): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'coursegen', `temporal-${version}`);
}

/**
 * Path to a `temporal` binary: $TEMPORAL_CLI, then PATH, then the per-user
 * cache, else build it with `go install` (several minutes, once).
 */
export async function resolveTemporalCli(log: StackLog): Promise<string> {
  const cli = await findOrBuild(log);
  linkIntoProject(cli, log);
  return cli;
}

async function findOrBuild(log: StackLog): Promise<string> {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    // An explicit setting that is wrong should fail loudly, not silently fall back.
    if (!isExecutableFile(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const onPath = findOnPath('temporal');
  if (onPath) return onPath;
  for (const version of TEMPORAL_CLI_VERSIONS) {
    const cached = path.join(temporalCliCacheDir(version), 'temporal');
    if (isExecutableFile(cached)) return cached;
  }
  // /usr/local/go/bin is where the official Go tarball lands; it is often not on PATH in non-login shells.
  const go = findOnPath('go') ?? (isExecutableFile('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error(INSTALL_HELP);

  const failures: string[] = [];
  for (const version of TEMPORAL_CLI_VERSIONS) {
    try {
      return await buildWithLock(go, version, log);
    } catch (err) {
      failures.push(`${version}: ${(err as Error).message}`);
      log(`building Temporal CLI ${version} failed; ${version === TEMPORAL_CLI_VERSIONS.at(-1) ? 'giving up' : 'trying an older release'}`);
    }
  }
  throw new Error(`Could not build the Temporal CLI with ${go}.\n${failures.join('\n\n')}\n\n${INSTALL_HELP}`);
}

/**
 * Only one process builds a given version at a time (a lock file holding its
 * pid); others wait for the binary. The build goes into a private temp dir and
 * is renamed into place, so a half-written binary is never visible.
 */
async function buildWithLock(go: string, version: TemporalCliVersion, log: StackLog): Promise<string> {
  const dir = temporalCliCacheDir(version);
  const target = path.join(dir, 'temporal');
  const lockFile = path.join(dir, '.build.lock');
  fs.mkdirSync(dir, { recursive: true });
  let announcedWait = false;
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
        if (isExecutableFile(target)) return target; // someone finished between our checks
        return await goInstall(go, version, dir, log);
      } finally {
        fs.rmSync(lockFile, { force: true });
      }
    }
    const holder = readLock(lockFile);
    if (holder === 'gone') continue;
    if (holder === undefined || !pidAlive(holder)) {
      // A dead builder leaves its lock behind. An empty lock younger than 2 s is a
      // builder that has not written its pid yet. (If two waiters race to clear a
      // stale lock, both may build: wasteful but safe thanks to the atomic rename.)
      if (holder !== undefined || Date.now() - lockMtime(lockFile) > 2000) fs.rmSync(lockFile, { force: true });
      else await sleep(200);
      continue;
    }
    if (!announcedWait) log(`another process (pid ${holder}) is building the Temporal CLI ${version}; waiting for it…`);
    announcedWait = true;
    await sleep(1000);
  }
}

function readLock(lockFile: string): number | undefined | 'gone' {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
    return Number.isNaN(pid) ? undefined : pid;
  } catch {
    return 'gone';
  }
}

function lockMtime(lockFile: string): number {
  try {
    return fs.statSync(lockFile).mtimeMs;
  } catch {
    return 0;
  }
}

async function goInstall(go: string, version: TemporalCliVersion, dir: string, log: StackLog): Promise<string> {
  const tmpBin = fs.mkdtempSync(path.join(dir, `.build-${crypto.randomBytes(3).toString('hex')}-`));
  const started = Date.now();
  log(`building the Temporal CLI ${version} with Go into ${dir}`);
  log('the first build takes several minutes (later runs reuse it); progress follows');
  const tail = new OutputTail();
  // Elapsed-time heartbeat so a quiet link/compile phase doesn't look like a hang.
  const heartbeat = setInterval(() => log(`still building the Temporal CLI ${version}… ${formatMs(Date.now() - started)} elapsed`), 15_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(go, ['install', `github.com/temporalio/cli/cmd/temporal@${version}`], {
        // Go's defaults otherwise (it turns cgo off by itself when no C compiler is
        // installed; the CLI is pure Go). Forcing CGO_ENABLED=0 made the build
        // ignore Go's build cache and took 400 s instead of ~240 s here.
        env: { ...process.env, GOBIN: tmpBin },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
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
    const built = path.join(tmpBin, 'temporal');
    if (code !== 0 || !isExecutableFile(built)) throw new Error(`go install exited with ${code}:\n${tail}`);
    const target = path.join(dir, 'temporal');
    fs.renameSync(built, target); // atomic within one filesystem
    log(`built the Temporal CLI ${version} in ${formatMs(Date.now() - started)}: ${target}`);
    return target;
  } finally {
    clearInterval(heartbeat);
    fs.rmSync(tmpBin, { recursive: true, force: true });
  }
}

/** Convenience for users: <project>/.stack/bin/temporal points at whichever binary we use. */
function linkIntoProject(cli: string, log: StackLog): void {
  const binDir = path.join(DEFAULT_STACK_ROOT, 'bin');
  const link = path.join(binDir, 'temporal');
  try {
    const real = fs.realpathSync(cli);
    if (fs.existsSync(link) && fs.realpathSync(link) === real) return;
    fs.mkdirSync(binDir, { recursive: true });
    // Create under a temp name and rename over, so concurrent runs never see a missing link.
    const tmp = `${link}.${process.pid}.tmp`;
    fs.rmSync(tmp, { force: true });
    fs.symlinkSync(real, tmp);
    fs.renameSync(tmp, link);
  } catch (err) {
    log(`note: could not link ${link} -> ${cli}: ${(err as Error).message}`);
  }
}
