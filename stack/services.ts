/**
 * `npm run services`: a local Temporal dev server + PostgreSQL in the
 * foreground until Ctrl-C. stdout carries only the KEY=value lines (so
 * `eval`/scripts can read them); everything else goes to stderr.
 */
import { parseArgs } from 'node:util';
import { codecServerOptionsFromEnv, startCodecServer } from '../client/codec-server';
import { loadCodecKeys } from '../workers/payload-codec';
import { stderrLog } from './log';
import { DEFAULT_PORTS, startStack, type RunningStack } from './stack';
import { TEMPORAL_SERVER_VERSION } from './temporal-server-binary';
import { DEFAULT_STACK_ROOT, formatMs } from './util';

const USAGE = `Usage: npm run services -- [options]

Runs a Temporal dev server and PostgreSQL for coursegen until Ctrl-C.
Data lives in .stack/ and survives restarts.

Options:
  --cluster             production-shaped Temporal instead of the dev server:
                        the Temporal server ${TEMPORAL_SERVER_VERSION} on this PostgreSQL
                        (config/temporal/), and the standalone Web UI
  --temporal-port N     Temporal gRPC port (default ${DEFAULT_PORTS.temporal})
  --ui-port N           Temporal Web UI port (default ${DEFAULT_PORTS.temporalUi})
  --postgres-port N     PostgreSQL port (default ${DEFAULT_PORTS.postgres})
  --root DIR            data folder (default .stack/ in the project)
  -h, --help

Environment: DATABASE_URL (use that PostgreSQL instead), TEMPORAL_ADDRESS
(use that Temporal instead), TEMPORAL_CLI (path to a temporal binary),
PAYLOAD_CODEC_KEYS / PAYLOAD_CODEC_KEY_FILE (payloads are encrypted: also run
the codec server and point the Web UI at it; CODEC_SERVER_* as for
npm run codec-server).`;

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--${flag} must be a port number, got ${value}`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'temporal-port': { type: 'string' },
      'ui-port': { type: 'string' },
      'postgres-port': { type: 'string' },
      root: { type: 'string' },
      cluster: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = stderrLog('[services]');
  const temporalPort = port(values['temporal-port'], DEFAULT_PORTS.temporal, 'temporal-port');

  // Signals can arrive while we are still starting; stop whatever came up then.
  let signalled = false;
  const shutdown = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) return log(`${signal} again: still stopping, please wait`);
      signalled = true;
      log(`${signal} received, stopping…`);
      resolve(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  // With payload keys configured the Web UI shows ciphertext unless it can reach a codec server: run one here.
  const temporalUiPort = port(values['ui-port'], temporalPort + 1000, 'ui-port');
  const codecServer = loadCodecKeys(process.env).length > 0
    ? await startCodecServer({
        origins: [`http://127.0.0.1:${temporalUiPort}`, `http://localhost:${temporalUiPort}`],
        ...codecServerOptionsFromEnv(),
      })
    : undefined;
  if (codecServer) log(`payloads are encrypted; codec server for the Web UI on ${codecServer.url}`);
  const starting = startStack({
    root: values.root ?? DEFAULT_STACK_ROOT,
    temporalPort,
    // Temporal's own convention: UI on gRPC port + 1000.
    temporalUiPort,
    postgresPort: port(values['postgres-port'], DEFAULT_PORTS.postgres, 'postgres-port'),
    log,
    useExistingDatabaseUrl: process.env.DATABASE_URL || undefined,
    useExistingTemporalAddress: process.env.TEMPORAL_ADDRESS || undefined,
    uiCodecEndpoint: codecServer?.url,
    cluster: values.cluster,
  });
  void shutdown.then(() => codecServer?.close());
  const first = await Promise.race([starting.then((s) => s), shutdown.then(() => undefined)]);
  if (!first) {
    // Interrupted during start-up: wait for it to finish (or fail), then tear down.
    await starting.then((s) => s.stop()).catch(() => undefined);
    return 0;
  }
  const stack: RunningStack = first;

  const uiUrl = stack.temporalUiUrl || process.env.TEMPORAL_UI || '';
  process.stdout.write(`TEMPORAL_ADDRESS=${stack.temporalAddress}\nTEMPORAL_UI=${uiUrl}\nDATABASE_URL=${stack.databaseUrl}\n`);
  log(
    `ready (Temporal ${formatMs(stack.timings.temporalMs)}, PostgreSQL ${formatMs(stack.timings.postgresMs)}). ` +
      `In another terminal export the lines above (or run the demo); Web UI: ${uiUrl || 'n/a'}. Ctrl-C stops ${values.cluster ? 'them all' : 'both'}.`,
  );

  // With both servers external there is no child process keeping Node alive; stay in the foreground anyway.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const outcome = await Promise.race([shutdown.then(() => undefined), stack.unexpectedExit]);
  clearInterval(keepAlive);
  if (outcome) log(`${outcome} exited unexpectedly (see ${values.root ?? DEFAULT_STACK_ROOT}/logs/); stopping the rest`);
  await stack.stop();
  log('stopped');
  return outcome ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`[services] ${err.message}\n`);
    process.exit(1);
  },
);
