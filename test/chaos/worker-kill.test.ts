// Worker SIGKILL at points of a run where the LLM activities heartbeat: during metadata, during a section group
// (some sections of the group done, others in flight) and during the durable delay between groups. The worker is
// a real `tsx workers/main.ts` process on its own task queue (shared dev server and PostgreSQL: only our own
// process is killed). After a new worker starts, the run completes; sections completed before the kill are never
// requested from the LLM again; the course row exists once; the resume delay is measured and bounded.
import type { WorkflowHandle } from '@temporalio/client';
import { startCourseGeneration } from '../../client/start';
import type { FaultRule } from '../../simulator/server';
import type { GenerationJobInput } from '../../workflows/schemas';
import type { GenerationResult, GenerationSettings } from '../../workflows/types';
import {
  completedSections,
  historyEvents,
  persistedCounts,
  report,
  sectionCallCounts,
  timerStarts,
  waitFor,
} from '../support/observe';
import { startWorkerProcessRun, type WorkerProcess, type WorkerProcessRun } from '../support/worker-process';
import { exampleInput } from '../fixtures/example-input';
import { testStackEnv } from '../support/stack-env';

/** Small, so a lost worker's LLM call is retried soon (the default is 20 s). */
const HEARTBEAT_TIMEOUT_MS = 5_000;
/** First retry backoff of the LLM activities (workflows/options.ts LLM_RETRY.initialInterval). */
const FIRST_BACKOFF_MS = 1_000;
/**
 * Slack on top of the timeouts: the server's timer queue fires timeouts with up to ~1 s of granularity, the retried
 * task is dispatched to a poller, and the worker starts the activity and its HTTP call, all on a 2-core machine
 * shared with other test files.
 */
const MARGIN_MS = 5_000;
/** A workflow task whose sticky worker died goes back to the normal queue within the sticky schedule-to-start
 * timeout (TypeScript SDK default 10 s) when the server does not notice the dead sticky poller sooner. */
const STICKY_TIMEOUT_MS = 10_000;
const FAST_LATENCY = { metadata: 200, section: 400, embedding: 50 };
const RUN_DEADLINE_MS = 120_000;

jest.setTimeout(300_000);

let run: WorkerProcessRun;
let worker: WorkerProcess;

beforeAll(async () => {
  run = await startWorkerProcessRun({
    taskQueuePrefix: 'chaos-kill',
    apiKey: 'chaos-kill-key-not-secret',
    simulator: { latencyMs: FAST_LATENCY },
    settings: { HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS), SECTION_GROUP_DELAY_MS: '300' },
  });
  worker = await run.spawn();
});

afterAll(() => run?.stop());

async function start(input: GenerationJobInput, overrides: Partial<GenerationSettings> = {}) {
  const { handle } = await startCourseGeneration(run.client, input, { taskQueue: run.env.TEMPORAL_TASK_QUEUE, overrides });
  return handle as WorkflowHandle;
}

function sectionRule(area: string, kind: FaultRule['kind'] = 'hang'): FaultRule {
  return { kind, callKind: 'section', match: `Working title: ${area}`, times: 1 };
}

interface KillOutcome {
  killAt: number;
  readyAt: number;
  /** Start of the first LLM call after the kill: the run making progress again. */
  resumeAt: number;
  completedBeforeKill: number[];
}

/** SIGKILL the worker, start a new one, wait for the first LLM call after the kill. */
async function killAndReplace(handle: WorkflowHandle): Promise<KillOutcome> {
  const killAt = await worker.kill();
  const completedBeforeKill = completedSections(await historyEvents(handle));
  worker = await run.spawn();
  const resume = await waitFor('the first LLM call after the kill', () => run.sim.stats().calls.find((c) => c.startedAt > killAt), {
    timeoutMs: RUN_DEADLINE_MS,
  });
  return { killAt, readyAt: worker.readyAt, resumeAt: resume.startedAt, completedBeforeKill };
}

/** Seen from the kill: the later of "the new worker polls" and "the heartbeat timeout + backoff expired", plus the
 * margin — whichever of worker start-up and Temporal's timeout is slower decides. */
function expectResumeBound(k: KillOutcome): void {
  const earliest = Math.max(k.readyAt - k.killAt, HEARTBEAT_TIMEOUT_MS + FIRST_BACKOFF_MS);
  expect(k.resumeAt - k.killAt).toBeLessThanOrEqual(earliest + MARGIN_MS);
}

async function expectCompletedOnce(handle: WorkflowHandle, input: GenerationJobInput): Promise<GenerationResult> {
  const result = (await handle.result()) as GenerationResult;
  expect(result.section_count).toBe(input.analysis_result.recommended_structure.sections_breakdown.length);
  const counts = await persistedCounts(testStackEnv().databaseUrl, input.course_id);
  expect(counts.courseRows).toBe(1);
  expect(counts.ledgerDuplicates).toBe(0);
  // One artifact per LLM output (metadata + each section) and one sanitised structure: nothing stored twice.
  expect(counts.artifacts).toMatchObject({ metadata: 1, section: result.section_count, course_structure: 1 });
  return result;
}

