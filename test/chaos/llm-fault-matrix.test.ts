// The LLM fault matrix: every fault the simulator can inject, once (the run must recover, and the committed
// metadata shows the retry and the model that answered) and persistently (the run must fail with its named type,
// with a failed course row and no partial structure). Never a stuck run, never a silently partial course.
//
// The worker is a real `tsx workers/main.ts` process, so timeouts surface exactly as in production (inside jest the
// openai SDK's abort error comes from another realm and a timeout reads as a connection failure — see the report).
// All rows run concurrently on one worker: each row's course has a unique marker in its title and in its first
// section's working title, and its fault rule matches only that marker. The worker routes metadata as in production
// (METADATA_ROUTING=hybrid): a metadata fault hits the critical half (schema course_metadata_critical), a
// support-metadata fault the support half; the other half's call is not repeated.
import { randomBytes } from 'node:crypto';
import { describeFailure } from '../../client/generate';
import { startCourseGeneration } from '../../client/start';
import type { FaultRule } from '../../simulator/server';
import type { CallRecord } from '../../simulator/types';
import { METADATA_CRITICAL_SCHEMA_NAME, METADATA_SUPPORT_SCHEMA_NAME, type GenerationJobInput } from '../../workflows/schemas';
import { ErrorType, type GenerationMetadata, type GenerationResult } from '../../workflows/types';
import { report, withPg } from '../support/observe';
import { startWorkerProcessRun, type WorkerProcess, type WorkerProcessRun } from '../support/worker-process';
import { exampleInput } from '../fixtures/example-input';
import { testStackEnv } from '../support/stack-env';

/** Small per-call HTTP timeouts so a hang costs seconds (LLM_*_TIMEOUT_MS), yet 16× the simulated latency, so a
 * loaded machine does not turn a slow answer into a timeout and an unexpected retry. */
const LLM_TIMEOUT_MS = 4_000;
/** Upper bound of one row: 3 attempts × (timeout + activity margin would be 31.5 s) is the theoretical worst case
 * of a persistent hang; the rows finish far below it, this only keeps a stuck run from hanging the suite. */
const ROW_DEADLINE_MS = 100_000;

const M1 = 'qwen/qwen3-max'; // metadata ladder (the critical half)
const M2 = 'openai/gpt-oss-120b';
const MS2 = 'qwen/qwen3-max'; // second model of the support metadata ladder
const S1 = 'openai/gpt-oss-120b'; // section ladder
const S2 = 'qwen/qwen3-max';

type Target = 'metadata' | 'metadata_support' | 'section' | 'all';

type Expectation =
  | {
      outcome: 'recovers';
      /** metadata_support: 0 unless the row says otherwise. */
      retries: { metadata: number; metadata_support?: number; sections: number[] };
      models?: { metadata?: string; metadata_support?: string; sections?: string[] };
      /** Outcome recorded in the ledger for the failed first attempt (none when repaired without a retry). */
      ledgerFailure?: ErrorType;
    }
  | {
      outcome: 'fails';
      type: ErrorType;
      phase: 'generate_metadata' | 'generate_sections';
      /** Calls to the faulty target (3 attempts when retryable, 1 when not). */
      targetCalls: number;
      /** For SECTION_GENERATION_FAILED: the section's own failure type named in the message. */
      causeType?: ErrorType;
    };

interface Row {
  name: string;
  fault: Omit<FaultRule, 'match' | 'callKind'>;
  target: Target;
  expect: Expectation;
}

