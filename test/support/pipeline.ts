// The real pipeline for integration tests: LLM simulator + real activities + PostgreSQL + the run's dev server,
// one worker on its own task queue, and the CLI's generate command driven in-process.
import type { Activities } from '../../activities';
import { CourseStore } from '../../activities/store';
import { loadClientConfig, type ClientConfig } from '../../client/config';
import { startLlmSimulator, type LlmSimulator, type SimulatorOptions } from '../../simulator/server';
import { buildWorker, type BuiltWorker } from '../../workers/build-worker';
import { loadConfig, type WorkerConfig } from '../../workers/config';
import type { GenerationSettings } from '../../workflows/types';
import { runGenerate, type CliOutcome } from './chaos-pipeline';
import { createHarness, type Harness } from './harness';
import { testStackEnv, uniqueTaskQueue } from './stack-env';

/** Simulated latencies: the seeds' 20 s / 75 s × 0.004 = 80 ms / 300 ms, enough to overlap a group's calls. */
export const FAST_TIME_FACTOR = 0.004;

export interface Pipeline {
  sim: LlmSimulator;
  config: WorkerConfig;
  clientConfig: ClientConfig;
  store: CourseStore;
  /** Runs `generate --json` for this input; returns the exit code, parsed stdout and stderr. */
  generate(
    input: unknown,
    options?: { rerun?: boolean; fresh?: boolean; overrides?: Partial<GenerationSettings>; priority?: number | string; tenant?: string },
  ): Promise<GenerateOutcome>;
  close(): Promise<void>;
}

export type GenerateOutcome = CliOutcome;


export async function startPipeline(
  harness: Harness,
  options: {
    simulator?: SimulatorOptions;
    env?: Record<string, string>;
    /** Replace some real activities, given the real ones (e.g. to make one section's model drift). */
    wrapActivities?: (real: Activities) => Partial<Activities>;
    /** Point EMBEDDINGS_BASE_URL at the simulator's /v1/embeddings. */
    embeddingsFromSimulator?: boolean;
  } = {},
): Promise<Pipeline> {
  const stack = testStackEnv();
  const sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor: FAST_TIME_FACTOR, ...options.simulator });
  const taskQueue = uniqueTaskQueue('it');
  const config = loadConfig({
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: stack.databaseUrl,
    LLM_BASE_URL: sim.url,
    LLM_API_KEY: 'test-key-not-secret',
    SECTION_GROUP_DELAY_MS: '200',
    // Failure cases expect a failed run at once, not after minutes of patience; patience tests set their waits.
    SECTION_PATIENCE: 'off',
    ...(options.embeddingsFromSimulator ? { EMBEDDINGS_BASE_URL: sim.url, EMBEDDINGS_API_KEY: 'test-key-not-secret' } : {}),
    ...options.env,
  });
  const built: BuiltWorker = await buildWorker(config, {
    workflowBundle: harness.bundle,
    connection: harness.nativeConnection,
    wrapActivities: options.wrapActivities,
  });
  // The CLI reads the same settings as the worker (the payload codec's keys included), through the same loader.
  const clientConfig: ClientConfig = loadClientConfig({
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_UI: stack.temporalUiUrl,
    ...options.env,
  });
  const store = CourseStore.fromUrl(stack.databaseUrl);
  const running = built.worker.run();

  return {
    sim,
    config,
    clientConfig,
    store,
    generate: (input, runOptions = {}) => runGenerate(clientConfig, input, runOptions),
    async close() {
      built.worker.shutdown();
      await running;
      await built.close();
      await store.close();
      await sim.close();
    },
  };
}

/**
 * Registers beforeAll/afterAll for a test file that shares one pipeline: the returned object is filled before
 * the first test runs.
 */
export function usePipeline(options: Parameters<typeof startPipeline>[1] = {}): { harness: Harness; pipeline: Pipeline } {
  const context = {} as { harness: Harness; pipeline: Pipeline };
  beforeAll(async () => {
    context.harness = await createHarness();
    context.pipeline = await startPipeline(context.harness, options);
  });
  afterAll(async () => {
    await context.pipeline?.close();
    await context.harness?.close();
  });
  return context;
}

/**
 * A database of its own on the run's PostgreSQL server, for tests that read whole-ledger figures (stats, metrics):
 * other test files write to the shared database at the same time.
 */
export async function createScratchDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const { Client } = await import('pg');
  const base = testStackEnv().databaseUrl;
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
