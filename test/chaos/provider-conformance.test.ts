// Provider conformance: the real pipeline (worker, activities, PostgreSQL, dev server, CLI) against a simulator that
// answers like OpenRouter — `provider`, `usage.cost`, generation ids, SSE comments — and injects each response its
// API reference documents besides the happy path. For every behaviour: the run's outcome and error type, no partial
// answer committed, one ledger row per HTTP call with the served model, the provider and a cost equal to the sum
// of the `usage.cost` values the provider sent, and the API key nowhere.
//
// Rows run concurrently on one worker per mode (streamed, the OpenRouter default, and plain), each on its own
// course whose title and first section carry a marker that its fault rule matches.
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { FaultRule } from '../../simulator/server';
import type { CallRecord } from '../../simulator/types';
import type { GenerationJobInput } from '../../workflows/schemas';
import { courseWorkflowId, ErrorType } from '../../workflows/types';
import { report } from '../support/observe';
import { exampleInput } from '../fixtures/example-input';
import { usePipeline, type Pipeline } from '../support/pipeline';

// The metadata ladder has two models, one fewer than the retry policy's three attempts: a refusal by the second is
// final (a third attempt would ask it again), while other failures still get their third attempt.
const M1 = 'qwen/qwen3-max';
const M2 = 'openai/gpt-oss-120b';
const S1 = 'openai/gpt-oss-120b'; // section ladder
const S2 = 'qwen/qwen3-max';
/** OpenRouter may serve a request with another id than the one asked for; the ledger must say which. */
const SERVED = { [S1]: 'openai/gpt-oss-120b:nitro' };
const API_KEY = `sk-or-v1-${randomBytes(32).toString('hex')}`;

type Target = 'metadata' | 'section';
type Mode = 'stream' | 'plain';

interface Row {
  name: string;
  fault: Omit<FaultRule, 'match' | 'callKind'>;
  target: Target;
  modes?: Mode[];
  expect:
    | { outcome: 'completes'; firstAttempt: string; models: { metadata: string; section1: string }; answerSource?: 'reasoning'; message?: RegExp; minGapMs?: number }
    | { outcome: 'fails'; type: ErrorType; calls: number; models?: number; causeType?: ErrorType; message: RegExp };
}