const ROWS: Row[] = [
  {
    name: '429 with Retry-After 2 s, once',
    fault: { kind: 'rate_limit', retryAfterSeconds: 2, times: 1 },
    target: 'section',
    expect: { outcome: 'recovers', retries: { metadata: 0, sections: [1, 0] }, models: { sections: [S2, S1] }, ledgerFailure: ErrorType.LLM_RATE_LIMITED },
  },
  {
    name: '429 with retry-after-ms, every time',
    fault: { kind: 'rate_limit', retryAfterMs: 300 },
    target: 'metadata',
    expect: { outcome: 'fails', type: ErrorType.LLM_RATE_LIMITED, phase: 'generate_metadata', targetCalls: 3 },
  },
  {
    name: '500, once',
    fault: { kind: 'server_error', times: 1 },
    target: 'metadata',
    expect: { outcome: 'recovers', retries: { metadata: 1, sections: [0, 0] }, models: { metadata: M2 }, ledgerFailure: ErrorType.LLM_UNAVAILABLE },
  },
  {
    name: '500, every time',
    fault: { kind: 'server_error' },
    target: 'section',
    expect: { outcome: 'fails', type: ErrorType.SECTION_GENERATION_FAILED, phase: 'generate_sections', targetCalls: 3, causeType: ErrorType.LLM_UNAVAILABLE },
  },
  {
    name: 'hang past the timeout, once',
    fault: { kind: 'hang', times: 1 },
    target: 'section',
    expect: { outcome: 'recovers', retries: { metadata: 0, sections: [1, 0] }, models: { sections: [S2, S1] }, ledgerFailure: ErrorType.LLM_TIMEOUT },
  },
  {
    name: 'hang past the timeout, every time',
    fault: { kind: 'hang' },
    target: 'metadata',
    expect: { outcome: 'fails', type: ErrorType.LLM_TIMEOUT, phase: 'generate_metadata', targetCalls: 3 },
  },
  {
    name: 'truncated JSON, once',
    fault: { kind: 'truncated_json', times: 1 },
    target: 'section',
    expect: { outcome: 'recovers', retries: { metadata: 0, sections: [1, 0] }, models: { sections: [S2, S1] }, ledgerFailure: ErrorType.LLM_OUTPUT_INVALID },
  },
  {
    name: 'truncated JSON, every time',
    fault: { kind: 'truncated_json' },
    target: 'metadata',
    expect: { outcome: 'fails', type: ErrorType.LLM_OUTPUT_INVALID, phase: 'generate_metadata', targetCalls: 3 },
  },
  {
    name: 'fenced JSON on every call (repaired, no retry)',
    fault: { kind: 'fenced_json' },
    target: 'all',
    expect: { outcome: 'recovers', retries: { metadata: 0, sections: [0, 0] }, models: { metadata: M1, sections: [S1, S1] } },
  },
  {
    name: 'schema-invalid JSON, once',
    fault: { kind: 'schema_invalid', times: 1 },
    target: 'metadata',
    expect: { outcome: 'recovers', retries: { metadata: 1, sections: [0, 0] }, models: { metadata: M2 }, ledgerFailure: ErrorType.LLM_OUTPUT_INVALID },
  },
  {
    name: 'schema-invalid JSON, every time',
    fault: { kind: 'schema_invalid' },
    target: 'section',
    expect: { outcome: 'fails', type: ErrorType.SECTION_GENERATION_FAILED, phase: 'generate_sections', targetCalls: 3, causeType: ErrorType.LLM_OUTPUT_INVALID },
  },
  {
    name: 'placeholder text, once',
    fault: { kind: 'placeholder', times: 1 },
    target: 'section',
    expect: { outcome: 'recovers', retries: { metadata: 0, sections: [1, 0] }, models: { sections: [S2, S1] }, ledgerFailure: ErrorType.LLM_OUTPUT_INVALID },
  },
  {
    name: '500 on the support metadata, once',
    fault: { kind: 'server_error', times: 1 },
    target: 'metadata_support',
    expect: {
      outcome: 'recovers',
      retries: { metadata: 0, metadata_support: 1, sections: [0, 0] },
      models: { metadata: M1, metadata_support: MS2 },
      ledgerFailure: ErrorType.LLM_UNAVAILABLE,
    },
  },
  {
    name: 'schema-invalid support metadata, every time',
    fault: { kind: 'schema_invalid' },
    target: 'metadata_support',
    expect: { outcome: 'fails', type: ErrorType.LLM_OUTPUT_INVALID, phase: 'generate_metadata', targetCalls: 3 },
  },
  {
    name: '401 on metadata',
    fault: { kind: 'unauthorized' },
    target: 'metadata',
    expect: { outcome: 'fails', type: ErrorType.LLM_AUTH, phase: 'generate_metadata', targetCalls: 1 },
  },
  {
    name: '401 on a section',
    fault: { kind: 'unauthorized' },
    target: 'section',
    expect: { outcome: 'fails', type: ErrorType.SECTION_GENERATION_FAILED, phase: 'generate_sections', targetCalls: 1, causeType: ErrorType.LLM_AUTH },
  },
];

