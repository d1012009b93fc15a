// A synthetic but plausible ledger written by PostgreSQL itself (generate_series): `courses` course runs spread over
// `days` days before `end`, each with one metadata and eight section generations on the default ladders, the seeds'
// latencies (20 s metadata, 75 s sections, ±40 %), about one attempt in ten failing (invalid output, rate limit,
// 5xx, timeout) and escalating to the next model, one embeddings call per run, and the course rows. Deterministic:
// every random figure is a hash of the course, activity and attempt numbers. The stats benchmark fills a million rows
// with it; the report's browser test a small day.
import type { Pool } from 'pg';

export interface LedgerFixture {
  courses: number;
  days: number;
  end: Date;
  /** Share of attempts that fail (default 0.1). */
  failRate?: number;
}

/** A uniform number in [0, 1) from the hash of its arguments. */
const UNIFORM = (parts: string) => `(('x' || substr(md5(${parts}), 1, 8))::bit(32)::bigint / 4294967296.0)`;

export async function seedLedger(pool: Pool, fixture: LedgerFixture): Promise<{ calls: number; courses: number }> {
  const failRate = fixture.failRate ?? 0.1;
  const params = [fixture.courses, fixture.days, fixture.end, failRate];
  // One row per course run: when it started, and whether it failed.
  const runs = `
    SELECT i, md5('course-' || i)::uuid AS course_id, md5('run-' || i)::uuid::text AS run_id,
           $3::timestamptz - ($2::int * interval '1 day') * (1 - (i - 1)::float8 / $1::int) AS started,
           ${UNIFORM("'status-' || i")} AS status_roll
    FROM generate_series(1, $1::int) AS i`;
  await pool.query(
    `WITH runs AS (${runs}),
     activities AS (
       SELECT r.*, a, ${UNIFORM("i || '-' || a || '-1'")} < $4 AS f1, ${UNIFORM("i || '-' || a || '-2'")} < $4 AS f2,
              ${UNIFORM("i || '-' || a || '-3'")} < $4 AS f3
       FROM runs r, generate_series(0, 8) AS a
     ),
     attempts AS (
       SELECT x.*, k, ${UNIFORM("i || '-' || a || '-' || k || '-r'")} AS roll,
              CASE WHEN k = 1 THEN f1 WHEN k = 2 THEN f2 ELSE f3 END AS failed
       FROM activities x, generate_series(1, CASE WHEN NOT f1 THEN 1 WHEN NOT f2 THEN 2 ELSE 3 END) AS k
     ),
     calls AS (
       SELECT *,
              CASE WHEN a = 0 THEN (ARRAY['qwen/qwen3-max', 'openai/gpt-oss-120b', 'google/gemini-2.5-flash'])[k]
                   ELSE (ARRAY['openai/gpt-oss-120b', 'qwen/qwen3-max', 'google/gemini-2.5-flash'])[k] END AS model,
              CASE WHEN NOT failed THEN 'ok' WHEN roll < 0.4 THEN 'LLM_OUTPUT_INVALID' WHEN roll < 0.65 THEN 'LLM_RATE_LIMITED'
                   WHEN roll < 0.85 THEN 'LLM_UNAVAILABLE' ELSE 'LLM_TIMEOUT' END AS outcome
       FROM attempts
     ),
     shaped AS (
       SELECT *,
              CASE WHEN outcome = 'LLM_TIMEOUT' THEN CASE WHEN a = 0 THEN 60000 ELSE 120000 END
                   WHEN outcome = 'LLM_RATE_LIMITED' THEN 300 + (roll * 400)::int
                   WHEN outcome = 'LLM_UNAVAILABLE' THEN 1500 + (roll * 3000)::int
                   ELSE ((CASE WHEN a = 0 THEN 20000 ELSE 75000 END) * (0.6 + 0.8 * ${UNIFORM("i || '-' || a || '-' || k || '-l'")}))::int
              END AS latency_ms,
              CASE WHEN outcome IN ('ok', 'LLM_OUTPUT_INVALID') THEN 1800 + (roll * 1500)::int ELSE 0 END AS prompt_tokens,
              CASE WHEN outcome IN ('ok', 'LLM_OUTPUT_INVALID') THEN (CASE WHEN a = 0 THEN 900 ELSE 3500 END) + (roll * 2000)::int ELSE 0 END
                AS completion_tokens
       FROM calls
     )
     INSERT INTO llm_calls (course_id, workflow_id, run_id, activity_id, phase, section_index, attempt, model,
       prompt_tokens, completion_tokens, cost_usd, cost_source, latency_ms, outcome, error_message, created_at)
     SELECT course_id, 'course-generation-' || course_id, run_id, (a + 1)::text, CASE WHEN a = 0 THEN 'metadata' ELSE 'section' END,
            CASE WHEN a = 0 THEN NULL ELSE a - 1 END, k, model, prompt_tokens, completion_tokens,
            (prompt_tokens * CASE model WHEN 'qwen/qwen3-max' THEN 0.6 WHEN 'openai/gpt-oss-120b' THEN 0.9 ELSE 0.075 END
             + completion_tokens * CASE model WHEN 'qwen/qwen3-max' THEN 2.0 WHEN 'openai/gpt-oss-120b' THEN 0.9 ELSE 0.3 END) / 1e6,
            'price_table', latency_ms, outcome, CASE WHEN outcome = 'ok' THEN NULL ELSE outcome END,
            -- metadata first; sections in two groups of four after it, 2 s apart; each retry 1–2 s after its attempt
            started + interval '1 millisecond' * (
              CASE WHEN a = 0 THEN 20000 WHEN a <= 4 THEN 100000 ELSE 180000 END + (k - 1) * 90000 + latency_ms / 4)
     FROM shaped`,
    params,
  );
  await pool.query(
    `WITH runs AS (${runs})
     INSERT INTO llm_calls (course_id, workflow_id, run_id, activity_id, phase, section_index, attempt, model,
       prompt_tokens, completion_tokens, cost_usd, cost_source, latency_ms, outcome, error_message, created_at)
     SELECT course_id, 'course-generation-' || course_id, run_id, '20', 'validation', NULL, 1, 'jina-embeddings-v3',
            9000, 0, 9000 * 0.02 / 1e6, 'price_table', 400, 'ok', NULL, started + interval '185 seconds'
     FROM runs WHERE status_roll >= 0.03`,
    params.slice(0, 3),
  );
  await pool.query(
    `WITH runs AS (${runs}),
     spans AS (
       SELECT run_id, extract(epoch FROM max(created_at) - min(created_at - latency_ms * interval '1 millisecond')) * 1000 AS ms,
              sum(cost_usd)::float8 AS cost
       FROM llm_calls WHERE run_id IN (SELECT run_id FROM runs) GROUP BY run_id
     )
     INSERT INTO courses (course_id, course_title, generation_status, failed_phase, error_type, error_message,
       generation_metadata, workflow_id, run_id, created_at, updated_at)
     SELECT r.course_id,
            (ARRAY['Consultative Selling for B2B Teams', 'Practical Statistics for Analysts', 'Watercolour Landscapes',
                   'Kubernetes for Application Developers', 'Mindful Leadership', 'Spanish for Travellers',
                   'Financial Modelling Basics', 'Photography: Light and Composition'])[1 + (r.i % 8)] || ' #' || r.i,
            CASE WHEN r.status_roll < 0.03 THEN 'failed' ELSE 'completed' END,
            CASE WHEN r.status_roll < 0.02 THEN 'generate_sections' WHEN r.status_roll < 0.03 THEN 'validate_quality' END,
            CASE WHEN r.status_roll < 0.02 THEN 'SECTION_GENERATION_FAILED' WHEN r.status_roll < 0.03 THEN 'QUALITY_THRESHOLD_NOT_MET' END,
            CASE WHEN r.status_roll < 0.03 THEN 'synthetic failure' END,
            CASE WHEN r.status_roll >= 0.03 THEN jsonb_build_object(
              'duration_ms', jsonb_build_object('total', round(s.ms + 3000), 'sections', round(s.ms - 25000), 'metadata', 20000, 'validation', 1500),
              'batch_count', 2, 'cost_usd', s.cost,
              'quality_scores', jsonb_build_object('overall', round((0.78 + r.status_roll * 0.15)::numeric, 3))) END,
            'course-generation-' || r.course_id, r.run_id, r.started, r.started + (s.ms + 3000) * interval '1 millisecond'
     FROM runs r JOIN spans s USING (run_id)
     ON CONFLICT (course_id) DO NOTHING`,
    params.slice(0, 3),
  );
  const counted = await pool.query(
    'SELECT (SELECT count(*) FROM llm_calls)::int AS calls, (SELECT count(*) FROM courses)::int AS courses',
  );
  await pool.query('ANALYZE llm_calls; ANALYZE courses');
  return counted.rows[0];
}
