// The seeds' schedules reproduced in-process, without Temporal, on the real activity functions and the same
// simulator: the sequential for-loop (seed 000), groups of 4 with Promise.all and a delay between groups (the
// 000/001 fix), and chunks of 3 (seed 003). Each activity runs in a MockActivityEnvironment, which gives it the
// activity context it reads (attempt → model ladder, workflow and run ids → ledger and artifact keys).
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { GenerationJobInput } from '../workflows/schemas';
import { NON_RETRYABLE_ERROR_TYPES, type GenerationReceipt } from '../workflows/types';
import type { PhaseTimes } from './course';
import type { BenchEnv } from './env';
import type { Policy } from './ideal';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const logger = new DefaultLogger('WARN');

/** One in-process "workflow": the same phase sequence as the Temporal workflow, under a unique run id. */
export async function runInProcess(env: BenchEnv, input: GenerationJobInput, policy: Policy): Promise<PhaseTimes> {
  const a = env.activities;
  const ids = { workflowId: `bench-inprocess-${input.course_id}`, runId: randomUUID() };
  let activitySeq = 0;
  const call = <R>(type: string, fn: () => Promise<R>) => withAttempts(ids, String(++activitySeq), type, env, fn);
  const plans = input.analysis_result.recommended_structure.sections_breakdown;

  const startedAt = Date.now();
  const metadataReceipt = await call('generateMetadataActivity', () => a.generateMetadataActivity(input));
  const metadataDoneAt = Date.now();
  const sectionReceipts = await schedule(
    plans.map((_, i) => i),
    (sectionIndex) => call('generateSectionActivity', () => a.generateSectionActivity({ input, sectionIndex })),
    policy,
  );
  const sectionsDoneAt = Date.now();
  const qualityScores = await call('validateQualityActivity', () => a.validateQualityActivity(input));
  await call('sanitizeCourseActivity', () => a.sanitizeCourseActivity(input));
  await call('commitCourseActivity', () =>
    a.commitCourseActivity({
      courseId: input.course_id,
      sectionCount: plans.length,
      batchCount: policy.kind === 'groups' ? Math.ceil(plans.length / policy.size) : policy.kind === 'sequential' ? plans.length : 1,
      qualityScores,
      durations: {
        metadata: metadataDoneAt - startedAt,
        sections: sectionsDoneAt - metadataDoneAt,
        validation: Date.now() - sectionsDoneAt,
        total: Date.now() - startedAt,
      },
      metadataReceipt,
      sectionReceipts,
    }),
  );
  return { startedAt, metadataDoneAt, sectionsDoneAt, endedAt: Date.now() };
}

/** The seeds' loops, written as they wrote them. */
async function schedule(
  items: number[],
  run: (item: number) => Promise<GenerationReceipt>,
  policy: Policy,
): Promise<GenerationReceipt[]> {
  const results: GenerationReceipt[] = [];
  if (policy.kind === 'sequential') {
    // Seed 000: `for (...) { const result = await generator.generateBatch(...) }`
    for (const item of items) results.push(await run(item));
    return results;
  }
  if (policy.kind === 'groups') {
    // Seed 000 solution 1 / 001: Promise.all per batch, then setTimeout(2000) unless it was the last batch.
    // Seed 003 is the same loop with size 3 and no delay.
    for (let start = 0; start < items.length; start += policy.size) {
      const batch = items.slice(start, start + policy.size);
      results.push(...(await Promise.all(batch.map(run))));
      if (start + policy.size < items.length && policy.delayMs > 0) await sleep(policy.delayMs);
    }
    return results;
  }
  throw new Error(`no in-process baseline for ${policy.kind}`);
}

/**
 * Runs one activity, retrying like the workflow's LLM policy (3 attempts, 1 s then 2 s backoff) so a transient
 * failure does not abort a baseline — the seeds retried inside their generators too. Each attempt gets its own
 * context with the attempt number, so the activity escalates the model exactly as under Temporal.
 */
async function withAttempts<R>(
  ids: { workflowId: string; runId: string },
  activityId: string,
  activityType: string,
  env: BenchEnv,
  fn: () => Promise<R>,
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const context = new MockActivityEnvironment(
      {
        workflowExecution: ids,
        activityId,
        activityType,
        attempt,
        taskQueue: 'in-process',
        workflowType: 'inProcessBaseline',
        heartbeatTimeoutMs: env.config.settings.heartbeatTimeoutMs,
        startToCloseTimeoutMs: env.config.settings.sectionActivityTimeoutMs,
      },
      { logger },
    );
    try {
      return await context.run(fn);
    } catch (error) {
      const nonRetryable =
        error instanceof ApplicationFailure &&
        (error.nonRetryable || NON_RETRYABLE_ERROR_TYPES.includes(error.type as (typeof NON_RETRYABLE_ERROR_TYPES)[number]));
      if (attempt >= 3 || nonRetryable) throw error;
      await sleep(1000 * 2 ** (attempt - 1));
    }
  }
}
