// The stats' SQL: a few aggregate queries over the LLM-call ledger and the course rows of one window. Every column
// is named (no SELECT *), so columns added to llm_calls later change nothing here. The indexes of
// migrations/005_ledger_indexes.sql serve the window filters (created_at, course_id + created_at, updated_at).
import type { Pool } from 'pg';

export interface StatsFilter {
  since: Date;
  until: Date;
  courseId?: string;
}

/** Chat calls (metadata, sections and the quality judge) and embeddings calls (quality validation) are counted apart.
 * Both validation kinds have phase `validation`; an embeddings call scores the whole course (no section), a judge
 * call reads one section. */
export type CallKind = 'chat' | 'embeddings';

export interface CallAggregate {
  kind: CallKind;
  /** null on the kind's overall row. */
  model: string | null;
  calls: number;
  failures: number;
  timeouts: number;
  /** Calls that got an answer (parsed or not) and those whose answer parsed and validated. */
  answers: number;
  valid_answers: number;
  /** Calls after which the same activity tried again (the next model of the ladder). */
  fell_back: number;
  first_attempts: number;
  second_attempts: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  /** p5, p25, p50, p75, p95 and max latency in ms. */
  latency_ms: [number, number, number, number, number, number] | null;
}

export interface FailureCount {
  kind: CallKind;
  model: string | null;
  outcome: string;
  count: number;
}

export interface SeriesPoint {
  bucket: string;
  calls: number;
  failures: number;
  cost_usd: number;
}

export interface CourseFigures {
  course_id: string;
  course_title: string;
  status: string;
  failed_phase: string | null;
  error_type: string | null;
  workflow_id: string;
  run_id: string;
  updated_at: string;
  /** The run's own measure when it completed (generation_metadata), else the ledger's first-to-last call span. */
  duration_ms: number | null;
  sections_ms: number | null;
  batch_count: number | null;
  quality: number | null;
  calls: number;
  retries: number;
  tokens: number;
  cost_usd: number;
}

