// Everything a benchmark run needs, opened once and closed in reverse order: the stack (its own on free ports in a
// temp dir, unless TEMPORAL_ADDRESS and DATABASE_URL point at one), the LLM simulator, one in-process worker on a
// task queue of its own, a client, and the real activities for the in-process baselines.
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities, type Activities } from '../activities';
import { createOpenAiClient } from '../activities/llm';
import { loadPriceTable } from '../activities/pricing';
import { createTextSanitizer } from '../activities/sanitize';
import { startLlmSimulator, type LlmSimulator } from '../simulator/server';
import { startStack } from '../stack/stack';
import { freePorts } from '../stack/util';
import { buildWorker } from '../workers/build-worker';
import { loadConfig, type WorkerConfig } from '../workers/config';
import { connectClient, loadTemporalConnection, temporalSettingsOf } from '../workers/temporal-connection';
import type { BenchOptions } from './options';

export interface BenchEnv {
  sim: LlmSimulator;
  client: Client;
  taskQueue: string;
  config: WorkerConfig;
  /** The worker's configuration as environment variables: what a second worker process gets. */
  workerEnv: Record<string, string>;
  /** The same activity functions the worker registers, for the in-process baselines. */
  activities: Activities;
  stack: { own: boolean; temporalAddress: string; namespace: string };
  /** Rejects as soon as the in-process worker or a stack server we started dies: no run waits forever on it. */
  guard<T>(work: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Closed on SIGINT/SIGTERM by bench/main.ts, so an interrupted benchmark leaves no process behind. */
export const openEnvs = new Set<BenchEnv>();

/** ERROR only: the timeline run fails an attempt on purpose, and the SDK's WARN with its stack would read as a fault. */
function quietWorkerLogs(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed (a second run in this process, or a test harness): keep that logger.
  }
}

export async function openBenchEnv(options: BenchOptions): Promise<BenchEnv> {
  quietWorkerLogs();
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((e) => options.log(`cleanup: ${(e as Error).message}`));
  };
  try {
    // A Temporal named by the user's client configuration (TEMPORAL_ADDRESS or a profile) is used as it is.
    const userTemporal = loadTemporalConnection();
    const ownStack = !(userTemporal.addressConfigured && process.env.DATABASE_URL);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-bench-stack-'));
    // mkdtemp makes it 0700; as root, PostgreSQL runs as the `postgres` user and must be able to enter it.
    fs.chmodSync(root, 0o755);
    // Retries: PostgreSQL may still be removing its own files for a moment after stop() returns.
    closers.push(async () => fs.rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
    const [temporalPort, temporalUiPort, postgresPort] = await freePorts(3);
    options.log(ownStack ? `starting a Temporal dev server and PostgreSQL in ${root}` : 'using TEMPORAL_ADDRESS and DATABASE_URL');
    // Free ports and a temp root: never collides with `npm run services` on the default ports. Whatever of
    // TEMPORAL_ADDRESS / DATABASE_URL is set is used instead of starting that server.
    const stack = await startStack({
      root,
      temporalPort,
      temporalUiPort,
      postgresPort,
      log: (m) => /Temporal CLI|go: downloading|ready/.test(m) && options.log(m),
      useExistingTemporalAddress: userTemporal.addressConfigured ? userTemporal.address : undefined,
      useExistingDatabaseUrl: process.env.DATABASE_URL || undefined,
    });
    closers.push(() => stack.stop());
    const namespace = userTemporal.addressConfigured ? userTemporal.namespace : stack.namespace;

    const sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor: options.timeFactor, seed: options.seed });
    closers.push(() => sim.close());

    const taskQueue = `coursegen-bench-${randomBytes(4).toString('hex')}`;
    const workerEnv: Record<string, string> = {
      // The user's TLS, API key, profile and payload keys travel with their server; our own stack needs none.
      ...(userTemporal.addressConfigured ? temporalSettingsOf(process.env) : {}),
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: stack.databaseUrl,
      LLM_BASE_URL: sim.url,
      LLM_API_KEY: 'bench-simulator-not-a-real-key',
      SECTION_CONCURRENCY: String(options.concurrency),
      SECTION_GROUP_DELAY_MS: String(options.groupDelayMs),
      SECTION_FANOUT: 'groups',
      // The in-process baselines have no judge: keep the workflow's runs comparable (and their call counts fixed).
      QUALITY_JUDGE_SAMPLE: '0',
      // The in-process baselines make the seeds' one metadata call: the Temporal modes do the same work.
      METADATA_ROUTING: 'single',
      WORKER_MAX_CONCURRENT_ACTIVITIES: String(options.maxConcurrentActivities),
    };
    const config = loadConfig(workerEnv);

    const [bundle, { client, connection }] = await Promise.all([
      bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') }),
      connectClient(config.temporal),
    ]);
    closers.push(() => connection.close());

    const built = await buildWorker(config, { workflowBundle: bundle as WorkflowBundleWithSourceMap });
    let failed: (error: Error) => void = () => undefined;
    const died = new Promise<never>((_, reject) => (failed = reject));
    died.catch(() => undefined);
    const running = built.worker.run().then(
      () => failed(new Error('the in-process worker stopped')),
      (error: Error) => failed(new Error(`the in-process worker failed: ${error.message}`)),
    );
    void stack.unexpectedExit.then((what) => failed(new Error(`${what} exited during the benchmark`)));
    closers.push(async () => {
      if (built.worker.getState() === 'RUNNING') built.worker.shutdown();
      await running;
      await built.close();
    });

    // The worker's own wiring (workers/build-worker.ts), repeated for the baselines: same config, same stores.
    const activities = createActivities({
      settings: config.settings,
      stores: built.stores,
      prices: loadPriceTable(config.llm.pricesFile),
      llm: { ...config.llm, client: createOpenAiClient(config.llm) },
      embeddings: null,
      sanitizer: createTextSanitizer(),
    });

    const env: BenchEnv = {
      sim,
      client,
      taskQueue,
      config,
      workerEnv,
      activities,
      stack: { own: ownStack, temporalAddress: stack.temporalAddress, namespace },
      guard: (work) => Promise.race([work, died]),
      close: async () => {
        openEnvs.delete(env);
        await closeAll();
      },
    };
    openEnvs.add(env);
    return env;
  } catch (error) {
    await closeAll();
    throw error;
  }
}
