// The workflow on the real dev server with mocked activities: phase order, groups of 4 with the durable delay,
// retries by attempt, and every failure type the workflow itself raises or forwards.
import { WorkflowFailedError } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { modelForAttempt } from '../../activities/llm';
import type { courseGenerationWorkflow } from '../../workflows';
import { getProgressQuery } from '../../workflows/messages';
import { courseWorkflowId, ErrorType, type GenerationSettings, WORKFLOW_TYPE } from '../../workflows/types';
import { exampleInput, rawExample } from '../fixtures/example-input';
import { createHarness, createMockedWorker, mockActivities, type Harness } from '../support/harness';
import { uniqueTaskQueue } from '../support/stack-env';

const EventType = temporal.api.enums.v1.EventType;
let harness: Harness;

beforeAll(async () => {
  harness = await createHarness();
});
afterAll(async () => {
  await harness?.close();
});

async function run(
  activities: ReturnType<typeof mockActivities>['activities'],
  options: { input?: unknown; overrides?: Partial<GenerationSettings> } = {},
) {
  const taskQueue = uniqueTaskQueue('wf');
  const input = options.input ?? exampleInput();
  const courseId = (input as { course_id?: string }).course_id ?? 'invalid';
  const worker = await createMockedWorker(harness, taskQueue, activities);
  const handle = await harness.client.workflow.start<typeof courseGenerationWorkflow>(WORKFLOW_TYPE, {
    taskQueue,
    workflowId: `${courseWorkflowId(courseId)}-${taskQueue}`,
    args: [input, options.overrides ?? { sectionGroupDelayMs: 10 }],
  });
  const outcome = await worker.runUntil(async () => {
    const settled = await handle.result().then((value) => ({ value }), (error) => ({ error }));
    // Queried while the worker still runs: a query needs a worker to replay the workflow.
    return { ...settled, progress: await handle.query(getProgressQuery) };
  });
  const history = await handle.fetchHistory();
  return { ...outcome, history, handle };
}

function failureType(error: unknown): string | undefined {
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  return cause instanceof ApplicationFailure ? cause.type ?? undefined : undefined;
}

/** Section activities and timers in history order: 'S' for a scheduled section, 'T<ms>' for a timer. */
function sectionSchedule(history: temporal.api.history.v1.IHistory): string[] {
  const out: string[] = [];
  for (const event of history.events ?? []) {
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'generateSectionActivity') out.push('S');
    } else if (event.eventType === EventType.EVENT_TYPE_TIMER_STARTED) {
      const timeout = event.timerStartedEventAttributes?.startToFireTimeout;
      out.push(`T${Number(timeout?.seconds ?? 0) * 1000 + Math.round((timeout?.nanos ?? 0) / 1e6)}`);
    }
  }
  return out;
}

test('runs the phases in order and fans sections out in groups of 4 with a 2 s durable delay', async () => {
  const { activities, log } = mockActivities();
  const result = await run(activities, { overrides: {} });
  expect('value' in result && result.value.section_count).toBe(8);
  expect(sectionSchedule(result.history)).toEqual(['S', 'S', 'S', 'S', 'T2000', 'S', 'S', 'S', 'S']);
  expect(log.maxInFlight).toBe(4);
  const phases = log.calls.filter((c) => !c.startsWith('section:'));
  expect(phases).toEqual(['loadSettings', 'metadata', 'quality', 'sanitize', 'commit']);
  expect(log.calls.indexOf('metadata')).toBeLessThan(log.calls.indexOf('section:0'));
  expect(log.calls.lastIndexOf('section:7')).toBeLessThan(log.calls.indexOf('quality'));
  expect('value' in result && result.value.generation_metadata.batch_count).toBe(2);
});

test('the sliding window keeps 4 sections in flight without group timers', async () => {
  const { activities, log } = mockActivities();
  const result = await run(activities, { overrides: { fanoutMode: 'window' } });
  expect('value' in result).toBe(true);
  expect(sectionSchedule(result.history).filter((e) => e.startsWith('T'))).toEqual([]);
  expect(log.maxInFlight).toBe(4);
  expect(log.sectionAttempts.size).toBe(8);
});