/** WHERE clause and parameters of a window, written out per case so the planner sees plain predicates. */
function ledgerWhere(filter: StatsFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [filter.since, filter.until];
  // Rows of outcome 'reused' stand for a stored draft taken instead of a call (a course started again): no HTTP
  // call, no tokens, no cost, so they are not calls of any model.
  let sql = "created_at >= $1 AND created_at < $2 AND outcome <> 'reused'";
  if (filter.courseId) {
    params.push(filter.courseId);
    sql += ` AND course_id = $${params.length}`;
  }
  return { sql, params };
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

export async function queryCallAggregates(pool: Pool, filter: StatsFilter): Promise<CallAggregate[]> {
  const where = ledgerWhere(filter);
  const result = await pool.query(
    `WITH calls AS (
       SELECT CASE WHEN phase = 'validation' AND section_index IS NULL THEN 'embeddings' ELSE 'chat' END AS kind, model, outcome, attempt,
              latency_ms, prompt_tokens, completion_tokens, cost_usd,
              lead(attempt) OVER (PARTITION BY run_id, activity_id ORDER BY attempt) IS NOT NULL AS fell_back
       FROM llm_calls WHERE ${where.sql}
     )
     SELECT kind, model,
            count(*)::int AS calls,
            count(*) FILTER (WHERE outcome <> 'ok')::int AS failures,
            count(*) FILTER (WHERE outcome = 'LLM_TIMEOUT')::int AS timeouts,
            count(*) FILTER (WHERE outcome IN ('ok', 'LLM_OUTPUT_INVALID'))::int AS answers,
            count(*) FILTER (WHERE outcome = 'ok')::int AS valid_answers,
            count(*) FILTER (WHERE fell_back)::int AS fell_back,
            count(*) FILTER (WHERE attempt = 1)::int AS first_attempts,
            count(*) FILTER (WHERE attempt = 2)::int AS second_attempts,
            COALESCE(sum(prompt_tokens), 0)::bigint AS prompt_tokens,
            COALESCE(sum(completion_tokens), 0)::bigint AS completion_tokens,
            COALESCE(sum(cost_usd), 0)::float8 AS cost_usd,
            percentile_cont(ARRAY[0.05, 0.25, 0.5, 0.75, 0.95]) WITHIN GROUP (ORDER BY latency_ms) AS latency,
            max(latency_ms) AS latency_max
     FROM calls
     GROUP BY GROUPING SETS ((kind, model), (kind))
     ORDER BY kind, model NULLS FIRST`,
    where.params,
  );
  return result.rows.map((r) => ({
    kind: r.kind,
    model: r.model,
    calls: r.calls,
    failures: r.failures,
    timeouts: r.timeouts,
    answers: r.answers,
    valid_answers: r.valid_answers,
    fell_back: r.fell_back,
    first_attempts: r.first_attempts,
    second_attempts: r.second_attempts,
    prompt_tokens: num(r.prompt_tokens),
    completion_tokens: num(r.completion_tokens),
    cost_usd: num(r.cost_usd),
    latency_ms: r.latency ? ([...r.latency.map(Number), Number(r.latency_max)] as CallAggregate['latency_ms']) : null,
  }));
}

export async function queryFailures(pool: Pool, filter: StatsFilter): Promise<FailureCount[]> {
  const where = ledgerWhere(filter);
  const result = await pool.query(
    `WITH failed AS (
       SELECT CASE WHEN phase = 'validation' AND section_index IS NULL THEN 'embeddings' ELSE 'chat' END AS kind, model, outcome
       FROM llm_calls WHERE ${where.sql} AND outcome <> 'ok'
     )
     SELECT kind, model, outcome, count(*)::int AS count
     FROM failed GROUP BY GROUPING SETS ((kind, model, outcome), (kind, outcome))
     ORDER BY count DESC, outcome`,
    where.params,
  );
  return result.rows.map((r) => ({ kind: r.kind, model: r.model, outcome: r.outcome, count: r.count }));
}

export async function querySeries(pool: Pool, filter: StatsFilter, bucketSeconds: number): Promise<SeriesPoint[]> {
  const where = ledgerWhere(filter);
  const result = await pool.query(
    `SELECT to_timestamp(floor(extract(epoch FROM created_at) / ${bucketSeconds}) * ${bucketSeconds}) AS bucket,
            count(*)::int AS calls, count(*) FILTER (WHERE outcome <> 'ok')::int AS failures,
            COALESCE(sum(cost_usd), 0)::float8 AS cost_usd
     FROM llm_calls WHERE ${where.sql}
     GROUP BY 1 ORDER BY 1`,
    where.params,
  );
  return result.rows.map((r) => ({
    bucket: new Date(r.bucket).toISOString(),
    calls: r.calls,
    failures: r.failures,
    cost_usd: num(r.cost_usd),
  }));
}

/** The course rows written in the window, each with its latest run's spend from the ledger. */
export async function queryCourses(pool: Pool, filter: StatsFilter): Promise<CourseFigures[]> {
  // One course: its row whatever its age; otherwise the rows written in the window.
  const { where, params } = filter.courseId
    ? { where: 'c.course_id = $1', params: [filter.courseId] }
    : { where: 'c.updated_at >= $1 AND c.updated_at < $2', params: [filter.since, filter.until] };
  const result = await pool.query(
    `SELECT c.course_id, c.course_title, c.generation_status, c.failed_phase, c.error_type, c.workflow_id, c.run_id,
            c.updated_at,
            (c.generation_metadata -> 'duration_ms' ->> 'total')::float8 AS run_ms,
            (c.generation_metadata -> 'duration_ms' ->> 'sections')::float8 AS sections_ms,
            (c.generation_metadata ->> 'batch_count')::int AS batch_count,
            (c.generation_metadata -> 'quality_scores' ->> 'overall')::float8 AS quality,
            l.calls, l.retries, l.tokens, l.cost_usd, l.span_ms
     FROM courses c
     LEFT JOIN LATERAL (
       SELECT count(*)::int AS calls, count(*) FILTER (WHERE attempt > 1)::int AS retries,
              COALESCE(sum(prompt_tokens + completion_tokens), 0)::bigint AS tokens,
              COALESCE(sum(cost_usd), 0)::float8 AS cost_usd,
              extract(epoch FROM max(created_at) - min(created_at - latency_ms * interval '1 millisecond')) * 1000 AS span_ms
       FROM llm_calls WHERE run_id = c.run_id
     ) l ON true
     WHERE ${where}`,
    params,
  );
  return result.rows.map((r) => ({
    course_id: r.course_id,
    course_title: r.course_title,
    status: r.generation_status,
    failed_phase: r.failed_phase,
    error_type: r.error_type,
    workflow_id: r.workflow_id,
    run_id: r.run_id,
    updated_at: new Date(r.updated_at).toISOString(),
    duration_ms: r.run_ms ?? (r.span_ms === null ? null : Math.round(Number(r.span_ms))),
    sections_ms: r.sections_ms,
    batch_count: r.batch_count,
    quality: r.quality,
    calls: r.calls ?? 0,
    retries: r.retries ?? 0,
    tokens: num(r.tokens),
    cost_usd: num(r.cost_usd),
  }));
}
