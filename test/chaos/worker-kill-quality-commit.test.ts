// Worker SIGKILL during the two phases that do not wait on a model: quality validation (embeddings call) and
// commit (one PostgreSQL transaction). Both are provoked in one kill to keep the suite short, on two runs:
//
//  - run Q reaches validate_quality with EMBEDDINGS_BASE_URL pointing at the simulator, whose first embeddings
//    request for Q's course hangs (a `hang` rule matching Q's title): the activity is in flight when the worker dies;
//  - run C reaches commit while this test holds, in its own open transaction, an uncommitted row with C's course id:
//    the commit's INSERT … ON CONFLICT waits on that row lock (seen in pg_stat_activity), so the commit transaction
//    is in flight when the worker dies. The test then rolls back: the dead worker's transaction never commits (its
//    backend reads EOF instead of COMMIT and aborts).
//
// Both activity profiles have a heartbeat timeout (workflows/options.ts: qualityOptions, databaseOptions) and the
// activities heartbeat while they run (activities/heartbeat.ts), so a lost attempt is retried within heartbeat
// timeout + first backoff + margin of the new worker being ready — the bound the LLM phases meet
// (worker-kill.test.ts) — not after the 2-minute (quality) or 1-minute (commit) start-to-close.
import type { WorkflowHandle } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { startCourseGeneration } from '../../client/start';
import type { GenerationJobInput } from '../../workflows/schemas';
import type { GenerationResult } from '../../workflows/types';
import { activities, historyEvents, persistedCounts, report, waitFor, withPg } from '../support/observe';
import { startWorkerProcessRun, type WorkerProcess, type WorkerProcessRun } from '../support/worker-process';
import { exampleInput } from '../fixtures/example-input';
import { testStackEnv } from '../support/stack-env';

const HEARTBEAT_TIMEOUT_MS = 5_000;
/** workflows/options.ts */
const QUALITY_START_TO_CLOSE_MS = 120_000;
const COMMIT_START_TO_CLOSE_MS = 60_000;
const FIRST_BACKOFF_MS = 1_000;
/** Timer-queue granularity, dispatch, activity start on a shared 2-core machine (see worker-kill.test.ts). */
const MARGIN_MS = 5_000;
const FAST_LATENCY = { metadata: 200, section: 300, embedding: 50 };

jest.setTimeout(330_000);

let run: WorkerProcessRun;
let worker: WorkerProcess;
let locker: PgClient | undefined;

beforeAll(async () => {
  run = await startWorkerProcessRun({
    taskQueuePrefix: 'chaos-kill-nohb',
    apiKey: 'chaos-kill-key-not-secret',
    simulator: { latencyMs: FAST_LATENCY },
    embeddingsFromSimulator: true,
    settings: { HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS), SECTION_GROUP_DELAY_MS: '200' },
  });
  worker = await run.spawn();
});

afterAll(async () => {
  await locker?.end().catch(() => undefined);
  await run?.stop();
});

async function start(input: GenerationJobInput): Promise<WorkflowHandle> {
  const { handle } = await startCourseGeneration(run.client, input, { taskQueue: run.env.TEMPORAL_TASK_QUEUE });
  return handle as WorkflowHandle;
}

