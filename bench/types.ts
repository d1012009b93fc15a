// The shapes of the benchmark's results: what runBenchmark() returns, --json prints and report.ts renders.
import type { CourseCost } from './history';
import type { BenchOptions, Engine } from './options';
import type { ModeSpec } from './modes';
import type { CpuByRole } from './procfs';
import type { ScaleRun } from './scale';
import type { Spread } from './stats';

export interface RunResult {
  run: number;
  seed: number;
  ok: boolean;
  error?: string;
  totalMs: number;
  metadataMs: number;
  sectionsMs: number;
  tailMs: number;
  idealMs: number;
  /** ideal / measured. */
  efficiency: number;
  overheadMs: number;
  /** This run at time factor 1: the ideal's latency-bound part at real latencies + delays + measured overhead. */
  projectedMs: number;
  projectedSectionsMs: number;
  /** The ideal itself at factor 1: the physical limit of this fan-out at real latencies (same draws). */
  idealAtOneMs: number;
  /** Server-side start → close (Temporal modes). */
  serverMakespanMs?: number;
  llmCalls: number;
}

export interface ModeResult {
  id: string;
  title: string;
  engine: ModeSpec['engine'];
  policy: string;
  jitter: number;
  runs: RunResult[];
  summary: Record<'totalMs' | 'sectionsMs' | 'idealMs' | 'efficiency' | 'overheadMs' | 'projectedMs', Spread>;
}

export interface RatioResult {
  id: string;
  title: string;
  value: Spread;
  goal?: { op: '<=' | '>='; target: number };
  met?: boolean;
}

export interface ScalePoint {
  engine: Engine;
  courses: number;
  workers: number;
  slotsPerWorker: number;
  runs: ScaleRun[];
  makespanMs: Spread;
  sectionsPerSecond: Spread;
  efficiency: Spread;
  idealMs: number;
  /** Peak RSS of each worker process (max over the runs), and of the benchmark process (simulator + client). */
  rssPeakBytes: { workers: number[]; benchProcess: number };
  /** Median CPU seconds per process role over the runs. */
  cpuSeconds: CpuByRole;
  /** Median CPU seconds of each worker process. */
  workerCpuSeconds: number[];
  /** Median transactions per database over the runs. */
  transactions: Record<string, number>;
  /** Medians over the runs of the workflow tasks' mean / p50 / p90 wait; timeouts summed over the runs. */
  workflowTaskWait: { meanMs: number; p50Ms: number; p90Ms: number; perCourse: number; timeouts: number };
  perCourse: CourseCost;
  /** Median over the runs of each course's start → close p50, and the slowest course of all runs. */
  courseDurationMs: { p50Ms: number; maxMs: number };
  /** Activities' scheduled → started (last attempt): median p90 over the runs, and the longest of all. */
  activityWaitMs: { p90Ms: number; maxMs: number };
  allCompleted: boolean;
}

export interface BenchReport {
  command: string;
  startedAt: string;
  durationMs: number;
  machine: { cpus: number; cpuModel: string; totalMemoryBytes: number; node: string; platform: string; loadAverageStart: number[]; loadAverageEnd: number[] };
  stack: { own: boolean; temporalAddress: string };
  options: Omit<BenchOptions, 'log' | 'json' | 'command'>;
  /** Empty with --only scale. */
  modes: ModeResult[];
  ratios: RatioResult[];
  scale: { mode: string; timeFactor: number; command: string; workerSettings: Record<string, string>; cluster: { shards: number; dynamicConfig: Record<string, unknown> }; points: ScalePoint[] };
  /** The window/groups ideal ratio over many simulated jitter draws: is the ≤ 0.85 goal reachable at all? */
  windowJitterModel: { jitter: number; samples: number; median: number; p10: number; p90: number; shareAtOrBelowGoal: number; goal: number };
  sc003: { targetMs: number; rows: Array<{ mode: string; projectedMs: Spread; idealAtFactorOneMs: number; met: boolean }> };
  /** Not run with --only scale. */
  timeline?: { svgFile: string; retriedSection: number; attempts: number; totalMs: number; workflowId: string };
  allRunsCompleted: boolean;
  files: { report: string; svg: string };
}
