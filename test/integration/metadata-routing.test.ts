// METADATA_ROUTING=hybrid (RT-001) on the real stack (LLM simulator, real activities, PostgreSQL, the dev server):
// the critical fields come from the critical ladder and the rest from the support ladder, in two calls that overlap;
// each call has its ledger row with its model, tokens and cost; a failing support call escalates on its own ladder
// without the critical call running again; both halves are reused when a failed course is started again; and
// METADATA_ROUTING=single makes the one call it always made.
import { loadPriceTable, computeCostUsd } from '../../activities/pricing';
import type { CallRecord } from '../../simulator/types';
import {
  CourseStructureSchema,
  METADATA_CRITICAL_SCHEMA_NAME,
  METADATA_SCHEMA_NAME,
  METADATA_SUPPORT_SCHEMA_NAME,
  type GenerationJobInput,
  type MetadataCriticalOutput,
  type MetadataSupportOutput,
} from '../../workflows/schemas';
import { ErrorType, type GenerationMetadata } from '../../workflows/types';
import { report } from '../support/observe';
import { exampleInput } from '../fixtures/example-input';
import { usePipeline } from '../support/pipeline';

jest.setTimeout(120_000);

const CRITICAL = 'qwen/qwen3-max';
const SUPPORT = 'openai/gpt-oss-120b';
const SUPPORT_SECOND = 'qwen/qwen3-max';

const context = usePipeline({
  env: { METADATA_ROUTING: 'hybrid' },
  // Metadata calls of 0.4 s (the seeds' 20 s × 0.02): long enough that two calls started together visibly overlap.
  simulator: { latencyMs: { metadata: 100_000 } },
});

/** Two sections of six lessons: above MIN_LESSONS, one group. */
function smallCourse(marker: string): GenerationJobInput {
  const input = exampleInput({ sections: 2 });
  input.frontend_parameters.course_title = `${marker}: ${input.frontend_parameters.course_title}`;
  input.analysis_result.recommended_structure.sections_breakdown.forEach((s) => (s.estimated_lessons = 6));
  return input;
}

const callsOf = (marker: string): CallRecord[] => context.pipeline.sim.stats().calls.filter((c) => c.courseTitle?.includes(marker));
const bySchema = (calls: CallRecord[], schema: string) => calls.filter((c) => c.schema === schema);

test('critical fields come from the critical model, the rest from the support model, in two overlapping calls', async () => {
  const { pipeline } = context;
  const input = smallCourse('HYB1');
  const { exitCode, json, stderr } = await pipeline.generate(input);
  expect(stderr).not.toContain('Generation failed');
  expect(exitCode).toBe(0);

  // At the provider: one call per half, on its own ladder's first model, running at the same time.
  const calls = callsOf('HYB1');
  const [critical] = bySchema(calls, METADATA_CRITICAL_SCHEMA_NAME);
  const [support] = bySchema(calls, METADATA_SUPPORT_SCHEMA_NAME);
  expect(calls.filter((c) => c.kind === 'metadata').map((c) => [c.schema, c.model]).sort()).toEqual([
    [METADATA_CRITICAL_SCHEMA_NAME, CRITICAL],
    [METADATA_SUPPORT_SCHEMA_NAME, SUPPORT],
  ]);
  expect(bySchema(calls, METADATA_SCHEMA_NAME)).toHaveLength(0);
  expect(critical.startedAt).toBeLessThan(support.endedAt!);
  expect(support.startedAt).toBeLessThan(critical.endedAt!);

  // The committed course: each field from the half that owns it.
  const runId = json.run_id as string;
  const criticalAnswer = await pipeline.stores.artifacts.load<MetadataCriticalOutput>({ runId, kind: 'metadata_critical' });
  const supportAnswer = await pipeline.stores.artifacts.load<MetadataSupportOutput>({ runId, kind: 'metadata_support' });
  const structure = CourseStructureSchema.parse(json.course_structure);
  expect({
    course_title: structure.course_title,
    course_description: structure.course_description,
    learning_outcomes: structure.learning_outcomes.map((o) => o.text),
  }).toEqual(criticalAnswer);
  expect({
    course_overview: structure.course_overview,
    target_audience: structure.target_audience,
    difficulty_level: structure.difficulty_level,
    prerequisites: structure.prerequisites,
    course_tags: structure.course_tags,
  }).toEqual(supportAnswer);

  // The ledger: one row per call, with its purpose, model, tokens and cost (this model's price × its tokens).
  const prices = loadPriceTable(pipeline.config.llm.pricesFile);
  const ledger = await pipeline.stores.ledger.ofRun(runId);
  const metadataRows = ledger.filter((r) => r.phase.startsWith('metadata'));
  expect(metadataRows.map((r) => [r.phase, r.model, r.outcome]).sort()).toEqual([
    ['metadata', CRITICAL, 'ok'],
    ['metadata_support', SUPPORT, 'ok'],
  ]);
  for (const row of metadataRows) {
    const call = row.phase === 'metadata' ? critical : support;
    expect([row.promptTokens, row.completionTokens]).toEqual([call.promptTokens, call.completionTokens]);
    expect(row.costUsd).toBeGreaterThan(0);
    expect(row.costUsd).toBeCloseTo(computeCostUsd(prices, row.model, row.promptTokens, row.completionTokens).costUsd, 8);
  }
  const metadata = json.generation_metadata as GenerationMetadata;
  expect(metadata.model_used).toMatchObject({ metadata: CRITICAL, metadata_support: SUPPORT });
  expect(metadata.retry_count).toEqual({ metadata: 0, metadata_support: 0, sections: [0, 0] });
  const tokens = (rows: typeof ledger) => rows.reduce((sum, r) => sum + r.promptTokens + r.completionTokens, 0);
  expect(metadata.total_tokens.metadata).toBe(tokens(metadataRows));
  expect(metadata.total_tokens.total).toBe(calls.reduce((sum, c) => sum + c.promptTokens + c.completionTokens, 0));
  expect(metadata.llm_calls).toEqual({ total: calls.length, failed: 0 });
  report('hybrid metadata of a two-section course', {
    calls: metadataRows.map((r) => `${r.phase}: ${r.model}, ${r.promptTokens + r.completionTokens} tokens, $${r.costUsd}`),
  });
});