const ROWS: Row[] = [
  {
    name: '200 whose body is an error, no choices',
    fault: { kind: 'error_in_200', times: 1 },
    target: 'section',
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_UNAVAILABLE, models: { metadata: M1, section1: S2 }, message: /upstream said: upstream connection reset/ },
  },
  {
    name: 'finish_reason "error" with a partial answer',
    fault: { kind: 'finish_error', times: 1 },
    target: 'section',
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_UNAVAILABLE, models: { metadata: M1, section1: S2 }, message: /partial answer was discarded/ },
  },
  {
    name: 'finish_reason "content_filter"',
    fault: { kind: 'content_filter', times: 1 },
    target: 'metadata',
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_CONTENT_REFUSED, models: { metadata: M2, section1: S1 } },
  },
  {
    name: 'content null',
    fault: { kind: 'empty_content', times: 1 },
    target: 'section',
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_OUTPUT_INVALID, models: { metadata: M1, section1: S2 }, message: /empty content/ },
  },
  {
    name: 'the whole answer in message.reasoning',
    fault: { kind: 'reasoning_only' },
    target: 'section',
    expect: { outcome: 'completes', firstAttempt: 'ok', models: { metadata: M1, section1: S1 }, answerSource: 'reasoning' },
  },
  {
    name: 'a refusal',
    fault: { kind: 'refusal', times: 1 },
    target: 'section',
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_CONTENT_REFUSED, models: { metadata: M1, section1: S2 } },
  },
  {
    name: 'empty choices',
    fault: { kind: 'no_choices', times: 1 },
    target: 'metadata',
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_UNAVAILABLE, models: { metadata: M2, section1: S1 } },
  },
  {
    name: '403 moderation on the first model of the ladder',
    fault: { kind: 'moderation', model: S1 },
    target: 'section',
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_CONTENT_REFUSED, models: { metadata: M1, section1: S2 }, message: /flagged for harassment/ },
  },
  {
    name: '502 with the upstream cause in metadata.raw',
    fault: { kind: 'provider_error', times: 1 },
    target: 'section',
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_UNAVAILABLE, models: { metadata: M1, section1: S2 }, message: /Invalid schema for response_format/ },
  },
  {
    name: '404 no endpoints support the parameters',
    fault: { kind: 'no_endpoints', times: 1 },
    target: 'metadata',
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_UNAVAILABLE, models: { metadata: M2, section1: S1 }, message: /No endpoints found/ },
  },
  {
    name: '429 with X-RateLimit-Reset in epoch ms, 2 s ahead',
    fault: { kind: 'rate_limit', rateLimitResetInMs: 2_000, times: 1 },
    target: 'section',
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_RATE_LIMITED, models: { metadata: M1, section1: S2 }, minGapMs: 1_900 },
  },
  {
    name: 'a mid-stream error event',
    fault: { kind: 'stream_error', times: 1 },
    target: 'section',
    modes: ['stream'],
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_UNAVAILABLE, models: { metadata: M1, section1: S2 }, message: /mid-stream/ },
  },
  {
    name: 'a stream that stalls half-way',
    fault: { kind: 'stream_stall', times: 1 },
    target: 'section',
    modes: ['stream'],
    expect: { outcome: 'completes', firstAttempt: ErrorType.LLM_TIMEOUT, models: { metadata: M1, section1: S2 }, message: /sent nothing for 4000 ms/ },
  },
  {
    name: '402 insufficient credits',
    fault: { kind: 'payment_required' },
    target: 'metadata',
    expect: { outcome: 'fails', type: ErrorType.LLM_PAYMENT_REQUIRED, calls: 1, message: /add credits.*key itself is valid/ },
  },
  {
    name: '403 moderation on every model of a two-model ladder',
    fault: { kind: 'moderation' },
    target: 'metadata',
    expect: { outcome: 'fails', type: ErrorType.LLM_CONTENT_REFUSED, calls: 2, message: /no other model left/ },
  },
  {
    name: 'a 502 on every call of the same two-model ladder: the third attempt repeats the last model',
    fault: { kind: 'provider_error' },
    target: 'metadata',
    expect: { outcome: 'fails', type: ErrorType.LLM_UNAVAILABLE, calls: 3, models: 2, message: /Invalid schema for response_format/ },
  },
  {
    name: 'finish_reason "error" every time on a section',
    fault: { kind: 'finish_error' },
    target: 'section',
    expect: { outcome: 'fails', type: ErrorType.SECTION_GENERATION_FAILED, calls: 3, causeType: ErrorType.LLM_UNAVAILABLE, message: /partial answer was discarded/ },
  },
];

jest.setTimeout(180_000);

interface Prepared {
  row: Row;
  marker: string;
  input: GenerationJobInput;
  rule: FaultRule;
}

