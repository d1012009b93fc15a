// The pure parts of `npm run stats`: the --since window, the seed 003 thresholds, the course summary and the
// escaping of data in the HTML report.
import { renderStatsHtml } from '../../client/stats/html';
import type { CourseFigures } from '../../client/stats/queries';
import { summariseCourses, type StatsReport } from '../../client/stats/report';
import { evaluateThresholds } from '../../client/stats/thresholds';
import { bucketSeconds, parseSince, WindowError } from '../../client/stats/window';

const NOW = new Date('2026-11-30T12:00:00Z');

test('--since takes minutes, hours, days or a past ISO time, and nothing else', () => {
  expect(parseSince('30m', NOW).toISOString()).toBe('2026-11-30T11:30:00.000Z');
  expect(parseSince('24h', NOW).toISOString()).toBe('2026-11-29T12:00:00.000Z');
  expect(parseSince('7d', NOW).toISOString()).toBe('2026-11-23T12:00:00.000Z');
  expect(parseSince('2026-11-30T08:00:00Z', NOW).toISOString()).toBe('2026-11-30T08:00:00.000Z');
  for (const bad of ['yesterday', '0h', '-1d', '24', '2027-01-01T00:00:00Z', '2026-13-45']) {
    expect(() => parseSince(bad, NOW)).toThrow(WindowError);
  }
});

test('buckets: 5 minutes up to 6 h, hourly up to 3 days, daily beyond', () => {
  expect(bucketSeconds(parseSince('1h', NOW), NOW)).toBe(300);
  expect(bucketSeconds(parseSince('24h', NOW), NOW)).toBe(3600);
  expect(bucketSeconds(parseSince('7d', NOW), NOW)).toBe(86_400);
});

test("seed 003's thresholds: below/above the limit is ok, beyond it breached, nothing measured is 'no data'", () => {
  const results = evaluateThresholds({
    timeout_rate: 0.049,
    escalation_rate: 0.12,
    schema_pass_rate: 0.95,
    group_seconds_p95: null,
    course_seconds_p95: 241,
  });
  expect(results.map((r) => [r.key, r.status])).toEqual([
    ['timeout_rate', 'ok'],
    ['escalation_rate', 'breached'],
    ['schema_pass_rate', 'ok'],
    ['group_seconds_p95', 'no data'],
    ['course_seconds_p95', 'breached'],
  ]);
});

function course(overrides: Partial<CourseFigures>): CourseFigures {
  return {
    course_id: '00000000-0000-4000-8000-000000000000', course_title: 'A course', status: 'completed', failed_phase: null,
    error_type: null, workflow_id: 'course-generation-x', run_id: 'r', updated_at: NOW.toISOString(), duration_ms: 100_000,
    sections_ms: 80_000, batch_count: 2, quality: 0.8, calls: 10, retries: 1, tokens: 1000, cost_usd: 0.01, ...overrides,
  };
}

test('course summary: quality pass rate counts only runs that reached quality validation; slowest first', () => {
  const summary = summariseCourses([
    course({ duration_ms: 90_000 }),
    course({ duration_ms: 150_000, course_title: 'Slow' }),
    course({ status: 'failed', failed_phase: 'validate_quality', error_type: 'QUALITY_THRESHOLD_NOT_MET', duration_ms: 200_000 }),
    course({ status: 'failed', failed_phase: 'generate_sections', error_type: 'SECTION_GENERATION_FAILED', duration_ms: 50_000 }),
  ]);
  expect(summary.count).toBe(4);
  expect(summary.by_status).toEqual({ completed: 2, failed: 2 });
  expect(summary.quality_pass_rate).toBeCloseTo(2 / 3, 10);
  expect(summary.duration_ms).toEqual({ p50: 90_000, p95: 150_000, max: 150_000 });
  expect(summary.group_ms).toEqual({ p50: 40_000, p95: 40_000 });
  expect(summary.slowest.map((c) => c.duration_ms)).toEqual([200_000, 150_000, 90_000, 50_000]);
  expect(summary.retries).toBe(4);
});

test('the HTML report escapes every text that came from data', () => {
  const hostile = '<img src=x onerror=alert(1)>"\'';
  const report: StatsReport = {
    window: { since: NOW.toISOString(), until: NOW.toISOString(), course_id: null, bucket_seconds: 3600 },
    overall: {
      calls: 1, failures: 1, failures_by_type: { [hostile]: 1 }, timeout_rate: 0, fallback_rate: 0, schema_pass_rate: 1,
      latency_ms: { p50: 1, p95: 1 }, prompt_tokens: 1, completion_tokens: 1, cost_usd: 0, escalation_rate: 0,
    },
    models: {},
    embeddings: { calls: 0, failures: 0, failures_by_type: {}, timeout_rate: null, fallback_rate: null, schema_pass_rate: null, latency_ms: null, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, models: {} },
    courses: { ...summariseCourses([course({ course_title: hostile, workflow_id: `w${hostile}` })]) },
    thresholds: evaluateThresholds({}),
    series: [],
    latency_by_model: { [hostile]: { p5: 1, p25: 2, p50: 3, p75: 4, p95: 5, max: 6 } },
  };
  const html = renderStatsHtml(report, (w) => `http://ui/${w}`);
  expect(html).not.toContain('<img');
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;');
  expect(html).toContain("Content-Security-Policy");
});
