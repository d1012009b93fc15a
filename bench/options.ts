// Benchmark options: defaults, and the CLI parser (node:util parseArgs). Kept apart from the runner so the smoke
// test can build options without a command line.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../stack/util';

export type ScaleMode = 'groups' | 'window';
/** dev: the Temporal CLI's dev server (SQLite, one process); cluster: the production server v1.32 on PostgreSQL. */
export type Engine = 'dev' | 'cluster';
export const ENGINES: Engine[] = ['dev', 'cluster'];

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
  /** Course counts of the scale runs, each run on every worker count of scaleWorkers. */
  scaleCourses: number[];
  /** Worker processes of the scale runs (each its own process on one task queue). */
  scaleWorkers: number[];
  scaleTimeFactor: number;
  scaleRuns: number;
  scaleMode: ScaleMode;
  /**
   * Activity slots per worker process in the scale runs; 'auto' gives every section in flight a slot
   * (courses × concurrency / workers, plus room for the database activities), so the ideal is the critical path.
   */
  scaleSlots: number | 'auto';
  /** Engines the scale runs are measured on, one after the other in one invocation. */
  engines: Engine[];
  /** Only this part of the benchmark (the scale runs rewrite section 3 of REPORT.md and keep the rest). */
  only?: 'scale';
  /** Extra environment of every scale worker process (worker tuning: WORKER_…, HEARTBEAT_TIMEOUT_MS). */
  workerSettings: Record<string, string>;
  /** History shards of the cluster (fixed when its databases are created; every run creates them afresh). */
  clusterShards: number;
  /** Persistence connections per server service for Temporal's history database (undefined: the stack's default). */
  clusterSqlConns?: number;
  /** Dynamic-config keys of the cluster (server tuning). */
  clusterDynamicConfig: Record<string, unknown>;
  /** Kept for the per-mode runs' report: the scale runs use scaleWorkers. */
  twoWorkers: boolean;
  /** Where REPORT.md and timeline.svg go. */
  outDir: string;
  /** Print one JSON object on stdout instead of the markdown report. */
  json: boolean;
  /** The command line, recorded in the report. */
  command: string;
  log: (message: string) => void;
}

/**
 * History shards of the benchmark's cluster. A shard is the unit of the history service's work and of its
 * persistence writes; shards are spread over history hosts and cannot be changed once the databases exist. One
 * machine of 2 cores runs one history host, so a few shards give it enough parallel write paths for 1,000 open
 * courses without the per-shard overhead (queue processors, timers, range renewals) of hundreds.
 */
export const CLUSTER_SHARDS = 8;

/**
 * On top of config/temporal/dynamicconfig.yaml for the benchmark's cluster. That file forces a search-attribute
 * cache refresh from the database on every read, so that attributes registered at start-up are seen at once; it
 * costs the server a database read per start and per upsert (measured: 55.9 → 35.3 Temporal transactions per
 * section at 100 courses). The benchmark's warm-up courses outlast the cache's own refresh instead.
 */
