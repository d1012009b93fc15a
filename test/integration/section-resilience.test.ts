// Never throw a course away, on the real stack (LLM simulator, real activities, PostgreSQL, the dev server):
// an off-topic section is repaired by the next model; a provider outage of one section longer than the retry
// policy ends in a completed course after a patience round; operators retry now or give up; a failed course
// started again pays only for the sections that failed. Calls are counted at the simulator.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { RunReport } from '../../client/commands/run-report';
import { statusCommand } from '../../client/commands/status';
import { waitingCommand } from '../../client/commands/waiting';
import type { FaultRule } from '../../simulator/types';
import { getProgressQuery } from '../../workflows/messages';
import type { GenerationJobInput } from '../../workflows/schemas';
import { CoursePhaseKey } from '../../workflows/search-attributes';
import { courseWorkflowId, ErrorType, WAITING_PHASE, type GenerationMetadata } from '../../workflows/types';
import { report, waitFor } from '../support/observe';
import { exampleInput } from '../fixtures/example-input';
import { createHarness, type Harness } from '../support/harness';
import { runOperatorCommand, startPipeline, type Pipeline } from '../support/pipeline';

jest.setTimeout(120_000);

const TIER_1 = 'openai/gpt-oss-120b';
const TIER_2 = 'qwen/qwen3-max';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(async () => {
  await harness?.close();
});

/** A small course: 3 sections of 4 lessons, so one group and a short run. */
function smallCourse(): GenerationJobInput {
  const input = exampleInput({ sections: 3 });
  input.analysis_result.recommended_structure.sections_breakdown.forEach((s) => (s.estimated_lessons = 4));
  return input;
}

const area = (input: GenerationJobInput, index: number) => input.analysis_result.recommended_structure.sections_breakdown[index].area;
const outage = (input: GenerationJobInput, index: number): FaultRule => ({ kind: 'server_error', match: `Working title: ${area(input, index)}` });

/** Section calls the simulator answered (or refused), per section number, for this course. */
function sectionCalls(pipeline: Pipeline, input: GenerationJobInput): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const call of pipeline.sim.stats().calls) {
    if (call.kind !== 'section') continue;
    const index = input.analysis_result.recommended_structure.sections_breakdown.findIndex((p) => p.area === call.sectionTitle);
    counts[index + 1] = (counts[index + 1] ?? 0) + 1;
  }
  return counts;
}

