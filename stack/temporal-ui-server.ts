// The standalone Temporal Web UI (`github.com/temporalio/ui-server/v2`, the program the temporalio/ui image runs),
// built from source once into the per-user cache like the server (stack/temporal-server-binary.ts) and run by the
// production-shaped stack against its frontend, from the config kept in config/temporal/ui/.
//
// Version: v2.56.4. The newer v2.58.x cannot be built from the Go module proxy: two of its dependencies
// (github.com/labstack/echo/v4@v4.16.1, go.temporal.io/api@v1.64.0) are refused there (HTTP 403). v2.56.4's go.mod
// asks for Go 1.26.10, newer than most installed toolchains, so the build runs with GOTOOLCHAIN=go1.27.3: the `go`
// command fetches that toolchain from the module proxy by itself (once per machine) instead of failing. The build
// takes about 2.5 minutes on 2 cores with a warm module cache.
import os from 'node:os';
import path from 'node:path';
import { buildOnce, findGo } from './go-build';
import type { StackLog } from './log';
import { PROJECT_ROOT, isExecutableFile, sleep, spawnService, type ServiceProcess } from './util';

/** Also the temporalio/ui image tag docker-compose.temporal.yml runs (test/unit/compose.test.ts checks it). */
export const TEMPORAL_UI_SERVER_VERSION = 'v2.56.4';
/** The Go toolchain the build needs (go.mod of v2.56.4 says go 1.26.10); fetched through the module proxy. */
export const TEMPORAL_UI_SERVER_GOTOOLCHAIN = 'go1.27.3';
const PKG = `github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_SERVER_VERSION}`;
/** The config folder; the UI server reads `<env>.yaml` there, and the image runs with `--env docker`. */
export const TEMPORAL_UI_CONFIG_DIR = path.join(PROJECT_ROOT, 'config', 'temporal', 'ui');

export function temporalUiServerCacheDir(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'coursegen', `temporal-ui-server-${TEMPORAL_UI_SERVER_VERSION}`);
}

/** $TEMPORAL_UI_SERVER_BIN, then the cache, else `go install` once per user (progress on `log`). */
export async function resolveTemporalUiServerBinary(log: StackLog): Promise<string> {
  const fromEnv = process.env.TEMPORAL_UI_SERVER_BIN;
  if (fromEnv) {
    if (!isExecutableFile(fromEnv)) throw new Error(`TEMPORAL_UI_SERVER_BIN=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const dir = temporalUiServerCacheDir();
  const target = path.join(dir, 'temporal-ui-server');
  if (isExecutableFile(target)) return target;
  const go = findGo();
  if (!go) throw new Error(`Building the Temporal Web UI ${TEMPORAL_UI_SERVER_VERSION} needs Go (https://go.dev/dl/), or set TEMPORAL_UI_SERVER_BIN.`);
  return buildOnce(
    go,
    {
      pkg: PKG,
      dir,
      binary: 'temporal-ui-server',
      lockName: '.build.lock',
      label: `the Temporal Web UI ${TEMPORAL_UI_SERVER_VERSION}`,
      env: { GOTOOLCHAIN: TEMPORAL_UI_SERVER_GOTOOLCHAIN },
    },
    log,
  );
}

export interface TemporalUiServerOptions {
  binary: string;
  temporalAddress: string;
  port: number;
  namespace: string;
  logFile: string;
  /** The codec server the browser calls to show encrypted payloads. */
  codecEndpoint?: string;
  timeoutMs?: number;
}

export interface TemporalUiServer {
  url: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

/** Starts the UI server and waits until its /healthz answers. */
export async function startTemporalUiServer(opts: TemporalUiServerOptions): Promise<TemporalUiServer> {
  const child = spawnService({
    command: opts.binary,
    args: ['--root', '/', '--config', TEMPORAL_UI_CONFIG_DIR, '--env', 'docker', 'start'],
    env: {
      TEMPORAL_ADDRESS: opts.temporalAddress,
      TEMPORAL_UI_HOST: '127.0.0.1',
      TEMPORAL_UI_PORT: String(opts.port),
      TEMPORAL_DEFAULT_NAMESPACE: opts.namespace,
      TEMPORAL_CODEC_ENDPOINT: opts.codecEndpoint ?? '',
    },
    logFile: opts.logFile,
    label: 'temporal-ui-server',
  });
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exited()) throw new Error(`the Temporal Web UI exited during start-up (code ${child.exitCode()}):\n${child.tail}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`the Temporal Web UI did not answer ${url}/healthz in time:\n${child.tail}`);
    }
    await sleep(250);
  }
  return { url, process: child, stop: child.stop };
}
