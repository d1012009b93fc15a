// An in-process pipeline for chaos cases that do not kill the worker: the LLM simulator, the real activities and
// worker (buildWorker) on its own task queue, against the shared stack or a private PostgreSQL / Temporal, plus the
// CLI's generate command driven in-process. Jest-free, so the history recorder can use it too.
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { CourseStore } from '../../activities/store';
import { loadClientConfig, type ClientConfig } from '../../client/config';
import { generateCommand } from '../../client/generate';
import { startLlmSimulator, type LlmSimulator, type SimulatorOptions } from '../../simulator/server';
import { buildWorker } from '../../workers/build-worker';
import { loadConfig, type WorkerConfig } from '../../workers/config';
import type { GenerationSettings } from '../../workflows/types';
import type { Harness } from './harness';
import { testStackEnv, uniqueTaskQueue } from './stack-env';

export interface ChaosPipeline {
  sim: LlmSimulator;
  config: WorkerConfig;
  clientConfig: ClientConfig;
  store: CourseStore;
  taskQueue: string;
  /** `generate --json` in-process; exit code, parsed stdout (null when empty) and stderr. */
  generate(input: unknown, options?: GenerateRunOptions): Promise<CliOutcome>;
  close(): Promise<void>;
}

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
  const file = path.join(os.tmpdir(), `coursegen-chaos-input-${process.pid}-${++fileCounter}-${Date.now()}.json`);
  await writeFile(file, typeof input === 'string' ? input : JSON.stringify(input));
  return file;
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

export async function startChaosPipeline(
  harness: Harness,
  options: { simulator?: SimulatorOptions; env?: Record<string, string>; databaseUrl?: string } = {},
): Promise<ChaosPipeline> {
  const stack = testStackEnv();
  const databaseUrl = options.databaseUrl ?? stack.databaseUrl;
  const sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor: 0.004, ...options.simulator });
  const taskQueue = uniqueTaskQueue('chaos');
  const config = loadConfig({
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: databaseUrl,
    LLM_BASE_URL: sim.url,
    LLM_API_KEY: 'chaos-test-key-not-secret',
    SECTION_GROUP_DELAY_MS: '200',
    // Failure cases expect a failed run at once, not after minutes of patience; patience tests set their waits.
    SECTION_PATIENCE: 'off',
    ...options.env,
  });
  const built = await buildWorker(config, { workflowBundle: harness.bundle, connection: harness.nativeConnection });
  const running = built.worker.run();
  // The CLI reads the same settings as the worker (the payload codec's keys included), through the same loader.
  const clientConfig: ClientConfig = loadClientConfig({
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: databaseUrl,
    TEMPORAL_UI: stack.temporalUiUrl,
    ...options.env,
  });
  const store = CourseStore.fromUrl(databaseUrl);
  return {
    sim,
    config,
    clientConfig,
    store,
    taskQueue,
    generate: (input, runOptions) => runGenerate(clientConfig, input, runOptions),
    async close() {
      built.worker.shutdown();
      await running.catch(() => undefined);
      await built.close();
      await store.close();
      await sim.close();
    },
  };
}
