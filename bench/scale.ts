// Many courses started at once: makespan, throughput, efficiency against the slot-limited ideal, and where the CPU,
// memory and database work of running them went, per process. Latencies are fixed (no jitter), so the ideal is
// known exactly and whatever the makespan adds is the system's cost of running N courses side by side.
import { startCourseGeneration } from '../client/start';
import { sleep } from '../stack/util';
import { benchCourse } from './course';
import { COURSE_COST_KEYS, courseCost, type CourseCost } from './history';
import { nominalLatencies, slotLimitedIdeal, type Policy } from './ideal';
import { scaleSlotsPerWorker, type BenchOptions, type Engine } from './options';
import { cpuByRole, cpuDelta, cpuOfPids, rssBytes, type CpuByRole } from './procfs';
import type { ScaleEnv } from './scale-env';
import { spread, type Spread } from './stats';

export interface ScaleRun {
  engine: Engine;
  courses: number;
  workers: number;
  run: number;
  timeFactor: number;
  slotsPerWorker: number;
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
  /** Peak RSS of each worker process while the run lasted (sampled every 250 ms). */
  workerRssPeakBytes: number[];
  /** Peak RSS of the benchmark process (simulator + client). */
  benchProcessRssPeakBytes: number;
  /** CPU seconds by role while the run lasted (this process's descendants only). */
  cpuSeconds: CpuByRole;
  /** CPU seconds of each worker process. */
  workerCpuSeconds: number[];
  /** Transactions committed per database of the PostgreSQL server during the run. */
  transactions: Record<string, number>;
  /** LLM calls the simulator served, by kind: more than one per metadata and section means retried attempts. */
  llmCallsByKind: Record<string, number>;
  /** Section calls in flight at once, as the simulator saw them. */
  maxConcurrentSections: number;
  /** How long the simulator took per section call under this load, against its nominal latency. */
  sectionCallMs: Spread;
  /** Workflow tasks' wait from scheduled to started, over all courses (from their histories, after the run). */
  workflowTaskWait: { meanMs: number; p50Ms: number; p90Ms: number; maxMs: number; perCourse: number; timeouts: number };
  /** Activities' scheduled → started (last attempt), over all courses: a lost attempt shows here. */
  activityWait: Quantiles;
  /** The activity of all courses whose last attempt waited longest to start. */
  longestActivityWait?: { type: string; waitMs: number; attempt: number };
  /** Each course's start → close on the server: the slowest course is the makespan. */
  courseDurationMs: Quantiles;
  /** What one course costs the engine, from its history (median over the courses). */
  perCourse: CourseCost;
  /** Activities started per worker identity (from the histories). */
  activitiesPerWorker: Record<string, number>;
}

export interface Quantiles {
  p50Ms: number;
  p90Ms: number;
  maxMs: number;
}

function quantiles(values: number[]): Quantiles {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50Ms: at(0.5), p90Ms: at(0.9), maxMs: sorted[sorted.length - 1] ?? NaN };
}

export function scalePolicy(options: BenchOptions): Policy {
  return options.scaleMode === 'window'
    ? { kind: 'window', size: options.concurrency }
    : { kind: 'groups', size: options.concurrency, delayMs: options.groupDelayMs };
}

/** Long enough for every PostgreSQL backend to have flushed its statistics (idle backends flush within 10 s). */
const PG_STATS_SETTLE_MS = 11_000;