test('a retried section escalates through the model ladder by attempt and the metadata counts the retries', async () => {
  const ladder = ['tier-1', 'tier-2', 'tier-3'];
  const modelsSeen: string[] = [];
  const { activities, log } = mockActivities({}, { expectedParallel: 1 });
  const realSection = activities.generateSectionActivity;
  activities.generateSectionActivity = async (request) => {
    const { attempt } = Context.current().info;
    if (request.sectionIndex === 2) {
      modelsSeen.push(modelForAttempt(ladder, attempt));
      if (attempt < 3) throw ApplicationFailure.retryable('schema-invalid answer', ErrorType.LLM_OUTPUT_INVALID);
    }
    return realSection(request);
  };
  const result = await run(activities);
  expect(modelsSeen).toEqual(['tier-1', 'tier-2', 'tier-3']);
  expect(log.sectionAttempts.get(2)).toEqual([3]);
  if (!('value' in result)) throw result.error;
  expect(result.value.generation_metadata.retry_count.sections[2]).toBe(2);
  expect(result.value.generation_metadata.retry_count.sections[0]).toBe(0);
});

test('invalid input fails with VALIDATION_FAILED before any activity runs', async () => {
  const { activities, log } = mockActivities();
  const input = rawExample();
  (input.frontend_parameters as Record<string, unknown>).lesson_duration_minutes = 90;
  const result = await run(activities, { input });
  expect(failureType('error' in result && result.error)).toBe(ErrorType.VALIDATION_FAILED);
  expect(log.calls).toEqual([]);
  expect(result.progress).toMatchObject({ phase: 'failed', error: { type: ErrorType.VALIDATION_FAILED } });
  expect(result.progress.error?.message).toContain('frontend_parameters.lesson_duration_minutes');
});

test('an auth failure is not retried and is recorded on the course row', async () => {
  let attempts = 0;
  const { activities, log } = mockActivities({
    async generateMetadataActivity() {
      attempts++;
      throw ApplicationFailure.nonRetryable('401 from provider', ErrorType.LLM_AUTH);
    },
  });
  const result = await run(activities);
  expect(failureType('error' in result && result.error)).toBe(ErrorType.LLM_AUTH);
  expect(attempts).toBe(1);
  expect(log.failures).toEqual([{ phase: 'generate_metadata', errorType: ErrorType.LLM_AUTH }]);
});

test('a section failing every attempt leaves its siblings done and names itself in SECTION_GENERATION_FAILED', async () => {
  const { activities, log } = mockActivities({}, { expectedParallel: 3 });
  const realSection = activities.generateSectionActivity;
  activities.generateSectionActivity = async (request) => {
    if (request.sectionIndex === 1) {
      throw ApplicationFailure.retryable('truncated JSON', ErrorType.LLM_OUTPUT_INVALID);
    }
    return realSection(request);
  };
  const result = await run(activities);
  const error = 'error' in result ? result.error : undefined;
  expect(failureType(error)).toBe(ErrorType.SECTION_GENERATION_FAILED);
  const message = ((error as WorkflowFailedError).cause as ApplicationFailure).message;
  expect(message).toContain('section 2 "Prospecting and Account Research"');
  expect(message).toContain('LLM_OUTPUT_INVALID');
  // Siblings of the first group completed; the second group never started (no more spend on a failed run).
  expect([0, 2, 3].every((i) => log.sectionAttempts.has(i))).toBe(true);
  expect([4, 5, 6, 7].some((i) => log.sectionAttempts.has(i))).toBe(false);
  expect(log.failures).toEqual([{ phase: 'generate_sections', errorType: ErrorType.SECTION_GENERATION_FAILED }]);
  expect(result.progress).toMatchObject({ phase: 'failed', sectionsDone: 3, sectionsFailed: 1 });
});

test('quality below the threshold fails with QUALITY_THRESHOLD_NOT_MET before anything is committed', async () => {
  const { activities, log } = mockActivities({
    async validateQualityActivity() {
      return { metadata_similarity: 0.4, sections_similarity: [0.5, 0.6], overall: 0.5, backend: 'mock', tokens: 0, costUsd: 0 };
    },
  });
  const result = await run(activities);
  expect(failureType('error' in result && result.error)).toBe(ErrorType.QUALITY_THRESHOLD_NOT_MET);
  expect(log.calls).not.toContain('commit');
  expect(log.failures[0].phase).toBe('validate_quality');
});