test('SIGKILL during metadata: the call is retried after the heartbeat timeout and the run completes', async () => {
  run.sim.resetStats();
  run.sim.configure({ latencyMs: FAST_LATENCY, faults: [{ kind: 'hang', callKind: 'metadata', times: 1 }] });
  const input = exampleInput({ sections: 4 });
  const handle = await start(input);
  await waitFor('the metadata call in flight', () => run.sim.stats().calls.some((c) => c.kind === 'metadata' && !c.endedAt), {
    timeoutMs: 60_000,
  });
  const k = await killAndReplace(handle);
  const result = await expectCompletedOnce(handle, input);

  const calls = run.sim.stats().calls;
  expect(calls.filter((c) => c.kind === 'metadata').map((c) => c.model)).toEqual(['qwen/qwen3-max', 'openai/gpt-oss-120b']);
  expect(Object.values(sectionCallCounts(run.sim.stats()))).toEqual([1, 1, 1, 1]);
  expect(result.generation_metadata.retry_count.metadata).toBe(1);
  const resumeAfterReady = k.resumeAt - k.readyAt;
  const resumeAfterKill = k.resumeAt - k.killAt;
  report('worker SIGKILL during metadata', {
    workerRestartMs: k.readyAt - k.killAt,
    resumeAfterReadyMs: resumeAfterReady,
    resumeAfterKillMs: resumeAfterKill,
    boundMs: HEARTBEAT_TIMEOUT_MS + FIRST_BACKOFF_MS + MARGIN_MS,
    metadataCalls: 2,
  });
  expect(resumeAfterReady).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + FIRST_BACKOFF_MS + MARGIN_MS);
  expectResumeBound(k);
  // Never earlier than the heartbeat timeout allows (minus one heartbeat interval: the timeout counts from the
  // last heartbeat, which came up to HEARTBEAT_TIMEOUT_MS / 4 before the kill).
  expect(resumeAfterKill).toBeGreaterThanOrEqual(HEARTBEAT_TIMEOUT_MS - HEARTBEAT_TIMEOUT_MS / 4 - 250);
});

test('SIGKILL during a section group: finished sections of the group are not requested again', async () => {
  run.sim.resetStats();
  const input = exampleInput();
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  // Group 2 = sections 5..8: 5 and 7 answer, 6 and 8 hang until the worker dies (first attempt only).
  run.sim.configure({ latencyMs: FAST_LATENCY, faults: [sectionRule(plans[5].area), sectionRule(plans[7].area)] });
  const handle = await start(input);
  await waitFor(
    'group 2 with sections 5 and 7 completed and 6 and 8 in flight',
    async () => {
      const done = completedSections(await historyEvents(handle));
      const hanging = run.sim.stats().calls.filter((c) => c.fault === 'hang' && !c.endedAt).length;
      return done.length === 6 && hanging === 2;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  const k = await killAndReplace(handle);
  expect(k.completedBeforeKill).toEqual([0, 1, 2, 3, 4, 6]);
  const result = await expectCompletedOnce(handle, input);

  const counts = sectionCallCounts(run.sim.stats());
  for (const index of k.completedBeforeKill) expect(counts[plans[index].area]).toBe(1);
  expect(counts[plans[5].area]).toBe(2);
  expect(counts[plans[7].area]).toBe(2);
  expect(result.generation_metadata.retry_count.sections).toEqual([0, 0, 0, 0, 0, 1, 0, 1]);
  expect(result.generation_metadata.model_used.per_section[5]).toBe('qwen/qwen3-max');
  const resumeAfterReady = k.resumeAt - k.readyAt;
  report('worker SIGKILL during a section group', {
    completedBeforeKill: k.completedBeforeKill.map((i) => i + 1),
    callsPerSection: plans.map((p) => counts[p.area]),
    workerRestartMs: k.readyAt - k.killAt,
    resumeAfterReadyMs: resumeAfterReady,
    resumeAfterKillMs: k.resumeAt - k.killAt,
    boundMs: HEARTBEAT_TIMEOUT_MS + FIRST_BACKOFF_MS + MARGIN_MS,
  });
  expect(resumeAfterReady).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + FIRST_BACKOFF_MS + MARGIN_MS);
  expectResumeBound(k);
});

test('SIGKILL during the durable delay between groups: the timer is not restarted and group 1 is not redone', async () => {
  run.sim.resetStats();
  run.sim.configure({ latencyMs: FAST_LATENCY, faults: [] });
  const DELAY_MS = 15_000;
  const input = exampleInput();
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  // A long SECTION_GROUP_DELAY_MS for this run (the same setting, passed as the run's override).
  const handle = await start(input, { sectionGroupDelayMs: DELAY_MS });
  const timer = await waitFor('the delay timer of group 2', async () => timerStarts(await historyEvents(handle))[0], {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  expect(timer.durationMs).toBe(DELAY_MS);
  const k = await killAndReplace(handle);
  expect(k.completedBeforeKill).toEqual([0, 1, 2, 3]);
  await expectCompletedOnce(handle, input);

  const events = await historyEvents(handle);
  expect(timerStarts(events)).toHaveLength(1);
  const counts = sectionCallCounts(run.sim.stats());
  expect(plans.map((p) => counts[p.area])).toEqual(Array(8).fill(1));
  const fireAt = timer.at + DELAY_MS;
  // Group 2 starts when the timer fires, never earlier; the new worker gets the workflow task within the sticky
  // schedule-to-start timeout at worst.
  expect(k.resumeAt).toBeGreaterThanOrEqual(fireAt - 50);
  const bound = Math.max(fireAt, k.readyAt) + STICKY_TIMEOUT_MS + MARGIN_MS;
  report('worker SIGKILL during the durable delay', {
    delayMs: DELAY_MS,
    killAfterTimerStartMs: k.killAt - timer.at,
    workerRestartMs: k.readyAt - k.killAt,
    resumeAfterTimerFireMs: k.resumeAt - fireAt,
    resumeAfterReadyMs: k.resumeAt - k.readyAt,
    boundAfterMaxOfFireAndReadyMs: STICKY_TIMEOUT_MS + MARGIN_MS,
  });
  expect(k.resumeAt).toBeLessThanOrEqual(bound);
});
