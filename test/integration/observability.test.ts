// A real worker process (`tsx workers/main.ts` with WORKER_HTTP_PORT) runs a few courses against the LLM simulator's
// faults; then the three views of what happened must agree exactly: the ledger (SQL), `stats --json`, and the
// worker's /metrics — calls, failures by type, tokens and cost per model — and the JSON log lines, one per call.
// The worker writes to a database of its own, so the whole-ledger figures are this test's alone.
import { Pool } from 'pg';
import { Writable } from 'node:stream';
import { statsCommand } from '../../client/commands/stats';
import { loadClientConfig, type ClientConfig } from '../../client/config';
import type { StatsReport } from '../../client/stats/report';
import { freePorts } from '../../stack/util';
import { startWorkerProcessRun, type WorkerProcess, type WorkerProcessRun } from '../support/worker-process';
import { exampleInput } from '../fixtures/example-input';
import { createScratchDatabase, FAST_TIME_FACTOR, runGenerate } from '../support/pipeline';
import { testStackEnv } from '../support/stack-env';

const COURSES = Number(process.env.OBSERVABILITY_COURSES || 4);
const API_KEY = 'observability-key-not-secret';

let db: { url: string; drop(): Promise<void> };
let run: WorkerProcessRun;
let worker: WorkerProcess;
let httpPort: number;

beforeAll(async () => {
  db = await createScratchDatabase('coursegen_obs');
  [httpPort] = await freePorts(1);
  run = await startWorkerProcessRun({
    taskQueuePrefix: 'observability',
    apiKey: API_KEY,
    simulator: {
      timeFactor: FAST_TIME_FACTOR,
      seed: 14,
      faults: [
        { kind: 'rate_limit', rate: 0.06, retryAfterMs: 50, callKind: 'section' },
        { kind: 'server_error', rate: 0.05 },
        { kind: 'schema_invalid', rate: 0.06, callKind: 'section' },
        { kind: 'hang', rate: 0.03, callKind: 'section' },
        { kind: 'truncated_json', rate: 0.04 },
      ],
    },
    databaseUrl: db.url,
    embeddingsFromSimulator: true,
    settings: {
      WORKER_HTTP_PORT: String(httpPort),
      SECTION_GROUP_DELAY_MS: '100',
      // A hung call fails as LLM_TIMEOUT after this long, so timeouts show in every view.
      LLM_SECTION_TIMEOUT_MS: '2000',
      // The simulator's embeddings score its on-topic sections about 0.71–0.80.
      QUALITY_THRESHOLD: '0.7',
      // Those scores sit in the judge's band around 0.7: no judge here, so validation rows are the embeddings calls.
      QUALITY_JUDGE: 'off',
    },
  });
  worker = await run.spawn();
});

afterAll(async () => {
  await run?.stop();
  await db?.drop();
});

/** Prometheus text → samples { name, labels, value }. */
function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

