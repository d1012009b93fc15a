// The production Temporal server (`go.temporal.io/server`, the same server a self-hosted cluster runs), built
// from source once into the per-user cache like the CLI (stack/temporal-cli.ts), for what the dev server cannot
// do: TLS with client certificates, real persistence configs, several services. Fresh clones reuse the binary.
import os from 'node:os';
import path from 'node:path';
import { buildOnce, findGo } from './go-build';
import type { StackLog } from './log';
import { isExecutableFile } from './util';

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
  const go = findGo();
  if (!go) throw new Error(`Building the Temporal server ${TEMPORAL_SERVER_VERSION} needs Go 1.22+ (https://go.dev/dl/), or set TEMPORAL_SERVER_BIN.`);
  return buildOnce(
    go,
    {
      pkg: `${MODULE}/${TEMPORAL_SERVER_COMMANDS[command]}@${TEMPORAL_SERVER_VERSION}`,
      dir,
      binary: binaryName(command),
      lockName: command === 'server' ? '.build.lock' : `.build-${command}.lock`,
      label: `the Temporal ${command === 'server' ? 'server' : 'SQL tool'} ${TEMPORAL_SERVER_VERSION}`,
    },
    log,
  );
}
