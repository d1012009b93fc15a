// One window's stats, per model and overall, from the ledger and the course rows: what `npm run stats` prints,
// `--json` emits and the HTML report draws.
import type { Pool } from 'pg';
import {
  queryCallAggregates,
  queryCourses,
  queryFailures,
  querySeries,
  type CallAggregate,
  type CourseFigures,
  type SeriesPoint,
  type StatsFilter,
} from './queries';
import { evaluateThresholds, type ThresholdResult } from './thresholds';
import { bucketSeconds } from './window';

export interface CallFigures {
  calls: number;
  failures: number;
  failures_by_type: Record<string, number>;
  timeout_rate: number | null;
  /** Calls after which the same activity tried again with the next model, over calls. */
  fallback_rate: number | null;
  /** Answers that parsed and validated, over calls that got an answer. */
  schema_pass_rate: number | null;
  latency_ms: { p50: number; p95: number } | null;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
}

export interface OverallFigures extends CallFigures {
  /** LLM activities (a metadata or section generation) that needed a second attempt, over those started. */
  escalation_rate: number | null;
}

export interface CourseSummary {
  count: number;
  by_status: Record<string, number>;
  duration_ms: { p50: number; p95: number; max: number } | null;
  group_ms: { p50: number; p95: number } | null;
  cost_usd: { total: number; mean: number } | null;
  calls_per_course: number | null;
  retries: number;
  /** Runs that passed quality validation, over runs that reached it. */
  quality_pass_rate: number | null;
  quality_mean: number | null;
  /** The slowest courses first (at most 10), each with what a person needs to open its run. */
  slowest: CourseFigures[];
}