jest.setTimeout(240_000);

let run: WorkerProcessRun;
let worker: WorkerProcess;

beforeAll(async () => {
  run = await startWorkerProcessRun({
    taskQueuePrefix: 'chaos-matrix',
    apiKey: 'chaos-matrix-key-not-secret',
    simulator: { latencyMs: { metadata: 150, section: 250 } },
    settings: {
      LLM_METADATA_TIMEOUT_MS: String(LLM_TIMEOUT_MS),
      LLM_SECTION_TIMEOUT_MS: String(LLM_TIMEOUT_MS),
      HEARTBEAT_TIMEOUT_MS: '5000',
      SECTION_GROUP_DELAY_MS: '200',
      METADATA_ROUTING: 'hybrid',
    },
  });
  worker = await run.spawn();
});

afterAll(() => run?.stop());

const SCHEMA_OF = { metadata: METADATA_CRITICAL_SCHEMA_NAME, metadata_support: METADATA_SUPPORT_SCHEMA_NAME };

interface Prepared {
  row: Row;
  marker: string;
  input: GenerationJobInput;
  rule: FaultRule;
}

function prepare(row: Row, index: number): Prepared {
  const marker = `FM${index + 1}x${randomBytes(3).toString('hex')}`;
  const input = exampleInput({ sections: 2 });
  input.frontend_parameters.course_title = `Matrix ${marker}: ${input.frontend_parameters.course_title}`;
  const first = input.analysis_result.recommended_structure.sections_breakdown[0];
  first.area = `${first.area} ${marker}`;
  const rule: FaultRule =
    row.target === 'metadata' || row.target === 'metadata_support'
      ? { ...row.fault, callKind: 'metadata', schema: SCHEMA_OF[row.target], match: marker }
      : row.target === 'section'
        ? { ...row.fault, callKind: 'section', match: `Working title: ${first.area}` }
        : { ...row.fault, match: marker };
  return { row, marker, input, rule };
}

interface RowOutcome {
  prepared: Prepared;
  result?: GenerationResult;
  failure?: { type: string; message: string };
  elapsedMs: number;
}

async function runRow(prepared: Prepared): Promise<RowOutcome> {
  const started = Date.now();
  const { handle } = await startCourseGeneration(run.client, prepared.input, { taskQueue: run.env.TEMPORAL_TASK_QUEUE });
  const deadline = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`row "${prepared.row.name}" still running after ${ROW_DEADLINE_MS} ms`)), ROW_DEADLINE_MS).unref(),
  );
  try {
    const result = (await Promise.race([handle.result(), deadline])) as GenerationResult;
    return { prepared, result, elapsedMs: Date.now() - started };
  } catch (error) {
    if (/still running/.test(String(error))) throw error;
    return { prepared, failure: describeFailure(error), elapsedMs: Date.now() - started };
  }
}