test('fewer than 10 lessons fails with MINIMUM_LESSONS_NOT_MET', async () => {
  const { activities, log } = mockActivities({}, { lessonsPerSection: 1 });
  const result = await run(activities);
  expect(failureType('error' in result && result.error)).toBe(ErrorType.MINIMUM_LESSONS_NOT_MET);
  expect(log.calls).not.toContain('sanitize');
});

test('the budget guard stops before a group once the cap is spent', async () => {
  const { activities, log } = mockActivities({
    async spentCostActivity() {
      log.calls.push('spentCost');
      return 2.5;
    },
  });
  const result = await run(activities, { overrides: { maxCostUsd: 1, sectionGroupDelayMs: 10 } });
  expect(failureType('error' in result && result.error)).toBe(ErrorType.BUDGET_EXCEEDED);
  expect(log.sectionAttempts.size).toBe(0);
});

test('a commit that cannot be written fails with DATABASE_ERROR', async () => {
  const { activities, log } = mockActivities({
    async commitCourseActivity() {
      throw ApplicationFailure.nonRetryable('relation "courses" does not exist', ErrorType.DATABASE_ERROR);
    },
  });
  const result = await run(activities);
  expect(failureType('error' in result && result.error)).toBe(ErrorType.DATABASE_ERROR);
  expect(log.failures).toEqual([{ phase: 'commit', errorType: ErrorType.DATABASE_ERROR }]);
});

test('a section below the quality threshold is repaired once and re-scored; 0 rounds fails as before', async () => {
  const scores = [
    { metadata_similarity: 0.9, sections_similarity: [0.9, 0.3, 0.9], overall: 0.7, backend: 'mock', tokens: 0, costUsd: 0 },
    { metadata_similarity: 0.9, sections_similarity: [0.9, 0.85, 0.9], overall: 0.89, backend: 'mock', tokens: 0, costUsd: 0 },
  ];
  const { activities, log } = mockActivities({
    async validateQualityActivity() {
      log.calls.push('quality');
      return scores[Math.min(log.calls.filter((c) => c === 'quality').length - 1, 1)];
    },
  });
  const result = await run(activities, { overrides: { sectionGroupDelayMs: 10, qualityRepairRounds: 1 } });
  expect('value' in result).toBe(true);
  expect(log.calls.filter((c) => !c.startsWith('section:'))).toEqual(['loadSettings', 'metadata', 'quality', 'repair:1', 'quality', 'sanitize', 'commit']);
  expect(result.progress.repairs).toEqual([
    { section_number: 2, round: 1, reason: 'quality', model_before: 'model-1', model: 'model-1', before: 0.3, after: 0.85 },
  ]);

  const again = mockActivities({
    async validateQualityActivity() {
      again.log.calls.push('quality');
      return scores[0];
    },
  });
  const failed = await run(again.activities, { overrides: { sectionGroupDelayMs: 10, qualityRepairRounds: 0 } });
  expect(failureType('error' in failed && failed.error)).toBe(ErrorType.QUALITY_THRESHOLD_NOT_MET);
  expect(again.log.calls.some((c) => c.startsWith('repair:'))).toBe(false);
});

test('sections short of their planned lessons are repaired before MINIMUM_LESSONS_NOT_MET', async () => {
  const { activities, log } = mockActivities({}, { lessonsPerSection: 1 });
  const result = await run(activities, { overrides: { sectionGroupDelayMs: 10, qualityRepairRounds: 1 } });
  expect('value' in result).toBe(true);
  // All eight sections came back with 1 of 6 lessons: each repaired once, then the course scored again.
  expect(log.calls.filter((c) => c.startsWith('repair:'))).toHaveLength(8);
  expect(log.calls.filter((c) => c === 'quality')).toHaveLength(2);
  expect(result.progress.repairs?.every((r) => r.reason === 'lessons' && r.before === 1 && r.after === 6)).toBe(true);
});

