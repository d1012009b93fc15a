import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildOnce, findGo } from './go-build';
import type { StackLog } from './log';
import { DEFAULT_STACK_ROOT, findOnPath, isExecutableFile } from './util';

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
    const go = findGo();
  if (!go) throw new Error(INSTALL_HELP);

  const failures: string[] = [];
  for (const version of TEMPORAL_CLI_VERSIONS) {
    try {
      return await buildOnce(
        go,
        {
          pkg: `github.com/temporalio/cli/cmd/temporal@${version}`,
          dir: temporalCliCacheDir(version),
          binary: 'temporal',
          lockName: '.build.lock',
          label: `the Temporal CLI ${version}`,
        },
        log,
      );
    } catch (err) {
      failures.push(`${version}: ${(err as Error).message}`);
      log(`building Temporal CLI ${version} failed; ${version === TEMPORAL_CLI_VERSIONS.at(-1) ? 'giving up' : 'trying an older release'}`);
    }
  }
  throw new Error(`Could not build the Temporal CLI with ${go}.\n${failures.join('\n\n')}\n\n${INSTALL_HELP}`);
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