export async function runScale(env: ScaleEnv, options: BenchOptions, courses: number, workers: number, run: number): Promise<ScaleRun> {
  await env.ensureWorkers(workers, scaleSlotsPerWorker(options, courses, workers));
  const slots = env.workerSlots.slice(0, workers).reduce((a, b) => a + b, 0);
  const slotsPerWorker = Math.round(slots / workers);
  env.sim.configure({ timeFactor: options.scaleTimeFactor, jitter: 0, faults: [] });
  env.sim.resetStats();
  const inputs = Array.from({ length: courses }, () => benchCourse());
  const sectionCount = inputs[0].analysis_result.recommended_structure.sections_breakdown.length;
  const policy = scalePolicy(options);
  const workerPids = env.workers.map((w) => w.pid);

  const peaks = { self: rssBytes(process.pid), workers: workerPids.map(rssBytes) };
  const sampler = setInterval(() => {
    peaks.self = Math.max(peaks.self, rssBytes(process.pid));
    peaks.workers = workerPids.map((pid, i) => Math.max(peaks.workers[i], rssBytes(pid)));
  }, 250);
  const cpu0 = cpuByRole(workerPids);
  const tx0 = await env.transactions();

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
  const cpu1 = cpuByRole(workerPids);
  await sleep(PG_STATS_SETTLE_MS);
  const tx1 = await env.transactions();

  const makespanMs = lastDoneAt - startedAt;
  const completed = outcomes.filter((o) => o.status === 'fulfilled').length;
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  const ideal = slotLimitedIdeal(nominalLatencies(options.scaleTimeFactor, sectionCount), policy, courses, slots);
  const stats = env.sim.stats();
  const sectionCalls = stats.calls.filter((c) => c.kind === 'section' && c.endedAt !== undefined);
  const histories = await historiesOf(handles);
  return {
    engine: env.engine,
    courses,
    workers,
    run,
    timeFactor: options.scaleTimeFactor,
    slotsPerWorker,
    completed,
    failed: courses - completed,
    firstError: failure ? String((failure.reason as Error)?.message ?? failure.reason) : undefined,
    makespanMs,
    sectionsPerSecond: (completed * sectionCount) / (makespanMs / 1000),
    idealMs: ideal.totalMs,
    criticalPathMs: ideal.criticalPathMs,
    slotBoundMs: ideal.slotBoundMs,
    efficiency: ideal.totalMs / makespanMs,
    workerRssPeakBytes: peaks.workers,
    benchProcessRssPeakBytes: peaks.self,
    cpuSeconds: cpuDelta(cpu0, cpu1),
    workerCpuSeconds: cpuOfPids(cpu0, cpu1, workerPids),
    transactions: Object.fromEntries(Object.entries(tx1).map(([db, n]) => [db, n - (tx0[db] ?? 0)])),
    llmCallsByKind: stats.requestsByKind,
    maxConcurrentSections: stats.maxConcurrentByKind.section ?? 0,
    sectionCallMs: spread(sectionCalls.map((c) => c.endedAt! - c.startedAt)),
    ...histories,
  };
}

/** Read after the makespan and the database counters are measured, twenty histories at a time. */
async function historiesOf(handles: Array<{ fetchHistory: () => Promise<Parameters<typeof courseCost>[0]> }>) {
  const waits: number[] = [];
  const costs: CourseCost[] = [];
  const activityWaits: number[] = [];
  const durations: number[] = [];
  let longestActivityWait: ScaleRun['longestActivityWait'];
  const activitiesPerWorker: Record<string, number> = {};
  let timeouts = 0;
  for (let i = 0; i < handles.length; i += 20) {
    const histories = await Promise.all(handles.slice(i, i + 20).map((h) => h.fetchHistory()));
    for (const history of histories) {
      const cost = courseCost(history);
      waits.push(...cost.workflowTaskWaitsMs);
      timeouts += cost.workflowTaskTimeouts;
      costs.push(cost);
      activityWaits.push(...cost.activityWaitsMs);
      durations.push(cost.durationMs);
      const l = cost.longestActivityWait;
      if (l && (!longestActivityWait || l.waitMs > longestActivityWait.waitMs)) longestActivityWait = l;
      for (const [identity, n] of Object.entries(cost.activitiesByIdentity)) activitiesPerWorker[identity] = (activitiesPerWorker[identity] ?? 0) + n;
    }
  }
  waits.sort((a, b) => a - b);
  const at = (q: number) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))] ?? NaN;
  const meanMs = waits.reduce((a, b) => a + b, 0) / Math.max(1, waits.length);
  const median = (key: keyof CourseCost) => spread(costs.map((c) => c[key])).median;
  return {
    workflowTaskWait: { meanMs, p50Ms: at(0.5), p90Ms: at(0.9), maxMs: waits[waits.length - 1] ?? NaN, perCourse: waits.length / Math.max(1, handles.length), timeouts },
    perCourse: Object.fromEntries(COURSE_COST_KEYS.map((key) => [key, median(key)])) as unknown as CourseCost,
    activityWait: quantiles(activityWaits),
    longestActivityWait,
    courseDurationMs: quantiles(durations),
    activitiesPerWorker,
  };
}
