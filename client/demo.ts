// `npm run demo`: the whole pipeline on the embedded defaults. Brings up (or reuses) the local stack, starts the
// LLM simulator unless LLM_API_KEY is set, runs a worker in this process, generates the example course, prints
// the summary and the Web UI link, then stops everything it started (unless --keep).
import { Connection } from '@temporalio/client';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startLlmSimulator, type LlmSimulator } from '../simulator/server';
import { pgIsReachable } from '../stack/postgres';
import { DEFAULT_PORTS, startStack } from '../stack/stack';
import { stderrLog } from '../stack/log';
import { PROJECT_ROOT } from '../stack/util';
import { buildWorker } from '../workers/build-worker';
import { DEFAULT_DATABASE_URL, loadConfig } from '../workers/config';
import { loadTemporalConnection } from '../workers/temporal-connection';
import { loadClientConfig } from './config';
import { quietRuntime } from './runtime';
import { generateCommand } from './generate';

const EXAMPLE = path.join(PROJECT_ROOT, 'examples', 't053-synergy-sales.input.json');
/** Its own task queue, so a worker of yours on the default queue never picks up the demo's (simulated) run. */
const DEMO_TASK_QUEUE = 'course-generation-demo';

async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      input: { type: 'string', default: EXAMPLE },
      keep: { type: 'boolean', default: false },
      // Simulated latency = the seeds' (metadata 20 s, section 75 s) × this factor.
      'time-factor': { type: 'string', default: '0.02' },
    },
  });
  const log = stderrLog('[demo]');
  quietRuntime();

  // Reuse a stack that `npm run services` already runs on the default ports; otherwise start one.
  const userTemporal = loadTemporalConnection();
  const temporalRunning = !userTemporal.addressConfigured && (await isListening(DEFAULT_PORTS.temporal));
  const postgresRunning = !process.env.DATABASE_URL && (await pgIsReachable(DEFAULT_DATABASE_URL, 1000));
  const stack = await startStack({
    root: path.join(PROJECT_ROOT, '.stack'),
    temporalPort: DEFAULT_PORTS.temporal,
    temporalUiPort: DEFAULT_PORTS.temporalUi,
    postgresPort: DEFAULT_PORTS.postgres,
    log,
    useExistingTemporalAddress: (userTemporal.addressConfigured ? userTemporal.address : undefined) || (temporalRunning ? `127.0.0.1:${DEFAULT_PORTS.temporal}` : undefined),
    useExistingDatabaseUrl: process.env.DATABASE_URL || (postgresRunning ? DEFAULT_DATABASE_URL : undefined),
  });

  let simulator: LlmSimulator | null = null;
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: DEMO_TASK_QUEUE,
      DATABASE_URL: stack.databaseUrl,
      // A reused server's UI is not known to the stack: assume the dev server's default port.
      TEMPORAL_UI: process.env.TEMPORAL_UI || stack.temporalUiUrl || `http://127.0.0.1:${DEFAULT_PORTS.temporalUi}`,
    };
    if (!process.env.LLM_API_KEY) {
      simulator = await startLlmSimulator({ port: 0, timeFactor: Number(values['time-factor']) });
      env.LLM_BASE_URL = simulator.url;
      env.LLM_API_KEY = 'simulator-no-real-key';
      log('LLM_API_KEY is not set: using the LLM SIMULATOR. Content is synthetic. Set LLM_API_KEY for real models.');
    } else {
      log(`Using the real LLM endpoint ${env.LLM_BASE_URL ?? 'https://openrouter.ai/api/v1'}`);
    }

    const config = loadConfig(env);
    const built = await buildWorker(config);
    let exitCode = 1;
    try {
      exitCode = await built.worker.runUntil(
        generateCommand({
          input: values.input!,
          rerun: true,
          config: loadClientConfig(env),
        }),
      );
    } finally {
      await built.close();
    }

    if (values.keep) {
      log(`Stack kept running. Web UI: ${env.TEMPORAL_UI} — press Ctrl-C to stop.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    } else if (!temporalRunning) {
      log('Stopping the stack. Its history is kept in .stack/: `npm run services` brings the Web UI back with this run.');
    }
    return exitCode;
  } finally {
    await simulator?.close();
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