test('every LLM fault either recovers with the retry visible in the metadata, or fails with its named type', async () => {
  const prepared = ROWS.map(prepare);
  run.sim.configure({ faults: prepared.map((p) => p.rule) });
  run.sim.resetStats();
  const outcomes = await Promise.all(prepared.map(runRow));
  const calls = run.sim.stats().calls;
  const { databaseUrl } = testStackEnv();

  const lines: string[] = [];
  for (const { prepared: p, result, failure, elapsedMs } of outcomes) {
    const { row, input, marker } = p;
    const mine = calls.filter((c) => c.courseTitle?.includes(marker));
    const target = (c: CallRecord) =>
      row.target === 'metadata' || row.target === 'metadata_support'
        ? c.schema === SCHEMA_OF[row.target]
        : row.target === 'section'
          ? c.sectionTitle?.includes(marker)
          : true;
    const { course, ledger } = await withPg(databaseUrl, async (pg) => ({
      course: (await pg.query('SELECT * FROM courses WHERE course_id = $1', [input.course_id])).rows[0],
      ledger: (await pg.query('SELECT * FROM llm_calls WHERE course_id = $1 ORDER BY id', [input.course_id])).rows,
    }));
    const context = `row "${row.name}": ${failure ? `${failure.type}: ${failure.message}` : 'completed'}`;
    // Every call the provider saw is in the ledger, once.
    expect({ context, ledgerRows: ledger.length }).toEqual({ context, ledgerRows: mine.length });

    if (row.expect.outcome === 'recovers') {
      expect({ context, failure }).toEqual({ context, failure: undefined });
      const metadata = course.generation_metadata as GenerationMetadata;
      expect(course.generation_status).toBe('completed');
      expect(course.course_structure.sections).toHaveLength(2);
      expect({ context, retries: metadata.retry_count }).toEqual({ context, retries: { metadata_support: 0, ...row.expect.retries } });
      if (row.expect.models?.metadata) expect(metadata.model_used.metadata).toBe(row.expect.models.metadata);
      if (row.expect.models?.metadata_support) expect(metadata.model_used.metadata_support).toBe(row.expect.models.metadata_support);
      if (row.expect.models?.sections) expect(metadata.model_used.per_section).toEqual(row.expect.models.sections);
      const failedRows = ledger.filter((r) => r.outcome !== 'ok');
      if (row.expect.ledgerFailure) {
        expect({ context, failed: failedRows.map((r) => [r.outcome, r.attempt]) }).toEqual({
          context,
          failed: [[row.expect.ledgerFailure, 1]],
        });
        expect(metadata.llm_calls).toEqual({ total: ledger.length, failed: 1 });
      } else {
        expect(failedRows).toHaveLength(0);
        // Both metadata halves and the two sections.
        expect(mine.filter((c) => c.fault === row.fault.kind)).toHaveLength(4);
      }
      if (row.fault.retryAfterSeconds !== undefined) {
        // The retry waited at least what the provider asked for.
        const [limited, retried] = mine.filter(target);
        expect(limited.status).toBe(429);
        expect(retried.startedAt - limited.endedAt!).toBeGreaterThanOrEqual(row.fault.retryAfterSeconds * 1000);
      }
      expect(result?.generation_metadata.run_id).toBe(course.run_id);
      lines.push(`${row.name}: recovered in ${elapsedMs} ms, retries ${JSON.stringify(metadata.retry_count)}, models ${metadata.model_used.metadata} / ${metadata.model_used.per_section.join(',')}`);
    } else {
      expect({ context, type: failure?.type }).toEqual({ context, type: row.expect.type });
      if (row.expect.causeType) expect(failure?.message).toContain(row.expect.causeType);
      // A failed course row naming phase and type; never a (partial) structure.
      expect(course).toMatchObject({ generation_status: 'failed', failed_phase: row.expect.phase, error_type: row.expect.type });
      expect(course.course_structure).toBeNull();
      expect({ context, targetCalls: mine.filter(target).length }).toEqual({ context, targetCalls: row.expect.targetCalls });
      if (row.expect.phase === 'generate_metadata') {
        expect(mine.filter((c) => c.kind === 'section')).toHaveLength(0);
        // The other half was asked once (answered, or cancelled once the run gave up): never retried for this fault.
        const other = row.target === 'metadata_support' ? METADATA_CRITICAL_SCHEMA_NAME : METADATA_SUPPORT_SCHEMA_NAME;
        expect({ context, otherHalfCalls: mine.filter((c) => c.schema === other).length }).toEqual({ context, otherHalfCalls: 1 });
      }
      lines.push(`${row.name}: failed in ${elapsedMs} ms with ${failure?.type} after ${mine.filter(target).length} call(s)`);
    }
  }
  report('LLM fault matrix', { rows: ROWS.length, outcomes: lines });
});
