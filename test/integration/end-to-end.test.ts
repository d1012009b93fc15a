// The t053 example through the CLI, a real worker, the LLM simulator, PostgreSQL and the dev server.
import { CourseStructureSchema } from '../../workflows/schemas';
import { exampleInput, rawExample } from '../fixtures/example-input';
import { usePipeline } from '../support/pipeline';

// The production default: hybrid metadata routing (two metadata calls, critical and support).
const context = usePipeline({ env: { METADATA_ROUTING: 'hybrid' } });

test('generates, validates, sanitises and commits the t053 course; the ledger matches the provider exactly', async () => {
  context.pipeline.sim.resetStats();
  const input = exampleInput();
  const { exitCode, json, stderr } = await context.pipeline.generate(input);
  expect(stderr).not.toContain('Generation failed');
  expect(exitCode).toBe(0);

  const structure = CourseStructureSchema.parse(json.course_structure);
  expect(structure.sections).toHaveLength(8);
  expect(structure.sections.flatMap((s) => s.lessons)).toHaveLength(48);
  // Durations are injected from lesson_duration_minutes (15), never invented by the model.
  expect(structure.sections.flatMap((s) => s.lessons).every((l) => l.estimated_duration_minutes === 15)).toBe(true);
  expect(structure.estimated_duration_hours).toBe(12);
  expect(structure.sections[5].section_title.toLowerCase()).toContain('objection');

  const stats = context.pipeline.sim.stats();
  // Sections of a group really run concurrently, and never more than SECTION_CONCURRENCY.
  expect(stats.maxConcurrentByKind.section).toBe(4);
  expect(stats.requestsByKind).toMatchObject({ metadata: 2, section: 8 });

  const metadata = json.generation_metadata;
  expect(metadata.workflow_id).toBe(`course-generation-${input.course_id}`);
  expect(metadata.model_used.metadata).toBe('qwen/qwen3-max');
  expect(metadata.model_used.metadata_support).toBe('openai/gpt-oss-120b');
  expect(metadata.model_used.per_section).toEqual(Array(8).fill('openai/gpt-oss-120b'));
  expect(metadata.retry_count).toEqual({ metadata: 0, metadata_support: 0, sections: Array(8).fill(0) });
  expect(metadata.total_tokens.metadata + metadata.total_tokens.sections).toBe(stats.totalTokens);
  expect(metadata.total_tokens.total).toBe(stats.totalTokens);
  expect(metadata.cost_usd).toBeGreaterThan(0);
  expect(metadata.batch_count).toBe(2);
  expect(metadata.quality_backend).toBe('offline-lexical');
  expect(metadata.quality_scores.overall).toBeGreaterThanOrEqual(0.75);
  expect(metadata.quality_scores.sections_similarity).toHaveLength(8);

  const ledger = await context.pipeline.stores.ledger.ofRun(metadata.run_id);
  expect(ledger).toHaveLength(stats.requests);
  expect(ledger.every((row) => row.outcome === 'ok' && row.courseId === input.course_id)).toBe(true);
  expect(ledger.filter((row) => row.phase.startsWith('metadata')).map((row) => [row.phase, row.model]).sort()).toEqual([
    ['metadata', 'qwen/qwen3-max'],
    ['metadata_support', 'openai/gpt-oss-120b'],
  ]);
  const row = await context.pipeline.stores.courses.get(input.course_id);
  expect(row).toMatchObject({ generation_status: 'completed', run_id: metadata.run_id });
});

test('starting the same course again attaches to the finished run instead of generating it twice', async () => {
  const input = exampleInput({ sections: 2 });
  input.analysis_result.recommended_structure.sections_breakdown.forEach((s) => (s.estimated_lessons = 6));
  const first = await context.pipeline.generate(input);
  expect(first.exitCode).toBe(0);
  const requestsAfterFirst = context.pipeline.sim.stats().requests;

  const second = await context.pipeline.generate(input);
  expect(second.exitCode).toBe(0);
  expect(second.stderr).toContain('Attached to');
  expect(second.json.run_id).toBe(first.json.run_id);
  expect(context.pipeline.sim.stats().requests).toBe(requestsAfterFirst);

  const rerun = await context.pipeline.generate(input, { rerun: true });
  expect(rerun.exitCode).toBe(0);
  expect(rerun.json.run_id).not.toBe(first.json.run_id);
  const row = await context.pipeline.stores.courses.get(input.course_id);
  expect(row?.run_id).toBe(rerun.json.run_id);
});

test('an invalid input file exits 2 with a readable message and starts nothing', async () => {
  const before = context.pipeline.sim.stats().requests;
  const bad = rawExample();
  delete (bad.frontend_parameters as Record<string, unknown>).course_title;
  const invalid = await context.pipeline.generate(bad);
  expect(invalid.exitCode).toBe(2);
  expect(invalid.stderr).toContain('frontend_parameters.course_title');
  const notJson = await context.pipeline.generate('{"course_id": ');
  expect(notJson.exitCode).toBe(2);
  expect(notJson.stderr).toContain('not valid JSON');
  expect(context.pipeline.sim.stats().requests).toBe(before);
});