async function waitingSection(input: GenerationJobInput, sectionNumber: number) {
  const handle = harness.client.workflow.getHandle(courseWorkflowId(input.course_id));
  return waitFor(
    `section ${sectionNumber} waiting for its provider`,
    async () => {
      const progress = await handle.query(getProgressQuery);
      return progress.sections[sectionNumber - 1]?.status === 'waiting' ? progress : null;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

test('an off-topic section is repaired by the next model and the course completes', async () => {
  const input = smallCourse();
  const pipeline = await startPipeline(harness, {
    simulator: { faults: [{ kind: 'off_topic', model: TIER_1, match: `Working title: ${area(input, 1)}` }] },
    env: { SECTION_PATIENCE: 'off' },
  });
  try {
    const { exitCode, json, stderr } = await pipeline.generate(input, { overrides: { minLessons: 1 } });
    expect(stderr).not.toContain('Generation failed');
    expect(exitCode).toBe(0);
    const metadata = json.generation_metadata as GenerationMetadata;
    expect(metadata.repairs).toHaveLength(1);
    const [repair] = metadata.repairs!;
    expect(repair).toMatchObject({ section_number: 2, round: 1, reason: 'quality', model_before: TIER_1, model: TIER_2 });
    expect(repair.before).toBeLessThan(0.75);
    expect(repair.after).toBeGreaterThanOrEqual(0.75);
    expect(metadata.model_used.per_section).toEqual([TIER_1, TIER_2, TIER_1]);
    expect(metadata.quality_scores.sections_similarity.every((s) => s >= 0.75)).toBe(true);
    // Three sections and one repair: four section calls, the repair by the tier-2 model.
    expect(sectionCalls(pipeline, input)).toEqual({ 1: 1, 2: 2, 3: 1 });
    const sectionModels = pipeline.sim.stats().calls.filter((c) => c.kind === 'section').map((c) => c.model);
    expect(sectionModels.filter((m) => m === TIER_2)).toHaveLength(1);
    expect(pipeline.sim.stats().faultsInjected.off_topic).toBe(1);
    report('off-topic section repaired', { sectionCalls: sectionCalls(pipeline, input), repair });
  } finally {
    await pipeline.close();
  }
});

test('a provider outage of one section outlasting the retry policy ends completed after a patience round; siblings ran once', async () => {
  const input = smallCourse();
  // Two waits of 2 s: long enough to see the wait and end the outage during it, short enough for a test.
  const pipeline = await startPipeline(harness, { simulator: { faults: [outage(input, 1)] }, env: { SECTION_PATIENCE: '2s,2s' } });
  try {
    const started = Date.now();
    const run = pipeline.generate(input, { overrides: { minLessons: 1 } });
    const progress = await waitingSection(input, 2);
    const waitingSeenAt = Date.now();
    // The run says it waits everywhere an operator looks: query, status, search attribute.
    expect(progress.sections[1]).toMatchObject({ status: 'waiting', roundsLeft: 1, roundsTotal: 2 });
    expect(progress.sections[1].error).toContain(ErrorType.LLM_UNAVAILABLE);
    const status = await runOperatorCommand(statusCommand, { course: input.course_id, json: true }, pipeline.clientConfig);
    const statusReport = JSON.parse(status.stdout) as RunReport;
    expect(statusReport.sections.list[1]).toMatchObject({ status: 'waiting', rounds_left: 1, rounds_total: 2 });
    expect(statusReport.sections.waiting).toBe(1);
    const description = await harness.client.workflow.getHandle(courseWorkflowId(input.course_id)).describe();
    expect(description.typedSearchAttributes.get(CoursePhaseKey)).toBe(WAITING_PHASE);
    // The provider comes back.
    pipeline.sim.configure({ faults: [] });

    const { exitCode, json } = await run;
    expect(exitCode).toBe(0);
    const metadata = json.generation_metadata as GenerationMetadata;
    expect(metadata.patience!.length).toBeGreaterThanOrEqual(1);
    expect(metadata.patience!.at(-1)).toMatchObject({ section_number: 2, ended_by: 'timer', outcome: 'generated' });
    const calls = sectionCalls(pipeline, input);
    // Siblings generated once; section 2: its ladder of three failed, then one answer after the wait.
    expect(calls[1]).toBe(1);
    expect(calls[3]).toBe(1);
    expect(calls[2]).toBe(3 * metadata.patience!.length + 1);
    report('outage outlasting the retry policy', {
      sectionCalls: calls,
      waits: metadata.patience,
      retryPolicyUntilWaitMs: waitingSeenAt - started,
      totalMs: Date.now() - started,
    });
  } finally {
    await pipeline.close();
  }
});

test('retrySectionsNow and useModel end a long wait at once; giveUp fails the run with the current cause', async () => {
  // Ten minutes of patience: a run that finishes within the test did not wait for the timer.
  const pipeline = await startPipeline(harness, { env: { SECTION_PATIENCE: '10m' } });
  try {
    const retried = smallCourse();
    pipeline.sim.configure({ faults: [outage(retried, 2)] });
    let started = Date.now();
    let run = pipeline.generate(retried, { overrides: { minLessons: 1 } });
    await waitingSection(retried, 3);
    pipeline.sim.configure({ faults: [] });
    const retry = await runOperatorCommand(waitingCommand, { course: retried.course_id, retryNow: true, json: true }, pipeline.clientConfig);
    expect(retry.code).toBe(0);
    expect(JSON.parse(retry.stdout).sections).toEqual([3]);
    const completed = await run;
    expect(completed.exitCode).toBe(0);
    const retryMs = Date.now() - started;
    expect((completed.json.generation_metadata as GenerationMetadata).patience).toEqual([
      expect.objectContaining({ section_number: 3, ended_by: 'retry_now', outcome: 'generated' }),
    ]);
    // Nothing waits any more (the run is closed): the command says so and exits 1.
    const none = await runOperatorCommand(waitingCommand, { course: retried.course_id, retryNow: true }, pipeline.clientConfig);
    expect(none.code).toBe(1);

    // useModel: the section's whole ladder is down, another model is not.
    const switched = smallCourse();
    pipeline.sim.resetStats();
    pipeline.sim.configure({
      faults: [TIER_1, TIER_2, 'google/gemini-2.5-flash'].map((model) => ({ ...outage(switched, 1), model })),
    });
    started = Date.now();
    run = pipeline.generate(switched, { overrides: { minLessons: 1 } });
    await waitingSection(switched, 2);
    const use = await runOperatorCommand(waitingCommand, { course: switched.course_id, useModel: 'anthropic/claude-sonnet-4' }, pipeline.clientConfig);
    expect(use.code).toBe(0);
    const switchedRun = await run;
    expect(switchedRun.exitCode).toBe(0);
    const switchedMetadata = switchedRun.json.generation_metadata as GenerationMetadata;
    expect(switchedMetadata.model_used.per_section[1]).toBe('anthropic/claude-sonnet-4');
    expect(switchedMetadata.patience).toEqual([expect.objectContaining({ section_number: 2, ended_by: 'use_model', outcome: 'generated' })]);
    expect(pipeline.sim.stats().requestsByModel['anthropic/claude-sonnet-4']).toBe(1);
    const useModelMs = Date.now() - started;

    const abandoned = smallCourse();
    pipeline.sim.resetStats();
    pipeline.sim.configure({ faults: [outage(abandoned, 0)] });
    started = Date.now();
    run = pipeline.generate(abandoned, { overrides: { minLessons: 1 } });
    await waitingSection(abandoned, 1);
    const giveUp = await runOperatorCommand(waitingCommand, { course: abandoned.course_id, giveUp: true }, pipeline.clientConfig);
    expect(giveUp.code).toBe(0);
    const failed = await run;
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain(ErrorType.SECTION_GENERATION_FAILED);
    expect(failed.stderr).toContain(ErrorType.LLM_UNAVAILABLE);
    const row = await pipeline.stores.courses.get(abandoned.course_id);
    expect(row).toMatchObject({ generation_status: 'failed', error_type: ErrorType.SECTION_GENERATION_FAILED });
    // The siblings finished; only section 1's ladder was spent, once.
    expect(sectionCalls(pipeline, abandoned)).toEqual({ 1: 3, 2: 1, 3: 1 });
    report('operator Updates on a waiting run', { retryNowRunMs: retryMs, useModelRunMs: useModelMs, giveUpRunMs: Date.now() - started, patience: '10m' });
  } finally {
    await pipeline.close();
  }
});

test('a failed course started again pays only for the sections that failed; --fresh pays for all', async () => {
  const input = smallCourse();
  const pipeline = await startPipeline(harness, { simulator: { faults: [outage(input, 1)] }, env: { SECTION_PATIENCE: 'off' } });
  try {
    const first = await pipeline.generate(input, { overrides: { minLessons: 1 } });
    expect(first.exitCode).toBe(1);
    expect(first.stderr).toContain(ErrorType.SECTION_GENERATION_FAILED);
    const firstRunId = (await pipeline.stores.courses.get(input.course_id))!.run_id;
    expect(sectionCalls(pipeline, input)).toEqual({ 1: 1, 2: 3, 3: 1 });

    pipeline.sim.configure({ faults: [] });
    pipeline.sim.resetStats();
    const second = await pipeline.generate(input, { overrides: { minLessons: 1 } });
    expect(second.exitCode).toBe(0);
    // Exactly the failed section was paid for; the metadata and sections 1 and 3 came from the first run.
    expect(sectionCalls(pipeline, input)).toEqual({ 2: 1 });
    expect(pipeline.sim.stats().requestsByKind.metadata ?? 0).toBe(0);
    expect(pipeline.sim.stats().requests).toBe(1);
    const metadata = second.json.generation_metadata as GenerationMetadata;
    expect(metadata.reused).toEqual([
      { section_number: null, from_run_id: firstRunId, model: expect.any(String) },
      { section_number: 1, from_run_id: firstRunId, model: TIER_1 },
      { section_number: 3, from_run_id: firstRunId, model: TIER_1 },
    ]);
    expect(metadata.llm_calls).toEqual({ total: 1, failed: 0 });
    expect(metadata.total_tokens.total).toBe(pipeline.sim.stats().totalTokens);
    const ledger = await pipeline.stores.ledger.ofRun(second.json.run_id);
    expect(ledger.filter((r) => r.outcome === 'reused').map((r) => [r.phase, r.sectionIndex])).toEqual(
      expect.arrayContaining([['metadata', null], ['section', 0], ['section', 2]]),
    );
    expect(second.json.course_structure.sections).toHaveLength(3);

    pipeline.sim.resetStats();
    const fresh = await pipeline.generate(input, { rerun: true, fresh: true, overrides: { minLessons: 1 } });
    expect(fresh.exitCode).toBe(0);
    expect(sectionCalls(pipeline, input)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect((fresh.json.generation_metadata as GenerationMetadata).reused).toEqual([]);
    report('a failed course started again', { firstRun: { 1: 1, 2: 3, 3: 1 }, secondRunCalls: 1, freshRunSectionCalls: 3 });
  } finally {
    await pipeline.close();
  }
});

test('an answer stored before the worker could report it is used by the retry, not paid for again', async () => {
  const input = smallCourse();
  // Section 1's first attempt stores its answer, then its worker "dies" before reporting: the attempt fails
  // after the storage, as a lost worker's attempt would (Temporal retries the same activity either way).
  const pipeline = await startPipeline(harness, {
    env: { SECTION_PATIENCE: 'off' },
    wrapActivities: (real) => ({
      async generateSectionActivity(request) {
        const receipt = await real.generateSectionActivity(request);
        if (request.sectionIndex === 0 && Context.current().info.attempt === 1) {
          throw ApplicationFailure.retryable('the worker stopped before reporting its answer', 'WORKER_LOST');
        }
        return receipt;
      },
    }),
  });
  try {
    const { exitCode, json } = await pipeline.generate(input, { overrides: { minLessons: 1 } });
    expect(exitCode).toBe(0);
    // One call per section: the retry of section 1 found its stored answer.
    expect(sectionCalls(pipeline, input)).toEqual({ 1: 1, 2: 1, 3: 1 });
    const metadata = json.generation_metadata as GenerationMetadata;
    expect(metadata.model_used.per_section[0]).toBe(TIER_1);
    const ledger = await pipeline.stores.ledger.ofRun(json.run_id);
    expect(ledger.filter((r) => r.phase === 'section' && r.sectionIndex === 0)).toHaveLength(1);
    report('answer kept across a lost report', { sectionCalls: sectionCalls(pipeline, input) });
  } finally {
    await pipeline.close();
  }
});
