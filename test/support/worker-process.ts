// Real `npm run worker` processes for tests that kill, restart or read them, and the setup those tests share.
//
// A worker is spawned as `tsx workers/main.ts` with its configuration in the environment only, its stdout and stderr
// captured (the secrets test searches them), and killed with SIGKILL.
//
// tsx runs the worker in a child node process (plus an esbuild service), so a SIGKILL to the tsx process alone
// would orphan the real worker, which would go on polling. The worker is therefore spawned as the leader of its
// own process group and killed as a group: every process of that group was started by this module.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startLlmSimulator, type LlmSimulator, type SimulatorOptions } from '../../simulator/server';
import { testStackEnv, uniqueTaskQueue } from './stack-env';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const READY_LINE = 'polling task queue';
/** Bundling the workflow code on a busy 2-core machine takes seconds, sometimes tens of them. */
const DEFAULT_READY_TIMEOUT_MS = 120_000;

export interface WorkerEnv {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE?: string;
  TEMPORAL_TASK_QUEUE: string;
  DATABASE_URL: string;
  LLM_BASE_URL: string;
  LLM_API_KEY: string;
  [name: string]: string | undefined;
}

export interface WorkerProcessRunOptions {
  /** Prefix of the run's own task queue, which every worker process of the run polls. */
  taskQueuePrefix: string;
  /** The LLM API key the workers send. */
  apiKey: string;
  /** On top of a quiet simulator on a free port with real-time latencies (timeFactor 1). */
  simulator?: SimulatorOptions;
  /** A Temporal of the test's own (default: the run's shared server). */
  temporal?: { address: string; namespace: string };
  /** Another PostgreSQL than the run's shared one (a private server, a proxy in front of one, a scratch database). */
  databaseUrl?: string;
  /** Point EMBEDDINGS_BASE_URL at the simulator; the embeddings key stays the LLM key (the worker's default). */
  embeddingsFromSimulator?: boolean;
  /** The case's own worker variables (timeouts, delays…). */
  settings?: Record<string, string>;
}

/** What a test drives its worker processes with; everything it opened is closed by `stop()`. */
export interface WorkerProcessRun {
  sim: LlmSimulator;
  /** The workers' environment: one task queue for every process of the run. */
  env: WorkerEnv;
  connection: Connection;
  /** A client on the workers' Temporal and namespace. */
  client: Client;
  /** Spawns a worker process on `env` and waits until it polls. */
  spawn(): Promise<WorkerProcess>;
  /** Stops every worker process spawned (a killed one is already gone), then the client and the simulator. */
  stop(): Promise<void>;
}

/**
 * An LLM simulator, the environment of worker processes (the run's shared Temporal and PostgreSQL unless the test
 * brings its own, a task queue of their own, the simulator as their LLM) and a client; no worker is spawned yet.
 */
export async function startWorkerProcessRun(options: WorkerProcessRunOptions): Promise<WorkerProcessRun> {
  const sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor: 1, ...options.simulator });
  const env = workerProcessEnv(sim, options);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  } catch (error) {
    await sim.close();
    throw error;
  }
  const workers: WorkerProcess[] = [];
  return {
    sim,
    env,
    connection,
    client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }),
    async spawn() {
      const worker = await spawnWorker(env);
      workers.push(worker);
      return worker;
    },
    async stop() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await connection.close();
      await sim.close();
    },
  };
}

function workerProcessEnv(sim: LlmSimulator, options: WorkerProcessRunOptions): WorkerEnv {
  const stack = testStackEnv();
  return {
    TEMPORAL_ADDRESS: options.temporal?.address ?? stack.temporalAddress,
    TEMPORAL_NAMESPACE: options.temporal?.namespace ?? stack.namespace,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue(options.taskQueuePrefix),
    DATABASE_URL: options.databaseUrl ?? stack.databaseUrl,
    LLM_BASE_URL: sim.url,
    LLM_API_KEY: options.apiKey,
    ...(options.embeddingsFromSimulator ? { EMBEDDINGS_BASE_URL: sim.url } : {}),
    // Failure cases expect a failed run at once, not after minutes of patience; patience tests set their waits.
    SECTION_PATIENCE: 'off',
    // Random course ids would put a random share of runs in the judge's sample (see pipeline.ts).
    QUALITY_JUDGE_SAMPLE: '0',
    // One metadata call: the cases here count calls and kill workers mid-call; the fault matrix asks for hybrid.
    METADATA_ROUTING: 'single',
    ...options.settings,
  };
}

export interface WorkerProcess {
  pid: number;
  /** Date.now() when the worker printed its "polling task queue" line. */
  readyAt: number;
  /** stdout and stderr so far, interleaved in arrival order. */
  logs(): string;
  /** Resolves when the tsx process exits, with its code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGKILL to the whole process group; resolves once the tsx process is gone. Returns Date.now() of the kill. */
  kill(): Promise<number>;
  /** SIGTERM (graceful shutdown), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

export async function spawnWorker(env: WorkerEnv, options: { readyTimeoutMs?: number } = {}): Promise<WorkerProcess> {
  if (!exitHookInstalled) {
    // Last resort if a test file dies without its afterAll: no orphan worker keeps polling a queue.
    process.on('exit', () => {
      for (const child of live) killGroup(child, 'SIGKILL');
    });
    exitHookInstalled = true;
  }
  // Only what the worker needs: a stray TEMPORAL_*/PAYLOAD_CODEC_*/LLM_* variable of the jest process must not leak in.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|PAYLOAD_CODEC_|LLM_|EMBEDDINGS_|DATABASE_URL$|SECTION_|HEARTBEAT_|METADATA_)/.test(k)),
  );
  const childEnv = { ...base, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) };
  const child = spawn(TSX, ['workers/main.ts'], {
    cwd: PROJECT_ROOT,
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  let output = '';
  let exited = false;
  const exitedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      live.delete(child);
      resolve({ code, signal });
    });
  });

  const readyAt = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`worker not ready after ${options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS} ms:\n${output.slice(-4000)}`));
    }, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes(READY_LINE)) {
        clearTimeout(timer);
        resolve(Date.now());
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exitedPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`worker exited before it was ready (code ${code}, signal ${signal}):\n${output.slice(-4000)}`));
    });
  });

  return {
    pid: child.pid ?? -1,
    readyAt,
    logs: () => output,
    exited: exitedPromise,
    hasExited: () => exited,
    async kill() {
      const at = Date.now();
      killGroup(child, 'SIGKILL');
      await exitedPromise;
      return at;
    },
    async stop(graceMs = 15_000) {
      if (exited) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(timer);
      // The tsx parent may exit before its esbuild service: make sure nothing of the group lingers.
      killGroup(child, 'SIGKILL');
    },
  };
}