export const CLUSTER_DYNAMIC_CONFIG: Record<string, unknown> = { 'system.forceSearchAttributesCacheRefreshOnRead': false };

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
    scaleCourses: [100, 300, 1000],
    scaleWorkers: [1, 2],
    scaleTimeFactor: 0.05,
    // One run per point: 1,000 courses take minutes, and the engines are compared side by side in one invocation.
    scaleRuns: 1,
    scaleMode: 'window',
    scaleSlots: 'auto',
    engines: ['dev', 'cluster'],
    workerSettings: {},
    clusterShards: CLUSTER_SHARDS,
    clusterDynamicConfig: CLUSTER_DYNAMIC_CONFIG,
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
  --only scale            run only the scale section (rewrites section 3 of REPORT.md, keeps the rest)
  --engine E              dev | cluster | both: where the scale runs go (default both)
  --scale-courses LIST    course counts of the scale runs (default 100,300,1000)
  --scale-workers LIST    worker processes per scale run (default 1,2)
  --scale-time-factor F   latency factor of the scale runs (default 0.05; 1 = the seeds' real latencies)
  --scale-runs N          runs per scale point (default 1)
  --scale-mode MODE       groups | window for the scale runs (default window)
  --scale-slots N|auto    activity slots per worker in the scale runs (default auto: one per section in flight)
  --worker-env K=V        extra environment of every scale worker, repeatable (e.g. WORKER_MAX_CACHED_WORKFLOWS=2000)
  --cluster-shards N      history shards of the cluster (default ${CLUSTER_SHARDS})
  --cluster-sql-conns N   persistence connections per server service (default: the stack's)
  --cluster-config K=V    dynamic-config key of the cluster, repeatable (value read as JSON when it parses);
                          system.forceSearchAttributesCacheRefreshOnRead is false unless given
  --no-two-workers        same as --scale-workers 1
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
      only: { type: 'string' },
      engine: { type: 'string' },
      'scale-workers': { type: 'string' },
      'scale-slots': { type: 'string' },
      'worker-env': { type: 'string', multiple: true },
      'cluster-shards': { type: 'string' },
      'cluster-config': { type: 'string', multiple: true },
      'cluster-sql-conns': { type: 'string' },
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
  if (values.only !== undefined && values.only !== 'scale') throw new Error(`--only must be scale, got "${values.only}"`);
  const engine = values.engine ?? 'both';
  if (engine !== 'dev' && engine !== 'cluster' && engine !== 'both') throw new Error(`--engine must be dev, cluster or both, got "${engine}"`);
  const list = (name: string, value: string | undefined, fallback: number[]) =>
    value ? value.split(',').map((s) => positive(name, s.trim(), 0, true)).filter((n) => n > 0) : fallback;
  const scaleWorkers = values['no-two-workers'] ? [1] : list('scale-workers', values['scale-workers'], d.scaleWorkers);
  const slots = values['scale-slots'];
  return {
    ...d,
    only: values.only as 'scale' | undefined,
    engines: engine === 'both' ? ENGINES : [engine],
    scaleWorkers,
    scaleSlots: slots === undefined || slots === 'auto' ? 'auto' : Math.max(1, positive('scale-slots', slots, 0, true)),
    workerSettings: pairs('worker-env', values['worker-env'], (v) => v),
    clusterShards: Math.max(1, positive('cluster-shards', values['cluster-shards'], d.clusterShards, true)),
    clusterSqlConns: values['cluster-sql-conns'] ? Math.max(1, positive('cluster-sql-conns', values['cluster-sql-conns'], 0, true)) : undefined,
    clusterDynamicConfig: { ...d.clusterDynamicConfig, ...pairs('cluster-config', values['cluster-config'], parseJsonish) },
    timeFactor: positive('time-factor', values['time-factor'], d.timeFactor),
    jitter: Math.min(1, positive('jitter', values.jitter, d.jitter)),
    windowJitter: Math.min(1, positive('window-jitter', values['window-jitter'], d.windowJitter)),
    runs,
    seed: positive('seed', values.seed, d.seed, true),
    groupDelayMs: positive('group-delay-ms', values['group-delay-ms'], d.groupDelayMs, true),
    concurrency: Math.max(1, positive('concurrency', values.concurrency, d.concurrency, true)),
    maxConcurrentActivities: Math.max(1, positive('max-activities', values['max-activities'], d.maxConcurrentActivities, true)),
    scaleCourses: list('scale-courses', values['scale-courses'], d.scaleCourses),
    scaleTimeFactor: positive('scale-time-factor', values['scale-time-factor'], d.scaleTimeFactor),
    scaleRuns: Math.max(1, positive('scale-runs', values['scale-runs'], d.scaleRuns, true)),
    scaleMode,
    twoWorkers: scaleWorkers.some((n) => n > 1),
    outDir: values['out-dir'] ? path.resolve(values['out-dir']) : d.outDir,
    json: values.json,
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
  };
}

function pairs<T>(name: string, items: string[] | undefined, read: (value: string) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const item of items ?? []) {
    const at = item.indexOf('=');
    if (at <= 0) throw new Error(`--${name} takes KEY=VALUE, got "${item}"`);
    out[item.slice(0, at)] = read(item.slice(at + 1));
  }
  return out;
}

function parseJsonish(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Activity slots per worker for a scale point: the option, or enough for every section in flight. */
export function scaleSlotsPerWorker(options: BenchOptions, courses: number, workers: number): number {
  if (options.scaleSlots !== 'auto') return options.scaleSlots;
  // Plus the metadata call or a database activity of every course, which can overlap the last sections.
  return Math.ceil((courses * (options.concurrency + 1)) / workers);
}
