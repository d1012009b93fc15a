// A second worker in its own process: the project's worker entry point (workers/main.ts) with the benchmark
// worker's configuration as environment. Started as `node --import tsx workers/main.ts` rather than through the
// `tsx` CLI, because the CLI runs the script in a grandchild process and /proc/<pid> of the child we hold would
// then be the CLI's, not the worker's memory.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { OutputTail, PROJECT_ROOT } from '../stack/util';

export interface ChildWorker {
  pid: number;
  /** Resolves with the exit code when the process ends, for whatever reason. */
  exited: Promise<number | null>;
  /** The last lines it printed, for errors. */
  tail(): string;
  stop(): Promise<void>;
}

/** Settings the child must not inherit from the shell: it gets exactly the in-process worker's configuration. */
const CONFIG_KEYS = /^(TEMPORAL_|PAYLOAD_CODEC_|DATABASE_URL$|LLM_|EMBEDDINGS_|SECTION_|QUALITY_THRESHOLD$|MIN_LESSONS$|MAX_COST_|WORKER_|HEARTBEAT_)/;

export async function startChildWorker(workerEnv: Record<string, string>, timeoutMs = 180_000): Promise<ChildWorker> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !CONFIG_KEYS.test(key)));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'workers', 'main.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...inherited, ...workerEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const tail = new OutputTail();
  // Whatever way this process ends (Ctrl-C, a crash, process.exit), the worker it started goes with it.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child worker was not polling after ${timeoutMs} ms:\n${tail}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      tail.push(chunk.toString());
      // workers/main.ts prints this once the worker is created (workflow bundle built, migrations applied).
      if (/polling task queue/.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the child worker exited with code ${code} before polling:\n${tail}`));
    });
  }).catch(async (error) => {
    await stopProcess(child, exited);
    throw error;
  });
  return { pid: child.pid!, exited, tail: () => String(tail), stop: () => stopProcess(child, exited) };
}

/** SIGTERM lets the worker drain (shutdownGraceTime 10 s); SIGKILL if it has not exited 30 s later. */
async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