test('a section whose ladder failed on an outage waits one durable timer and runs its ladder again', async () => {
  let outageOver = false;
  const failedAttempts: number[] = [];
  const { activities, log } = mockActivities({}, { expectedParallel: 3 });
  const realSection = activities.generateSectionActivity;
  activities.generateSectionActivity = async (request) => {
    if (request.sectionIndex === 1 && !outageOver) {
      failedAttempts.push(Context.current().info.attempt);
      if (Context.current().info.attempt === 3) outageOver = true;
      throw ApplicationFailure.retryable('provider down', ErrorType.LLM_UNAVAILABLE);
    }
    return realSection(request);
  };
  const input = exampleInput({ sections: 3 });
  const result = await run(activities, { input, overrides: { sectionGroupDelayMs: 10, sectionPatienceMs: [300, 60_000] } });
  expect('value' in result).toBe(true);
  // One wait of 300 ms between the two ladders of section 2; no timer per poll.
  expect(sectionSchedule(result.history)).toEqual(['S', 'S', 'S', 'T300', 'S']);
  expect(failedAttempts).toEqual([1, 2, 3]);
  expect(log.sectionAttempts.get(1)).toEqual([1]);
  expect(log.sectionAttempts.get(0)).toEqual([1]);
});

test('an auth failure never waits, whatever the patience', async () => {
  const { activities } = mockActivities({}, { expectedParallel: 3 });
  activities.generateSectionActivity = async () => {
    throw ApplicationFailure.nonRetryable('bad key', ErrorType.LLM_AUTH);
  };
  const result = await run(activities, { input: exampleInput({ sections: 3 }), overrides: { sectionGroupDelayMs: 10, sectionPatienceMs: [60_000] } });
  expect(failureType('error' in result && result.error)).toBe(ErrorType.SECTION_GENERATION_FAILED);
  expect(sectionSchedule(result.history).filter((e) => e.startsWith('T'))).toEqual([]);
});

/** Scheduled and closed (completed, failed, cancelled) events of the named activities, in history order. */
function activityEvents(history: temporal.api.history.v1.IHistory, names: string[]): string[] {
  const scheduledName = new Map<number, string>();
  const out: string[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) scheduledName.set(Number(event.eventId), scheduled);
    if (scheduled && names.includes(scheduled)) out.push(`scheduled:${scheduled}`);
    const closed =
      event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskCanceledEventAttributes;
    const name = closed ? scheduledName.get(Number(closed.scheduledEventId)) : undefined;
    if (name && names.includes(name)) out.push(`closed:${name}`);
  }
  return out;
}

const HYBRID = ['generateCriticalMetadataActivity', 'generateSupportMetadataActivity', 'mergeMetadataActivity'];

