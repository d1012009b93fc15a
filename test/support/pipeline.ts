// The real pipeline in-process: LLM simulator, real activities and a worker on its own task queue, driven by the CLI.
//
// The worker runs the real activities against PostgreSQL and the run's Temporal; the CLI's commands run
// in-process against the same settings. Jest-free except `usePipeline`, so the history recorder can use it too.
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Activities } from '../../activities';
import { Database } from '../../activities/db/database';
import { createStores, type Stores } from '../../activities/db/stores';
import { loadClientConfig, type ClientConfig } from '../../client/config';
import { generateCommand } from '../../client/generate';
import { startLlmSimulator, type LlmSimulator, type SimulatorOptions } from '../../simulator/server';
import { buildWorker, type BuiltWorker } from '../../workers/build-worker';
import { loadConfig, type WorkerConfig } from '../../workers/config';
import type { GenerationSettings } from '../../workflows/types';
import { createHarness, type Harness } from './harness';
import { testStackEnv, uniqueTaskQueue } from './stack-env';

export interface GenerateRunOptions {
  rerun?: boolean;
  fresh?: boolean;
  overrides?: Partial<GenerationSettings>;
  priority?: number | string;
  tenant?: string;
}

export interface CliOutcome {
  exitCode: number;
  json: any;
  stderr: string;
}

export function captureStream(): { stream: Writable & { isTTY?: boolean }; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

let fileCounter = 0;

/** Writes `input` (a string verbatim, anything else as JSON) to a fresh temp file and returns its path. */
export async function writeInputFile(input: unknown): Promise<string> {
  const file = path.join(os.tmpdir(), `coursegen-test-input-${process.pid}-${++fileCounter}-${Date.now()}.json`);
  await writeFile(file, typeof input === 'string' ? input : JSON.stringify(input));
  return file;
}

export interface CommandOutcome<T = any> {
  code: number;
  stdout: string;
  stderr: string;
  /** Parsed stdout when the command was asked for --json and printed something. */
  json: T;
}

/** Runs an operator command (status, list, cancel, waiting, …) in-process against `config`, capturing its output. */
export async function runOperatorCommand<T = any, O extends object = object>(
  command: (options: O & { config: ClientConfig; stdout: Writable; stderr: Writable }) => Promise<number>,
  options: O,
  config: ClientConfig,
): Promise<CommandOutcome<T>> {
  const out = captureStream();
  const err = captureStream();
  const code = await command({ ...options, config, stdout: out.stream, stderr: err.stream });
  const stdout = out.text();
  const json = (options as { json?: boolean }).json && stdout.trim() ? JSON.parse(stdout) : null;
  return { code, stdout, stderr: err.text(), json };
}

export async function runGenerate(clientConfig: ClientConfig, input: unknown, options: GenerateRunOptions = {}): Promise<CliOutcome> {
  const file = await writeInputFile(input);
  const out = captureStream();
  const err = captureStream();
  let exitCode: number;
  try {
    exitCode = await generateCommand({
      input: file,
      json: true,
      rerun: options.rerun,
      fresh: options.fresh,
      overrides: options.overrides,
      priority: options.priority,
      tenant: options.tenant,
      config: clientConfig,
      stdout: out.stream,
      stderr: err.stream as unknown as NodeJS.WriteStream,
    });
  } finally {
    await rm(file, { force: true });
  }
  const stdout = out.text().trim();
  return { exitCode, json: stdout ? JSON.parse(stdout) : null, stderr: err.text() };
}

/** Simulated latencies: the seeds' 20 s / 75 s × 0.004 = 80 ms / 300 ms, enough to overlap a group's calls. */
export const FAST_TIME_FACTOR = 0.004;

export interface Pipeline {
  sim: LlmSimulator;
  config: WorkerConfig;
  clientConfig: ClientConfig;
  /** The run's PostgreSQL as the test reads it (its own pool, not the worker's). */
  stores: Stores;
  taskQueue: string;
  /** Runs `generate --json` for this input; returns the exit code, parsed stdout and stderr. */
  generate(input: unknown, options?: GenerateRunOptions): Promise<CliOutcome>;
  close(): Promise<void>;
}


export async function startPipeline(
  harness: Harness,
  options: {
    simulator?: SimulatorOptions;
    env?: Record<string, string>;
    /** Replace some real activities, given the real ones (e.g. to make one section's model drift). */
    wrapActivities?: (real: Activities) => Partial<Activities>;
    /** Point EMBEDDINGS_BASE_URL at the simulator's /v1/embeddings. */
    embeddingsFromSimulator?: boolean;
    /** Another PostgreSQL than the run's shared one (a private server a chaos test stops). */
    databaseUrl?: string;
  } = {},
): Promise<Pipeline> {
  const stack = testStackEnv();
  const databaseUrl = options.databaseUrl ?? stack.databaseUrl;
  const sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor: FAST_TIME_FACTOR, ...options.simulator });
  const taskQueue = uniqueTaskQueue('it');
  const config = loadConfig({
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: databaseUrl,
    LLM_BASE_URL: sim.url,
    LLM_API_KEY: 'test-key-not-secret',
    SECTION_GROUP_DELAY_MS: '200',
    // Failure cases expect a failed run at once, not after minutes of patience; patience tests set their waits.
    SECTION_PATIENCE: 'off',
    // Every test course has a fresh random id, so the judge's 5 % sample would add judge calls to about a third of
    // the runs at random and change their call counts. The band stays on: good simulated sections score far above
    // it. Quality tests set their own sample.
    QUALITY_JUDGE_SAMPLE: '0',
    // One metadata call, so cases about sections, quality or operations count one; the production default (hybrid)
    // is what the end-to-end, fault and hybrid-routing cases run, through `env`.
    METADATA_ROUTING: 'single',
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
    DATABASE_URL: databaseUrl,
    TEMPORAL_UI: stack.temporalUiUrl,
    ...options.env,
  });
  const stores = createStores(Database.fromUrl(databaseUrl));
  const running = built.worker.run();

  return {
    sim,
    config,
    clientConfig,
    stores,
    taskQueue,
    generate: (input, runOptions = {}) => runGenerate(clientConfig, input, runOptions),
    async close() {
      built.worker.shutdown();
      await running;
      await built.close();
      await stores.database.close();
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