test(`${COURSES} courses under LLM faults: the ledger, stats --json, /metrics and the logs agree exactly`, async () => {
  const stack = testStackEnv();
  const clientConfig: ClientConfig = loadClientConfig({
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    TEMPORAL_TASK_QUEUE: run.env.TEMPORAL_TASK_QUEUE,
    DATABASE_URL: db.url,
    TEMPORAL_UI: stack.temporalUiUrl || 'http://127.0.0.1:8233',
  });
  const inputs = Array.from({ length: COURSES }, () => exampleInput());
  const outcomes = await Promise.all(inputs.map((input) => runGenerate(clientConfig, input)));
  if (!outcomes.some((o) => o.exitCode === 0)) console.log(outcomes.map((o) => o.stderr.slice(-600)).join("\n---\n"));
  expect(outcomes.filter((o) => o.exitCode === 0).length).toBeGreaterThan(0);

  // The ledger, straight from SQL.
  const pool = new Pool({ connectionString: db.url });
  const ledger = (
    await pool.query(
      `SELECT model, phase, outcome, count(*)::int AS calls, sum(prompt_tokens)::int AS prompt,
              sum(completion_tokens)::int AS completion, sum(cost_usd)::float8 AS cost
       FROM llm_calls GROUP BY model, phase, outcome`,
    )
  ).rows as { model: string; phase: string; outcome: string; calls: number; prompt: number; completion: number; cost: number }[];
  await pool.end();
  const ledgerOf = (model: string) => ledger.filter((r) => r.model === model);
  const chatModels = [...new Set(ledger.filter((r) => r.phase !== 'validation').map((r) => r.model))];
  const failureTypes = [...new Set(ledger.filter((r) => r.outcome !== 'ok').map((r) => r.outcome))];
  // The faults really happened: failures of several types, timeouts among them.
  expect(failureTypes.length).toBeGreaterThanOrEqual(3);
  expect(failureTypes).toContain('LLM_TIMEOUT');

  // stats --json over the same database.
  let out = '';
  const stdout = new Writable({ write: (chunk, _e, done) => ((out += chunk.toString()), done()) });
  const exitCode = await statsCommand({ json: true, since: '1h', config: clientConfig, stdout, stderr: stdout });
  expect(exitCode).toBe(0);
  const stats = JSON.parse(out) as StatsReport;

  // /metrics of the worker that made every call.
  const metricsText = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const samples = parseMetrics(metricsText);
  const metric = (name: string, labels: Record<string, string>) =>
    sum(samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value));

  for (const model of chatModels) {
    const rows = ledgerOf(model);
    const calls = sum(rows.map((r) => r.calls));
    const failures = sum(rows.filter((r) => r.outcome !== 'ok').map((r) => r.calls));
    const prompt = sum(rows.map((r) => r.prompt));
    const completion = sum(rows.map((r) => r.completion));
    const cost = sum(rows.map((r) => r.cost));
    expect([model, stats.models[model].calls, stats.models[model].failures]).toEqual([model, calls, failures]);
    expect([model, stats.models[model].prompt_tokens, stats.models[model].completion_tokens]).toEqual([model, prompt, completion]);
    expect(stats.models[model].cost_usd).toBeCloseTo(cost, 8);
    expect([model, metric('coursegen_llm_calls_total', { model })]).toEqual([model, calls]);
    expect([model, calls - metric('coursegen_llm_calls_total', { model, outcome: 'ok' })]).toEqual([model, failures]);
    expect([model, metric('coursegen_llm_tokens_total', { model, kind: 'prompt' })]).toEqual([model, prompt]);
    expect([model, metric('coursegen_llm_tokens_total', { model, kind: 'completion' })]).toEqual([model, completion]);
    expect(metric('coursegen_llm_cost_usd_total', { model })).toBeCloseTo(cost, 8);
    expect([model, metric('coursegen_llm_call_duration_seconds_count', { model })]).toEqual([model, calls]);
    for (const type of failureTypes) {
      const n = sum(rows.filter((r) => r.outcome === type).map((r) => r.calls));
      expect([model, type, stats.models[model].failures_by_type[type] ?? 0]).toEqual([model, type, n]);
      expect([model, type, metric('coursegen_llm_calls_total', { model, outcome: type })]).toEqual([model, type, n]);
    }
  }
  const chatRows = ledger.filter((r) => r.phase !== 'validation');
  expect(stats.overall.calls).toBe(sum(chatRows.map((r) => r.calls)));
  expect(stats.overall.failures).toBe(sum(chatRows.filter((r) => r.outcome !== 'ok').map((r) => r.calls)));
  expect(stats.overall.cost_usd).toBeCloseTo(sum(chatRows.map((r) => r.cost)), 8);
  // Embeddings (quality validation) are counted apart in stats, under their own model in the metrics.
  const embeddingRows = ledger.filter((r) => r.phase === 'validation');
  expect(embeddingRows.length).toBeGreaterThan(0);
  expect(stats.embeddings.calls).toBe(sum(embeddingRows.map((r) => r.calls)));
  expect(metric('coursegen_llm_calls_total', { model: embeddingRows[0].model })).toBe(stats.embeddings.calls);
  expect(stats.courses.count).toBe(COURSES);
  expect(stats.thresholds.map((t) => t.key)).toEqual([
    'timeout_rate', 'escalation_rate', 'schema_pass_rate', 'group_seconds_p95', 'course_seconds_p95',
  ]);
  // The SDK's own worker metrics come through the same port; no course or run id is a label value.
  expect(samples.some((s) => s.name.startsWith('temporal_'))).toBe(true);
  expect(metric('coursegen_sections_in_flight', {})).toBe(0);
  for (const input of inputs) expect(metricsText).not.toContain(input.course_id);
  const health = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
  expect(health.status).toBe(200);

  // One JSON log line per ledger row, with the run's coordinates; never the key, never prompt text.
  const callLines = worker
    .logs()
    .split('\n')
    .filter((l) => l.startsWith('{') && /"msg":"LLM call/.test(l))
    .map((l) => JSON.parse(l));
  expect(callLines.length).toBe(sum(ledger.map((r) => r.calls)));
  for (const line of callLines.slice(0, 20)) {
    expect(line).toEqual(expect.objectContaining({ workflow_id: expect.any(String), run_id: expect.any(String), attempt: expect.any(Number), model: expect.any(String) }));
    expect(typeof line.activity).toBe('string');
  }
  expect(worker.logs()).not.toContain(API_KEY);
  const promptText = inputs[0].analysis_result.recommended_structure.sections_breakdown[0].learning_objectives[0];
  expect(worker.logs()).not.toContain(promptText);

  if (process.env.OBSERVABILITY_PRINT === '1') {
    let text = '';
    const textOut = new Writable({ write: (chunk, _e, done) => ((text += chunk.toString()), done()) });
    await statsCommand({ since: '1h', config: clientConfig, stdout: textOut, stderr: textOut, html: process.env.STATS_HTML_OUT });
    await statsCommand({ since: '1h', config: clientConfig, stdout: textOut, stderr: textOut });
    console.log(`${text}\n${JSON.stringify(callLines[0])}`);
  }
});
