// Builds a Go program once per user with `go install module/cmd@version` into the per-user cache, for the Temporal
// binaries the stack runs (the CLI's dev server, the production server and its SQL tool). Every clone of the
// project shares the cache, so the slow first build (minutes) happens once per machine.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { StackLog } from './log';
import { OutputTail, findOnPath, formatMs, isExecutableFile, pidAlive, sleep } from './util';

export interface GoBuild {
  /** `module/path/cmd/name@version`, what `go install` takes. */
  pkg: string;
  /** The cache folder the binary lives in. */
  dir: string;
  /** The binary's name in `dir`. */
  binary: string;
  /** The lock file's name in `dir` (one per binary). */
  lockName: string;
  /** What the build is called in progress lines, e.g. "the Temporal CLI v1.5.1". */
  label: string;
  /** Extra environment for `go install`, e.g. GOTOOLCHAIN for a module that needs a newer Go than the local one. */
  env?: Record<string, string>;
}

/** The `go` command: PATH, else where the official Go tarball lands (often not on PATH in non-login shells). */
export function findGo(): string | undefined {
  return findOnPath('go') ?? (isExecutableFile('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/**
 * Only one process builds a given binary at a time (a lock file holding its pid); others wait for it. The build
 * goes into a private temp dir and is renamed into place, so a half-written binary is never visible.
 */
export async function buildOnce(go: string, build: GoBuild, log: StackLog): Promise<string> {
  const target = path.join(build.dir, build.binary);
  const lockFile = path.join(build.dir, build.lockName);
  fs.mkdirSync(build.dir, { recursive: true });
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
        return await goInstall(go, build, target, log);
      } finally {
        fs.rmSync(lockFile, { force: true });
      }
    }
    const holder = readLock(lockFile);
    if (holder === 'gone') continue;
    if (holder === undefined || !pidAlive(holder)) {
      // A dead builder leaves its lock behind. An empty lock younger than 2 s is a builder that has not written its
      // pid yet. (If two waiters race to clear a stale lock, both may build: wasteful but safe thanks to the rename.)
      if (holder !== undefined || Date.now() - lockMtime(lockFile) > 2000) fs.rmSync(lockFile, { force: true });
      else await sleep(200);
      continue;
    }
    if (!announcedWait) log(`another process (pid ${holder}) is building ${build.label}; waiting for it…`);
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

async function goInstall(go: string, build: GoBuild, target: string, log: StackLog): Promise<string> {
  const tmpBin = fs.mkdtempSync(path.join(build.dir, `.build-${crypto.randomBytes(3).toString('hex')}-`));
  const started = Date.now();
  log(`building ${build.label} (${build.pkg}) with Go into ${build.dir}`);
  log('the first build takes several minutes (later runs and fresh clones reuse it); progress follows');
  const tail = new OutputTail();
  // Elapsed-time heartbeat so a quiet compile or link phase does not look like a hang.
  const heartbeat = setInterval(() => log(`still building ${build.label}… ${formatMs(Date.now() - started)} elapsed`), 15_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      // Go's defaults otherwise (it turns cgo off by itself when no C compiler is installed). Forcing
      // CGO_ENABLED=0 made the CLI build ignore Go's build cache and took 400 s instead of ~240 s here.
      const child = spawn(go, ['install', build.pkg], { env: { ...process.env, ...build.env, GOBIN: tmpBin }, stdio: ['ignore', 'pipe', 'pipe'] });
      const onData = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        tail.push(text);
        for (const line of text.split('\n')) if (/^go: (downloading|switching)/.test(line)) log(line.trim());
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', reject);
      child.once('close', resolve);
    });
    const built = path.join(tmpBin, path.basename(build.pkg.split('@')[0]));
    if (code !== 0 || !isExecutableFile(built)) throw new Error(`go install ${build.pkg} exited with ${code}:\n${tail}`);
    fs.renameSync(built, target); // atomic within one filesystem
    log(`built ${build.label} in ${formatMs(Date.now() - started)}: ${target}`);
    return target;
  } finally {
    clearInterval(heartbeat);
    fs.rmSync(tmpBin, { recursive: true, force: true });
  }
}
