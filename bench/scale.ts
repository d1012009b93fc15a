// Many courses started at once: makespan, throughput, efficiency against the slot-limited ideal, and the memory
// and CPU of each worker process while they run. Latencies are short and fixed (no jitter), so the ideal is
// known exactly and whatever the makespan adds is the system's cost of running N courses side by side.
import { startCourseGeneration } from '../client/start';
import { benchCourse } from './course';
import type { ChildWorker } from './child-worker';
import type { BenchEnv } from './env';
import { workflowTaskWaits } from './history';
import { nominalLatencies, slotLimitedIdeal, type Policy } from './ideal';
import type { BenchOptions } from './options';
import { cpuByRole, cpuDelta, rssBytes, type CpuByRole } from './procfs';
import { spread, type Spread } from './stats';

export interface ScaleRun {
  courses: number;
  workers: 1 | 2;
  run: number;
  completed: number;
  failed: number;
  firstError?: string;
  makespanMs: number;
  sectionsPerSecond: number;
  idealMs: number;
  criticalPathMs: number;
  slotBoundMs: number;
  /** ideal / measured: 1 would be a system that costs nothing beyond the model calls. */
  efficiency: number;
  /** Peak RSS of the benchmark process (in-process worker + simulator + client) while the run lasted. */
  benchProcessRssPeakBytes: number;
  /** Peak RSS of the child worker process (two-worker runs). */
  childWorkerRssPeakBytes?: number;
  /** CPU seconds each process of the run used while it lasted (this process's descendants only). */
  cpuSeconds: CpuByRole;
  /** Section calls in flight at once, as the simulator saw them. */
  maxConcurrentSections: number;
  /** How long the simulator took per section call under this load, against its nominal latency. */
  sectionCallMs: Spread;
  /** Workflow tasks' wait from scheduled to started, over all courses (from their histories, after the run). */
  workflowTaskWait: { meanMs: number; p50Ms: number; p90Ms: number; maxMs: number; perCourse: number; timeouts: number };
}

export function scalePolicy(options: BenchOptions): Policy {
  return options.scaleMode === 'window'
    ? { kind: 'window', size: options.concurrency }
    : { kind: 'groups', size: options.concurrency, delayMs: options.groupDelayMs };
}

export async function runScale(
  env: BenchEnv,
  options: BenchOptions,
  courses: number,
  run: number,
  child?: ChildWorker,
): Promise<ScaleRun> {
  env.sim.configure({ timeFactor: options.scaleTimeFactor, jitter: 0, faults: [] });
  env.sim.resetStats();
  const inputs = Array.from({ length: courses }, () => benchCourse());
  const sectionCount = inputs[0].analysis_result.recommended_structure.sections_breakdown.length;
  const policy = scalePolicy(options);

  const peaks = { self: rssBytes(process.pid), child: child ? rssBytes(child.pid) : NaN };
  const sampler = setInterval(() => {
    peaks.self = Math.max(peaks.self, rssBytes(process.pid));
    if (child) peaks.child = Math.max(peaks.child, rssBytes(child.pid));
  }, 250);
  const cpu0 = cpuByRole(child?.pid);

  const overrides = { fanoutMode: options.scaleMode };
  const handles: Array<Awaited<ReturnType<typeof startCourseGeneration>>['handle']> = [];
  const startedAt = Date.now();
  const outcomes = await Promise.allSettled(
    inputs.map(async (input) => {
      const { handle } = await startCourseGeneration(env.client, input, { taskQueue: env.taskQueue, overrides });
      handles.push(handle);
      await env.guard(handle.result());
      return Date.now();
    }),
  );
  const lastDoneAt = Math.max(...outcomes.map((o) => (o.status === 'fulfilled' ? o.value : Date.now())));
  clearInterval(sampler);
  const cpu1 = cpuByRole(child?.pid);

  const makespanMs = lastDoneAt - startedAt;
  const completed = outcomes.filter((o) => o.status === 'fulfilled').length;
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  const slots = options.maxConcurrentActivities * (child ? 2 : 1);
  const ideal = slotLimitedIdeal(nominalLatencies(options.scaleTimeFactor, sectionCount), policy, courses, slots);
  const stats = env.sim.stats();
  const workflowTaskWait = await workflowTaskWaitsOf(handles);
  const sectionCalls = stats.calls.filter((c) => c.kind === 'section' && c.endedAt !== undefined);
  return {
    courses,
    workers: child ? 2 : 1,
    run,
    completed,
    failed: courses - completed,
    firstError: failure ? String((failure.reason as Error)?.message ?? failure.reason) : undefined,
    makespanMs,
    sectionsPerSecond: (completed * sectionCount) / (makespanMs / 1000),
    idealMs: ideal.totalMs,
    criticalPathMs: ideal.criticalPathMs,
    slotBoundMs: ideal.slotBoundMs,
    efficiency: ideal.totalMs / makespanMs,
    benchProcessRssPeakBytes: peaks.self,
    childWorkerRssPeakBytes: child ? peaks.child : undefined,
    cpuSeconds: cpuDelta(cpu0, cpu1),
    maxConcurrentSections: stats.maxConcurrentByKind.section ?? 0,
    sectionCallMs: spread(sectionCalls.map((c) => c.endedAt! - c.startedAt)),
    workflowTaskWait,
  };
}

/** Read after the makespan is measured, ten histories at a time, so it costs the run nothing. */
async function workflowTaskWaitsOf(handles: Array<{ fetchHistory: () => Promise<Parameters<typeof workflowTaskWaits>[0]> }>) {
  const waits: number[] = [];
  let timeouts = 0;
  for (let i = 0; i < handles.length; i += 10) {
    const histories = await Promise.all(handles.slice(i, i + 10).map((h) => h.fetchHistory()));
    for (const history of histories) {
      const w = workflowTaskWaits(history);
      waits.push(...w.waitsMs);
      timeouts += w.timeouts;
    }
  }
  waits.sort((a, b) => a - b);
  const at = (q: number) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))] ?? NaN;
  const meanMs = waits.reduce((a, b) => a + b, 0) / Math.max(1, waits.length);
  return { meanMs, p50Ms: at(0.5), p90Ms: at(0.9), maxMs: waits[waits.length - 1] ?? NaN, perCourse: waits.length / Math.max(1, handles.length), timeouts };
}