test('METADATA_ROUTING=hybrid runs both metadata activities at once, merges them, then writes the sections', async () => {
  const { activities, log } = mockActivities();
  let started = 0;
  const startedTogether: boolean[] = [];
  // Each half holds until the other has started (or 5 s pass): it completes only if both were in flight together.
  const holdForSibling = async () => {
    started++;
    const deadline = Date.now() + 5000;
    while (started < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    startedTogether.push(started === 2);
  };
  const { generateCriticalMetadataActivity: realCritical, generateSupportMetadataActivity: realSupport } = activities;
  activities.generateCriticalMetadataActivity = async (...args) => (await holdForSibling(), realCritical(...args));
  activities.generateSupportMetadataActivity = async (...args) => (await holdForSibling(), realSupport(...args));
  let commit: Parameters<typeof activities.commitCourseActivity>[0] | undefined;
  const realCommit = activities.commitCourseActivity;
  activities.commitCourseActivity = async (request) => ((commit = request), realCommit(request));

  const result = await run(activities, { overrides: { sectionGroupDelayMs: 10, metadataRouting: 'hybrid' } });
  if (!('value' in result)) throw result.error;
  expect(startedTogether).toEqual([true, true]);
  // History: both halves scheduled in one workflow task, before either closed; the merge after both.
  const events = activityEvents(result.history, HYBRID);
  expect(events.slice(0, 2).sort()).toEqual(['scheduled:generateCriticalMetadataActivity', 'scheduled:generateSupportMetadataActivity']);
  expect(events.slice(4)).toEqual(['scheduled:mergeMetadataActivity', 'closed:mergeMetadataActivity']);
  const phases = log.calls.filter((c) => !c.startsWith('section:'));
  expect(phases.slice(1, 3).sort()).toEqual(['metadata:critical', 'metadata:support']);
  expect(phases.filter((c, i) => i === 0 || i > 2)).toEqual(['loadSettings', 'mergeMetadata', 'quality', 'sanitize', 'commit']);
  expect(log.calls.indexOf('mergeMetadata')).toBeLessThan(log.calls.indexOf('section:0'));
  expect(log.calls).not.toContain('metadata');
  // Both receipts reach the commit; the progress shows both calls.
  expect(commit?.metadataReceipt.part).toBe('critical');
  expect(commit?.metadataSupportReceipt?.part).toBe('support');
  expect(result.value.generation_metadata.model_used.metadata_support).toBe('model-1');
  expect(result.progress.metadata?.map((m) => [m.part, m.status]).sort()).toEqual([['critical', 'done'], ['support', 'done']]);
  // Two metadata receipts, eight sections, the quality check.
  expect(result.progress.tokens).toBe(2 * 100 + 8 * 100 + 10);
});

test('METADATA_ROUTING=single (and settings recorded without it) keep the one metadata activity', async () => {
  for (const overrides of [{ metadataRouting: 'single' as const }, {}]) {
    const { activities, log } = mockActivities();
    const result = await run(activities, { input: exampleInput({ sections: 2 }), overrides: { sectionGroupDelayMs: 10, ...overrides } });
    expect('value' in result).toBe(true);
    expect(log.calls.filter((c) => c.startsWith('metadata') || c === 'mergeMetadata')).toEqual(['metadata']);
    expect(activityEvents(result.history, HYBRID)).toEqual([]);
  }
});

test('a failed support attempt retries on its own stub: the critical call is not run again', async () => {
  const { activities } = mockActivities();
  const attempts = { critical: [] as number[], support: [] as number[] };
  const { generateCriticalMetadataActivity: realCritical, generateSupportMetadataActivity: realSupport } = activities;
  activities.generateCriticalMetadataActivity = async (...args) => {
    attempts.critical.push(Context.current().info.attempt);
    return realCritical(...args);
  };
  activities.generateSupportMetadataActivity = async (...args) => {
    attempts.support.push(Context.current().info.attempt);
    if (Context.current().info.attempt === 1) throw ApplicationFailure.retryable('provider down', ErrorType.LLM_UNAVAILABLE);
    return realSupport(...args);
  };
  const result = await run(activities, { input: exampleInput({ sections: 2 }), overrides: { sectionGroupDelayMs: 10, metadataRouting: 'hybrid' } });
  if (!('value' in result)) throw result.error;
  expect(attempts).toEqual({ critical: [1], support: [1, 2] });
  expect(result.value.generation_metadata.retry_count.metadata).toBe(0);
});

test('a support half that fails for good cancels the critical call in flight and fails the run in generate_metadata', async () => {
  const { activities, log } = mockActivities();
  let criticalCancelled = false;
  activities.generateCriticalMetadataActivity = async () => {
    const context = Context.current();
    const deadline = Date.now() + 10_000;
    while (!context.cancellationSignal.aborted && Date.now() < deadline) {
      context.heartbeat();
      await new Promise((r) => setTimeout(r, 50));
    }
    criticalCancelled = context.cancellationSignal.aborted;
    throw new Error('the critical mock was not cancelled');
  };
  activities.generateSupportMetadataActivity = async () => {
    await new Promise((r) => setTimeout(r, 200));
    throw ApplicationFailure.nonRetryable('bad key', ErrorType.LLM_AUTH);
  };
  const result = await run(activities, {
    input: exampleInput({ sections: 2 }),
    overrides: { sectionGroupDelayMs: 10, metadataRouting: 'hybrid', heartbeatTimeoutMs: 1000 },
  });
  expect(failureType('error' in result && result.error)).toBe(ErrorType.LLM_AUTH);
  expect(criticalCancelled).toBe(true);
  expect(log.failures).toEqual([{ phase: 'generate_metadata', errorType: ErrorType.LLM_AUTH }]);
  expect(log.calls.some((c) => c.startsWith('section:') || c === 'mergeMetadata')).toBe(false);
  // The cancellation completed before the run recorded its failure: nothing kept running after it gave up.
  expect(activityEvents(result.history, HYBRID)).toEqual(expect.arrayContaining(['closed:generateCriticalMetadataActivity']));
  expect(result.progress.metadata?.find((m) => m.part === 'support')).toMatchObject({ status: 'failed' });
});