function prepare(row: Row, index: number, mode: Mode): Prepared {
  const marker = `PC${mode[0]}${index + 1}x${randomBytes(3).toString('hex')}`;
  const input = exampleInput({ sections: 2 });
  input.frontend_parameters.course_title = `Conformance ${marker}: ${input.frontend_parameters.course_title}`;
  const first = input.analysis_result.recommended_structure.sections_breakdown[0];
  first.area = `${first.area} ${marker}`;
  const rule: FaultRule =
    row.target === 'metadata'
      ? { ...row.fault, callKind: 'metadata', match: marker }
      : { ...row.fault, callKind: 'section', match: `Working title: ${first.area}` };
  return { row, marker, input, rule };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function checkRow(pipeline: Pipeline, mode: Mode, p: Prepared, outcome: Awaited<ReturnType<Pipeline['generate']>>) {
  const { row, marker, input } = p;
  const { exitCode, json, stderr } = outcome;
  const calls: CallRecord[] = pipeline.sim.stats().calls.filter((c) => c.courseTitle?.includes(marker));
  const targetCalls = calls.filter((c) => (row.target === 'metadata' ? c.kind === 'metadata' : c.sectionTitle?.includes(marker)));
  const course = await pipeline.stores.courses.get(input.course_id);
  const runId: string = json?.run_id ?? course?.run_id;
  const ledger = (await pipeline.stores.ledger.ofRun(runId)).filter((r) => r.phase !== 'validation');
  const targetRows = ledger.filter((r) => (row.target === 'metadata' ? r.phase === 'metadata' : r.sectionIndex === 0));

  report(`conformance ${mode} ${row.name}`, {
    exitCode,
    type: json?.error?.type ?? 'completed',
    targetCalls: targetRows.map((r) => `${r.model}:${r.outcome}`),
    ledgerRows: ledger.length,
    httpCalls: calls.length,
    ledgerCostUsd: Number(sum(ledger.map((r) => r.costUsd)).toFixed(8)),
    usageCostSumUsd: Number(sum(calls.map((c) => c.costUsd ?? 0)).toFixed(8)),
  });
  // Every HTTP call has its ledger row, whatever its shape; a call the client gave up on (a stall) included.
  expect(ledger).toHaveLength(calls.length);
  for (const r of ledger) {
    const call = calls.find((c) => c.model === r.model && (r.phase === 'metadata' ? c.kind === 'metadata' : c.kind === 'section'));
    expect(call).toBeDefined();
    // What the provider said about the call: the served model and the provider whenever a 200 body arrived.
    if (r.outcome === 'ok') {
      expect(r.servedModel).toBe(SERVED[r.model as keyof typeof SERVED] ?? r.model);
      expect(r.provider).toBe('SimProvider');
      expect(r.generationId).toMatch(/^gen-/);
      expect(r.costSource).toBe('provider');
      expect(r.cachedTokens).toBeGreaterThanOrEqual(0);
    }
  }
  // Cost is the provider's usage.cost, summed over every call that reported one (failed attempts included).
  expect(sum(ledger.map((r) => r.costUsd))).toBeCloseTo(sum(calls.map((c) => c.costUsd ?? 0)), 7);

  // The key never leaves the worker: not in the CLI's output, the ledger or the course row.
  const visible = JSON.stringify({ stderr, json, ledger, course });
  expect(visible).not.toContain(API_KEY);
  expect(visible).not.toContain('FLAGGED-INPUT-MUST-NOT-BE-LOGGED');

  if (row.expect.outcome === 'completes') {
    expect({ row: row.name, exitCode, stderr: exitCode === 0 ? '' : stderr }).toEqual({ row: row.name, exitCode: 0, stderr: '' });
    const metadata = json.generation_metadata;
    expect(metadata.model_used.metadata).toBe(row.expect.models.metadata);
    expect(metadata.model_used.per_section[0]).toBe(row.expect.models.section1);
    expect(targetRows[0].outcome).toBe(row.expect.firstAttempt);
    if (row.expect.message) expect(targetRows[0].errorMessage).toMatch(row.expect.message);
    if (row.expect.answerSource) expect(targetRows[0]).toMatchObject({ answerSource: 'reasoning', reasoningTokens: expect.any(Number) });
    if (row.expect.minGapMs) expect(targetCalls[1].startedAt - targetCalls[0].endedAt!).toBeGreaterThanOrEqual(row.expect.minGapMs);
    // The committed answer is the one that succeeded, never a repaired partial: its lessons are all there.
    expect(json.course_structure.sections[0].lessons.length).toBeGreaterThanOrEqual(1);
    expect(course?.generation_status).toBe('completed');
  } else {
    expect({ row: row.name, exitCode }).toEqual({ row: row.name, exitCode: 1 });
    expect(json.error.type).toBe(row.expect.type);
    expect(targetCalls).toHaveLength(row.expect.calls);
    // Each attempt moved to the next model of the ladder.
    expect(new Set(targetCalls.map((c) => c.model)).size).toBe(row.expect.models ?? row.expect.calls);
    expect(targetRows.map((r) => r.outcome)).toEqual(Array(row.expect.calls).fill(row.expect.causeType ?? row.expect.type));
    expect(targetRows[targetRows.length - 1].errorMessage).toMatch(row.expect.message);
    expect(course).toMatchObject({ generation_status: 'failed', course_structure: null });
    if (row.expect.causeType) expect(stderr).toContain(row.expect.causeType);
  }
}

describe.each<Mode>(['stream', 'plain'])('OpenRouter conformance (%s)', (mode) => {
  const context = usePipeline({
    simulator: { openRouter: true, servedModels: SERVED, apiKey: API_KEY },
    env: {
      LLM_API_KEY: API_KEY,
      LLM_PROVIDER: 'openrouter',
      LLM_METADATA_MODELS: `${M1},${M2}`,
      LLM_STREAM: mode === 'stream' ? 'true' : 'false',
      // Well above the simulated 80–300 ms calls even when the event loop is busy starting a dozen runs at once.
      LLM_STREAM_IDLE_TIMEOUT_MS: '4000',
    },
  });

  const rows = ROWS.filter((row) => !row.modes || row.modes.includes(mode));

  test(`${rows.length} documented behaviours, each with its outcome, ledger and no key`, async () => {
    const prepared = rows.map((row, index) => prepare(row, index, mode));
    context.pipeline.sim.configure({ faults: prepared.map((p) => p.rule) });
    const outcomes = await Promise.all(
      prepared.map(async (p) => {
        const started = Date.now();
        const outcome = await context.pipeline.generate(p.input);
        report(`conformance ${mode} ${p.row.name} run`, { wallMs: Date.now() - started });
        return outcome;
      }),
    );
    const failures: string[] = [];
    for (let i = 0; i < prepared.length; i++) {
      try {
        await checkRow(context.pipeline, mode, prepared[i], outcomes[i]);
      } catch (error) {
        // The row's ledger, so a failure says what each call ended as.
        const runId = outcomes[i].json?.run_id ?? (await context.pipeline.stores.courses.get(prepared[i].input.course_id))?.run_id ?? '';
        const rows = (await context.pipeline.stores.ledger.ofRun(runId)).map((r) => `${r.phase}${r.sectionIndex ?? ''}#${r.attempt} ${r.model} ${r.outcome}`);
        failures.push(`${prepared[i].row.name}: ${(error as Error).message}\n  ledger: ${rows.join(', ')}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('streamed progress in heartbeats', () => {
  // Slow sections (4 s) so that several heartbeats (every HEARTBEAT_TIMEOUT_MS / 4 = 500 ms) land mid-answer.
  const context = usePipeline({
    simulator: { openRouter: true, timeFactor: 1, latencyMs: { metadata: 100, section: 4_000 } },
    env: { LLM_PROVIDER: 'openrouter', HEARTBEAT_TIMEOUT_MS: '2000' },
  });

  test('a streamed section shows its characters growing in the pending activity details', async () => {
    const input = exampleInput({ sections: 2 });
    const run = context.pipeline.generate(input);
    const handle = context.harness.client.workflow.getHandle(courseWorkflowId(input.course_id));
    const seen: number[] = [];
    const deadline = Date.now() + 30_000;
    let finished = false;
    void run.finally(() => (finished = true));
    while (!finished && Date.now() < deadline) {
      const description = await handle.describe().catch(() => null);
      for (const pending of description?.raw.pendingActivities ?? []) {
        if (pending.activityType?.name !== 'generateSectionActivity') continue;
        const payload = pending.heartbeatDetails?.payloads?.[0];
        const details = payload ? (defaultPayloadConverter.fromPayload(payload) as { streamed?: { characters: number } }) : undefined;
        if (details?.streamed) seen.push(details.streamed.characters);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const outcome = await run;
    expect(outcome.exitCode).toBe(0);
    // Progress was reported while sections were still streaming, and it grew.
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...seen)).toBeGreaterThan(Math.min(...seen));
    const ledger = await context.pipeline.stores.ledger.ofRun(outcome.json.run_id);
    expect(ledger.filter((r) => r.phase !== 'validation').every((r) => r.streamed)).toBe(true);
  });
});