test('SIGKILL during quality validation and during commit: both runs complete once, after start-to-close', async () => {
  const { databaseUrl } = testStackEnv();
  const q = exampleInput({ sections: 2 });
  q.frontend_parameters.course_title = `Quality kill ${q.course_id}: Synergy Sales`;
  const c = exampleInput({ sections: 2 });
  run.sim.configure({ faults: [{ kind: 'hang', callKind: 'embedding', match: `Quality kill ${q.course_id}`, times: 1 }] });

  // Run C's commit will wait on this uncommitted row.
  locker = new PgClient({ connectionString: databaseUrl });
  locker.on('error', () => undefined);
  await locker.connect();
  const lockerPid = (await locker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  await locker.query('BEGIN');
  await locker.query(
    `INSERT INTO courses (course_id, course_title, generation_status, workflow_id, run_id)
     VALUES ($1, 'row lock held by the chaos test', 'locked', 'chaos', 'chaos')`,
    [c.course_id],
  );

  const [hq, hc] = await Promise.all([start(q), start(c)]);
  const qualityCall = await waitFor(
    "run Q's embeddings call hanging",
    () => run.sim.stats().calls.find((call) => call.kind === 'embedding' && call.fault === 'hang' && !call.endedAt),
    { timeoutMs: 90_000, intervalMs: 200 },
  );
  const blockedCommit = await waitFor(
    "run C's commit waiting on the row lock",
    () =>
      withPg(databaseUrl, async (pg) => {
        const rows = (
          await pg.query(
            `SELECT pid, query_start FROM pg_stat_activity
             WHERE $1 = ANY(pg_blocking_pids(pid)) AND query LIKE 'INSERT INTO courses%'`,
            [lockerPid],
          )
        ).rows;
        return rows[0] as { pid: number; query_start: Date } | undefined;
      }),
    { timeoutMs: 90_000, intervalMs: 200 },
  );

  const killAt = await worker.kill();
  await locker.query('ROLLBACK');
  await locker.end();
  locker = undefined;
  worker = await run.spawn();
  const readyAt = worker.readyAt;

  const [rq, rc] = (await Promise.all([hq.result(), hc.result()])) as GenerationResult[];
  const qualityResume = run.sim.stats().calls.find((call) => call.kind === 'embedding' && call.startedAt > killAt);
  expect(qualityResume).toBeDefined();
  const commitResumeAt = await withPg(databaseUrl, async (pg) =>
    new Date((await pg.query('SELECT created_at FROM courses WHERE course_id = $1', [c.course_id])).rows[0].created_at).getTime(),
  );

  // Both courses committed exactly once, from the retried attempt.
  for (const [input, result] of [
    [q, rq],
    [c, rc],
  ] as const) {
    const counts = await persistedCounts(databaseUrl, input.course_id);
    expect(counts.courseRows).toBe(1);
    expect(counts.ledgerDuplicates).toBe(0);
    expect(counts.artifacts).toMatchObject({ metadata: 1, section: 2, course_structure: 1 });
    expect(result.section_count).toBe(2);
  }
  const row = await withPg(databaseUrl, async (pg) => (await pg.query('SELECT * FROM courses WHERE course_id = $1', [c.course_id])).rows[0]);
  expect(row).toMatchObject({ generation_status: 'completed', run_id: rc.run_id });
  expect(rq.generation_metadata.quality_backend).toMatch(/^embeddings:/);
  const commitAttempts = activities(await historyEvents(hc)).find((a) => a.activityType === 'commitCourseActivity')?.finalAttempt;
  const qualityAttempts = activities(await historyEvents(hq)).find((a) => a.activityType === 'validateQualityActivity')?.finalAttempt;
  expect(commitAttempts).toBe(2);
  expect(qualityAttempts).toBe(2);
  // The LLM calls were not repeated: one metadata and two section calls per run.
  const llmCalls = run.sim.stats().calls.filter((call) => call.kind !== 'embedding');
  expect(llmCalls.filter((call) => call.kind === 'metadata')).toHaveLength(2);
  expect(llmCalls.filter((call) => call.kind === 'section')).toHaveLength(4);

  const qualityResumeAfterAttempt = qualityResume!.startedAt - qualityCall.startedAt;
  const commitResumeAfterAttempt = commitResumeAt - blockedCommit.query_start.getTime();
  report('worker SIGKILL during quality validation', {
    workerRestartMs: readyAt - killAt,
    resumeAfterKillMs: qualityResume!.startedAt - killAt,
    resumeAfterReadyMs: qualityResume!.startedAt - readyAt,
    resumeAfterAttemptStartMs: qualityResumeAfterAttempt,
    boundAfterReadyMs: HEARTBEAT_TIMEOUT_MS + FIRST_BACKOFF_MS + MARGIN_MS,
    qualityAttempts,
  });
  report('worker SIGKILL during commit', {
    workerRestartMs: readyAt - killAt,
    resumeAfterKillMs: commitResumeAt - killAt,
    resumeAfterReadyMs: commitResumeAt - readyAt,
    resumeAfterAttemptStartMs: commitResumeAfterAttempt,
    boundAfterReadyMs: HEARTBEAT_TIMEOUT_MS + FIRST_BACKOFF_MS + MARGIN_MS,
    commitAttempts,
  });
  // Retried after the heartbeat timeout, long before the lost attempt's start-to-close would have expired.
  expect(qualityResume!.startedAt - readyAt).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + FIRST_BACKOFF_MS + MARGIN_MS);
  expect(commitResumeAt - readyAt).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + FIRST_BACKOFF_MS + MARGIN_MS);
  expect(qualityResumeAfterAttempt).toBeLessThan(QUALITY_START_TO_CLOSE_MS);
  expect(commitResumeAfterAttempt).toBeLessThan(COMMIT_START_TO_CLOSE_MS);
});
