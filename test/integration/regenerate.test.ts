// Regenerating a section of a finished course (revision workflow, update-with-start) and of a running one
// (an Update on the generation run, applied once the course is committed).
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { regenerateCommand } from '../../client/commands/regenerate';
import { startCourseGeneration } from '../../client/start';
import { regenerateSectionUpdate } from '../../workflows/messages';
import { exampleInput } from '../fixtures/example-input';
import { captureStream, usePipeline } from '../support/pipeline';

const context = usePipeline();


async function regenerate(course: string, section: number, model?: string) {
  const out = captureStream();
  const err = captureStream();
  const exitCode = await regenerateCommand({ course, section, model, json: true, config: context.pipeline.clientConfig, stdout: out.stream, stderr: err.stream });
  return { exitCode, json: out.text() ? JSON.parse(out.text()) : null, stderr: err.text() };
}

function smallCourse() {
  const input = exampleInput({ sections: 2 });
  return input;
}

test('a finished course: the section is rewritten by the next model and the row records it in one commit', async () => {
  const input = smallCourse();
  const first = await context.pipeline.generate(input);
  expect(first.exitCode).toBe(0);
  const before = await context.pipeline.stores.courses.get(input.course_id);
  const requestsBefore = context.pipeline.sim.stats().requestsByKind.section;

  const result = await regenerate(input.course_id, 2);
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  expect(result.json).toMatchObject({ section_number: 2, model: 'qwen/qwen3-max', workflow_id: `course-revision-${input.course_id}` });
  expect(context.pipeline.sim.stats().requestsByKind.section).toBe(requestsBefore + 1);

  const after = await context.pipeline.stores.courses.get(input.course_id);
  const metadata = after!.generation_metadata as any;
  expect(metadata.model_used.per_section).toEqual(['openai/gpt-oss-120b', 'qwen/qwen3-max']);
  expect(metadata.regenerations).toHaveLength(1);
  expect(metadata.cost_usd).toBeGreaterThan((before!.generation_metadata as any).cost_usd);
  expect((after!.course_structure as any).sections[0]).toEqual((before!.course_structure as any).sections[0]);
  expect((after!.course_structure as any).sections[1].lessons.every((l: any) => l.estimated_duration_minutes === 15)).toBe(true);

  const chosen = await regenerate(input.course_id, 1, 'google/gemini-2.5-flash');
  expect(chosen.exitCode).toBe(0);
  expect(chosen.json.model).toBe('google/gemini-2.5-flash');
  const final = (await context.pipeline.stores.courses.get(input.course_id))!.generation_metadata as any;
  expect(final.model_used.per_section).toEqual(['google/gemini-2.5-flash', 'qwen/qwen3-max']);
  expect(final.regenerations.map((r: any) => r.section_number)).toEqual([2, 1]);
});

test('an out-of-range section is rejected with a clear message before any LLM call', async () => {
  const input = smallCourse();
  expect((await context.pipeline.generate(input)).exitCode).toBe(0);
  const requests = context.pipeline.sim.stats().requests;
  const result = await regenerate(input.course_id, 3);
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toContain('Section 3 is out of range: course');
  expect(result.stderr).toContain('sections 1 to 2');
  const unknown = await regenerate('00000000-0000-4000-8000-000000000000', 1);
  expect(unknown.exitCode).toBe(2);
  expect(context.pipeline.sim.stats().requests).toBe(requests);
});

test('a running course takes the request as an Update, validated on arrival and applied after the commit', async () => {
  const input = smallCourse();
  context.pipeline.sim.configure({ timeFactor: 0.02 });
  try {
    const { handle } = await startCourseGeneration(context.harness.client, input, { taskQueue: context.pipeline.clientConfig.taskQueue });
    await expect(handle.executeUpdate(regenerateSectionUpdate, { args: [{ section_number: 7 }] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    const update = handle.executeUpdate(regenerateSectionUpdate, { args: [{ section_number: 1 }] });
    const [outcome, regenerated] = await Promise.all([handle.result(), update]);
    expect(regenerated).toMatchObject({ section_number: 1, model: 'qwen/qwen3-max', workflow_id: handle.workflowId });
    const row = await context.pipeline.stores.courses.get(input.course_id);
    expect(row!.run_id).toBe(outcome.run_id);
    expect((row!.generation_metadata as any).regenerations).toHaveLength(1);
    expect((row!.generation_metadata as any).model_used.per_section[0]).toBe('qwen/qwen3-max');
  } finally {
    context.pipeline.sim.configure({ timeFactor: 0.004 });
  }
});