export interface StatsReport {
  window: { since: string; until: string; course_id: string | null; bucket_seconds: number };
  overall: OverallFigures;
  models: Record<string, CallFigures>;
  embeddings: CallFigures & { models: Record<string, CallFigures> };
  courses: CourseSummary;
  thresholds: ThresholdResult[];
  /** For the charts: calls, failures and cost per time bucket; latency quantiles per model. */
  series: SeriesPoint[];
  latency_by_model: Record<string, { p5: number; p25: number; p50: number; p75: number; p95: number; max: number }>;
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const round = (n: number, digits = 8) => Math.round(n * 10 ** digits) / 10 ** digits;

function figures(a: CallAggregate | undefined, failures: Record<string, number>): CallFigures {
  if (!a) {
    return {
      calls: 0, failures: 0, failures_by_type: {}, timeout_rate: null, fallback_rate: null, schema_pass_rate: null,
      latency_ms: null, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0,
    };
  }
  return {
    calls: a.calls,
    failures: a.failures,
    failures_by_type: failures,
    timeout_rate: ratio(a.timeouts, a.calls),
    fallback_rate: ratio(a.fell_back, a.calls),
    schema_pass_rate: ratio(a.valid_answers, a.answers),
    latency_ms: a.latency_ms ? { p50: Math.round(a.latency_ms[2]), p95: Math.round(a.latency_ms[4]) } : null,
    prompt_tokens: a.prompt_tokens,
    completion_tokens: a.completion_tokens,
    cost_usd: round(a.cost_usd),
  };
}

/** Nearest-rank percentile of a sorted list. */
function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Phases a run passes through after quality validation: reaching one of them means quality passed. */
const PAST_QUALITY = new Set(['validate_lessons', 'sanitize', 'commit']);

export function summariseCourses(courses: CourseFigures[]): CourseSummary {
  const by_status: Record<string, number> = {};
  for (const c of courses) by_status[c.status] = (by_status[c.status] ?? 0) + 1;
  const completed = courses.filter((c) => c.status === 'completed');
  const durations = completed.map((c) => c.duration_ms).filter((d): d is number => d !== null).sort((a, b) => a - b);
  const groups = completed
    .filter((c) => c.sections_ms !== null && c.batch_count)
    .map((c) => c.sections_ms! / c.batch_count!)
    .sort((a, b) => a - b);
  const reachedQuality = courses.filter(
    (c) => c.status === 'completed' || c.failed_phase === 'validate_quality' || PAST_QUALITY.has(c.failed_phase ?? ''),
  );
  const passedQuality = reachedQuality.filter((c) => c.error_type !== 'QUALITY_THRESHOLD_NOT_MET');
  const qualities = completed.map((c) => c.quality).filter((q): q is number => q !== null);
  const totalCost = courses.reduce((sum, c) => sum + c.cost_usd, 0);
  return {
    count: courses.length,
    by_status,
    duration_ms: durations.length
      ? { p50: percentile(durations, 0.5), p95: percentile(durations, 0.95), max: durations[durations.length - 1] }
      : null,
    group_ms: groups.length ? { p50: Math.round(percentile(groups, 0.5)), p95: Math.round(percentile(groups, 0.95)) } : null,
    cost_usd: courses.length ? { total: round(totalCost), mean: round(totalCost / courses.length) } : null,
    calls_per_course: courses.length ? round(courses.reduce((s, c) => s + c.calls, 0) / courses.length, 2) : null,
    retries: courses.reduce((s, c) => s + c.retries, 0),
    quality_pass_rate: ratio(passedQuality.length, reachedQuality.length),
    quality_mean: qualities.length ? round(qualities.reduce((s, q) => s + q, 0) / qualities.length, 3) : null,
    slowest: [...courses]
      .filter((c) => c.duration_ms !== null)
      .sort((a, b) => b.duration_ms! - a.duration_ms!)
      .slice(0, 10),
  };
}

export async function buildStatsReport(pool: Pool, filter: StatsFilter): Promise<StatsReport> {
  const bucket = bucketSeconds(filter.since, filter.until);
  const [aggregates, failures, series, courses] = await Promise.all([
    queryCallAggregates(pool, filter),
    queryFailures(pool, filter),
    querySeries(pool, filter, bucket),
    queryCourses(pool, filter),
  ]);
  const failuresOf = (kind: string, model: string | null) =>
    Object.fromEntries(failures.filter((f) => f.kind === kind && f.model === model).map((f) => [f.outcome, f.count]));
  const byModel = (kind: string) =>
    Object.fromEntries(
      aggregates.filter((a) => a.kind === kind && a.model !== null).map((a) => [a.model!, figures(a, failuresOf(kind, a.model))]),
    );
  const chat = aggregates.find((a) => a.kind === 'chat' && a.model === null);
  const embeddings = aggregates.find((a) => a.kind === 'embeddings' && a.model === null);
  const overall: OverallFigures = {
    ...figures(chat, failuresOf('chat', null)),
    escalation_rate: chat ? ratio(chat.second_attempts, chat.first_attempts) : null,
  };
  const courseSummary = summariseCourses(courses);
  const latency_by_model = Object.fromEntries(
    aggregates
      .filter((a) => a.kind === 'chat' && a.model !== null && a.latency_ms)
      .map((a) => {
        const [p5, p25, p50, p75, p95, max] = a.latency_ms!;
        return [a.model!, { p5, p25, p50, p75, p95, max }];
      }),
  );
  return {
    window: { since: filter.since.toISOString(), until: filter.until.toISOString(), course_id: filter.courseId ?? null, bucket_seconds: bucket },
    overall,
    models: byModel('chat'),
    embeddings: { ...figures(embeddings, failuresOf('embeddings', null)), models: byModel('embeddings') },
    courses: courseSummary,
    thresholds: evaluateThresholds({
      timeout_rate: overall.timeout_rate,
      escalation_rate: overall.escalation_rate,
      schema_pass_rate: overall.schema_pass_rate,
      group_seconds_p95: courseSummary.group_ms ? courseSummary.group_ms.p95 / 1000 : null,
      course_seconds_p95: courseSummary.duration_ms ? courseSummary.duration_ms.p95 / 1000 : null,
    }),
    series,
    latency_by_model,
  };
}
