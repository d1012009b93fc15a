// Real activities against the simulator's fault injection: escalation on invalid output, Retry-After honoured,
// repair of sloppy JSON, error isolation of a section that never succeeds, and the ledger counting every call.
import { ErrorType } from '../../workflows/types';
import { exampleInput } from '../fixtures/example-input';
import { usePipeline, type Pipeline } from '../support/pipeline';

const context = usePipeline();

/** A small course (3 sections of 6 lessons) keeps each case short; the workflow path is the same. */
function smallCourse() {
  return exampleInput({ sections: 3 });
}

function faults(rules: Parameters<Pipeline['sim']['configure']>[0]['faults']) {
  context.pipeline.sim.configure({ faults: rules });
  context.pipeline.sim.resetStats();
}

test('schema-invalid JSON from the tier-1 model: that section succeeds on tier 2 and the metadata says so', async () => {
  const input = smallCourse();
  faults([{ kind: 'schema_invalid', model: 'openai/gpt-oss-120b', match: 'Working title: Prospecting and Account Research' }]);
  const { exitCode, json, stderr } = await context.pipeline.generate(input);
  expect(stderr).not.toContain('Generation failed');
  expect(exitCode).toBe(0);
  const metadata = json.generation_metadata;
  expect(metadata.model_used.per_section).toEqual(['openai/gpt-oss-120b', 'qwen/qwen3-max', 'openai/gpt-oss-120b']);
  expect(metadata.retry_count.sections).toEqual([0, 1, 0]);
  expect(metadata.llm_calls).toEqual({ total: 5, failed: 1 });
  const ledger = await context.pipeline.stores.ledger.ofRun(json.run_id);
  const failed = ledger.filter((row) => row.outcome !== 'ok');
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({ outcome: ErrorType.LLM_OUTPUT_INVALID, sectionIndex: 1, attempt: 1, model: 'openai/gpt-oss-120b' });
  // The failed attempt's tokens are part of what the course cost.
  expect(failed[0].completionTokens).toBeGreaterThan(0);
  expect(metadata.total_tokens.total).toBe(context.pipeline.sim.stats().totalTokens);
});

test('429 with Retry-After: the next attempt waits at least that long', async () => {
  const input = smallCourse();
  faults([{ kind: 'rate_limit', callKind: 'section', match: 'Working title: Foundations', retryAfterSeconds: 3, times: 1 }]);
  const { exitCode, json } = await context.pipeline.generate(input);
  expect(exitCode).toBe(0);
  const calls = context.pipeline.sim.stats().calls.filter((c) => c.sectionTitle?.startsWith('Foundations'));
  expect(calls.map((c) => c.status)).toEqual([429, 200]);
  expect(calls[1].startedAt - calls[0].endedAt!).toBeGreaterThanOrEqual(3000);
  const ledger = await context.pipeline.stores.ledger.ofRun(json.run_id);
  expect(ledger.find((row) => row.outcome === ErrorType.LLM_RATE_LIMITED)).toMatchObject({ sectionIndex: 0, attempt: 1 });
});

test('fenced JSON, trailing commas and camelCase field names are repaired without a retry', async () => {
  const input = smallCourse();
  faults([
    { kind: 'fenced_json', match: 'Working title: Foundations' },
    { kind: 'trailing_comma', match: 'Working title: Prospecting' },
    { kind: 'renamed_fields', match: 'Working title: Discovery' },
  ]);
  const { exitCode, json } = await context.pipeline.generate(input);
  expect(exitCode).toBe(0);
  expect(json.generation_metadata.retry_count.sections).toEqual([0, 0, 0]);
  expect(context.pipeline.sim.stats().faultsInjected).toMatchObject({ fenced_json: 1, trailing_comma: 1, renamed_fields: 1 });
  expect(json.course_structure.sections[2].lessons[0].lesson_title.length).toBeGreaterThan(4);
});

test('a section that fails every attempt: siblings complete, the run fails naming it, the row says which phase', async () => {
  const input = smallCourse();
  faults([{ kind: 'truncated_json', match: 'Working title: Discovery' }]);
  const { exitCode, stderr, json } = await context.pipeline.generate(input);
  expect(exitCode).toBe(1);
  expect(stderr).toContain(ErrorType.SECTION_GENERATION_FAILED);
  expect(stderr).toContain('section 3 "Discovery Conversations That Uncover Real Needs"');
  expect(json.error.type).toBe(ErrorType.SECTION_GENERATION_FAILED);
  const sectionCalls = context.pipeline.sim.stats().calls.filter((c) => c.kind === 'section');
  // Three attempts for the broken section, one each for its two siblings, all of which answered.
  expect(sectionCalls.filter((c) => c.sectionTitle?.startsWith('Discovery')).map((c) => c.model)).toEqual([
    'openai/gpt-oss-120b',
    'qwen/qwen3-max',
    'google/gemini-2.5-flash',
  ]);
  expect(sectionCalls.filter((c) => !c.sectionTitle?.startsWith('Discovery')).every((c) => c.status === 200)).toBe(true);
  const row = await context.pipeline.stores.courses.get(input.course_id);
  expect(row).toMatchObject({ generation_status: 'failed', failed_phase: 'generate_sections', error_type: ErrorType.SECTION_GENERATION_FAILED });
  const ledger = await context.pipeline.stores.ledger.ofRun(row!.run_id);
  expect(ledger.filter((r) => r.outcome === ErrorType.LLM_OUTPUT_INVALID)).toHaveLength(3);
  expect(ledger.filter((r) => r.phase === 'section' && r.outcome === 'ok')).toHaveLength(2);
});

test('401 from the provider fails at once with LLM_AUTH and no retry', async () => {
  const input = smallCourse();
  faults([{ kind: 'unauthorized' }]);
  const { exitCode, stderr } = await context.pipeline.generate(input);
  expect(exitCode).toBe(1);
  expect(stderr).toContain(ErrorType.LLM_AUTH);
  expect(context.pipeline.sim.stats().requests).toBe(1);
  expect(stderr).not.toContain('test-key-not-secret');
});