test('a failing support call escalates on its own ladder; the critical call is not run again', async () => {
  const { pipeline } = context;
  const input = smallCourse('HYB2');
  pipeline.sim.configure({ faults: [{ kind: 'server_error', schema: METADATA_SUPPORT_SCHEMA_NAME, match: 'HYB2', times: 1 }] });
  try {
    const { exitCode, json } = await pipeline.generate(input);
    expect(exitCode).toBe(0);
    const calls = callsOf('HYB2');
    expect(bySchema(calls, METADATA_CRITICAL_SCHEMA_NAME).map((c) => [c.model, c.status])).toEqual([[CRITICAL, 200]]);
    expect(bySchema(calls, METADATA_SUPPORT_SCHEMA_NAME).map((c) => [c.model, c.status])).toEqual([
      [SUPPORT, 500],
      [SUPPORT_SECOND, 200],
    ]);
    const ledger = await pipeline.stores.ledger.ofRun(json.run_id);
    expect(ledger.filter((r) => r.phase.startsWith('metadata')).map((r) => [r.phase, r.attempt, r.model, r.outcome])).toEqual(
      expect.arrayContaining([
        ['metadata', 1, CRITICAL, 'ok'],
        ['metadata_support', 1, SUPPORT, ErrorType.LLM_UNAVAILABLE],
        ['metadata_support', 2, SUPPORT_SECOND, 'ok'],
      ]),
    );
    expect(ledger.filter((r) => r.phase.startsWith('metadata'))).toHaveLength(3);
    const metadata = json.generation_metadata as GenerationMetadata;
    expect(metadata.retry_count).toMatchObject({ metadata: 0, metadata_support: 1 });
    expect(metadata.model_used).toMatchObject({ metadata: CRITICAL, metadata_support: SUPPORT_SECOND });
    expect(metadata.llm_calls).toEqual({ total: ledger.length, failed: 1 });
  } finally {
    pipeline.sim.configure({ faults: [] });
  }
});

test('a failed course started again reuses both metadata halves', async () => {
  const { pipeline } = context;
  const input = smallCourse('HYB3');
  const firstArea = input.analysis_result.recommended_structure.sections_breakdown[0].area;
  pipeline.sim.configure({ faults: [{ kind: 'unauthorized', callKind: 'section', match: `Working title: ${firstArea}` }] });
  let firstRunId: string;
  try {
    const first = await pipeline.generate(input);
    expect(first.exitCode).toBe(1);
    expect(first.stderr).toContain(ErrorType.SECTION_GENERATION_FAILED);
    firstRunId = (await pipeline.stores.courses.get(input.course_id))!.run_id;
  } finally {
    pipeline.sim.configure({ faults: [] });
  }
  const before = callsOf('HYB3').length;
  const second = await pipeline.generate(input);
  expect(second.exitCode).toBe(0);
  const newCalls = callsOf('HYB3').slice(before);
  expect(newCalls.filter((c) => c.kind === 'metadata')).toHaveLength(0);
  const metadata = second.json.generation_metadata as GenerationMetadata;
  expect(metadata.reused).toEqual(
    expect.arrayContaining([
      { section_number: null, from_run_id: firstRunId, model: CRITICAL, part: 'critical' },
      { section_number: null, from_run_id: firstRunId, model: SUPPORT, part: 'support' },
    ]),
  );
  const ledger = await pipeline.stores.ledger.ofRun(second.json.run_id);
  expect(ledger.filter((r) => r.outcome === 'reused' && r.sectionIndex === null).map((r) => r.phase).sort()).toEqual(['metadata', 'metadata_support']);
});

test('METADATA_ROUTING=single makes one metadata call on the metadata ladder', async () => {
  const { pipeline } = context;
  const input = smallCourse('HYB4');
  const { exitCode, json } = await pipeline.generate(input, { overrides: { metadataRouting: 'single' } });
  expect(exitCode).toBe(0);
  const metadataCalls = callsOf('HYB4').filter((c) => c.kind === 'metadata');
  expect(metadataCalls.map((c) => [c.schema, c.model])).toEqual([[METADATA_SCHEMA_NAME, CRITICAL]]);
  const ledger = await pipeline.stores.ledger.ofRun(json.run_id);
  expect(ledger.filter((r) => r.phase.startsWith('metadata')).map((r) => r.phase)).toEqual(['metadata']);
  const metadata = json.generation_metadata as GenerationMetadata;
  expect(metadata.model_used.metadata_support).toBeUndefined();
  expect(metadata.retry_count).toEqual({ metadata: 0, sections: [0, 0] });
});
