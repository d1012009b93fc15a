// Benchmark options: defaults, and the CLI parser (node:util parseArgs). Kept apart from the runner so the smoke
// test can build options without a command line.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../stack/util';

export type ScaleMode = 'groups' | 'window';

export interface BenchOptions {
  /** Simulated latency = the seeds' (metadata 20 s, section 75 s) × this factor, for the per-mode comparison. */
  timeFactor: number;
  /** ±jitter on every simulated latency in the per-mode comparison (0 = the seeds' fixed 20 s / 75 s). */
  jitter: number;
  /** Jitter of the dedicated window-vs-groups pair: the sliding window only pays off when latencies differ. */
  windowJitter: number;
  runs: number;
  /** Seed of the simulator's jitter draws; run r uses seed + r, identical for every mode within that run. */
  seed: number;
  /**
   * Delay between groups, in real milliseconds (not scaled by the time factor): the groups scheme pays it on the
   * wall clock whatever the model latency, so at factor 1/10 it weighs 10× more than in production. The report
   * projects every mode to factor 1 to show its production weight.
   */
  groupDelayMs: number;
  /** Sections in flight per course (SECTION_CONCURRENCY): the groups' size and the window's width. */
  concurrency: number;
  /** WORKER_MAX_CONCURRENT_ACTIVITIES of each worker: sized so 100 courses × 4 sections never wait for a slot. */
  maxConcurrentActivities: number;
  /** Course counts of the one-worker scale runs; the largest is also run on two workers. */
  scaleCourses: number[];
  scaleTimeFactor: number;
  scaleRuns: number;
  scaleMode: ScaleMode;
  /** Run the largest scale point again with a second worker in a child process. */
  twoWorkers: boolean;
  /** Where REPORT.md and timeline.svg go. */
  outDir: string;
  /** Print one JSON object on stdout instead of the markdown report. */
  json: boolean;
  /** The command line, recorded in the report. */
  command: string;
  log: (message: string) => void;
}

export const DEFAULT_OUT_DIR = path.join(PROJECT_ROOT, 'docs', 'bench');

export function defaultOptions(): BenchOptions {
  return {
    timeFactor: 0.1,
    jitter: 0,
    windowJitter: 0.5,
    runs: 3,
    seed: 1,
    groupDelayMs: 2000,
    concurrency: 4,
    // 100 courses × 4 sections = 400 LLM activities at once, plus headroom for the database activities.
    maxConcurrentActivities: 500,
    scaleCourses: [10, 50, 100],
    scaleTimeFactor: 0.05,
    scaleRuns: 3,
    scaleMode: 'window',
    twoWorkers: true,
    outDir: DEFAULT_OUT_DIR,
    json: false,
    command: 'npm run bench',
    log: (message) => process.stderr.write(`[bench] ${message}\n`),
  };
}

export const USAGE = `Usage: npm run bench -- [options]

Benchmarks the course pipeline against the LLM simulator (latencies of the seeds: metadata 20 s, section 75 s,
times --time-factor) and writes docs/bench/REPORT.md and docs/bench/timeline.svg. Starts its own Temporal dev
server and PostgreSQL on free ports unless TEMPORAL_ADDRESS and DATABASE_URL are set.

  --time-factor F         latency factor of the per-mode comparison (default 0.1)
  --jitter J              ±J latency jitter in the per-mode comparison (default 0)
  --window-jitter J       jitter of the window-vs-groups pair (default 0.5)
  --runs N                runs per mode; the report gives median and min–max (default 3)
  --seed N                simulator seed (default 1)
  --group-delay-ms MS     real delay between groups, not scaled (default 2000)
  --concurrency N         sections in flight per course (default 4)
  --max-activities N      WORKER_MAX_CONCURRENT_ACTIVITIES per worker (default 500)
  --scale-courses LIST    course counts of the scale runs (default 10,50,100)
  --scale-time-factor F   latency factor of the scale runs (default 0.05)
  --scale-runs N          runs per scale point (default: --runs)
  --scale-mode MODE       groups | window for the scale runs (default window)
  --no-two-workers        skip the two-worker scale run
  --out-dir DIR           where REPORT.md and timeline.svg go (default docs/bench)
  --json                  print one JSON object instead of the markdown report
  -h, --help`;

function positive(name: string, value: string | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be a non-negative ${integer ? 'integer' : 'number'}, got "${value}"`);
  }
  return n;
}

/** Returns null for --help. */
export function parseCli(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'time-factor': { type: 'string' },
      jitter: { type: 'string' },
      'window-jitter': { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      'group-delay-ms': { type: 'string' },
      concurrency: { type: 'string' },
      'max-activities': { type: 'string' },
      'scale-courses': { type: 'string' },
      'scale-time-factor': { type: 'string' },
      'scale-runs': { type: 'string' },
      'scale-mode': { type: 'string' },
      'no-two-workers': { type: 'boolean', default: false },
      'out-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const d = defaultOptions();
  const runs = Math.max(1, positive('runs', values.runs, d.runs, true));
  const scaleMode = values['scale-mode'] ?? d.scaleMode;
  if (scaleMode !== 'groups' && scaleMode !== 'window') throw new Error(`--scale-mode must be groups or window, got "${scaleMode}"`);
  const scaleCourses = values['scale-courses']
    ? values['scale-courses'].split(',').map((s) => positive('scale-courses', s.trim(), 0, true)).filter((n) => n > 0)
    : d.scaleCourses;
  return {
    ...d,
    timeFactor: positive('time-factor', values['time-factor'], d.timeFactor),
    jitter: Math.min(1, positive('jitter', values.jitter, d.jitter)),
    windowJitter: Math.min(1, positive('window-jitter', values['window-jitter'], d.windowJitter)),
    runs,
    seed: positive('seed', values.seed, d.seed, true),
    groupDelayMs: positive('group-delay-ms', values['group-delay-ms'], d.groupDelayMs, true),
    concurrency: Math.max(1, positive('concurrency', values.concurrency, d.concurrency, true)),
    maxConcurrentActivities: Math.max(1, positive('max-activities', values['max-activities'], d.maxConcurrentActivities, true)),
    scaleCourses,
    scaleTimeFactor: positive('scale-time-factor', values['scale-time-factor'], d.scaleTimeFactor),
    scaleRuns: Math.max(1, positive('scale-runs', values['scale-runs'], runs, true)),
    scaleMode,
    twoWorkers: !values['no-two-workers'],
    outDir: values['out-dir'] ? path.resolve(values['out-dir']) : d.outDir,
    json: values.json,
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
  };
}
