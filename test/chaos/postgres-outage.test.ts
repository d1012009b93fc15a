// PostgreSQL outage at commit, on a private embedded PostgreSQL (the shared one serves other test files), with a
// real `tsx workers/main.ts` worker process.
//
// Timing: the worker reaches PostgreSQL through a TCP proxy (test/support/private-servers.ts) armed on the commit's
// own queries. When the commit sends the matching query, the proxy drops it, cuts every connection and refuses new
// ones, and the test stops PostgreSQL for real (fast shutdown). PostgreSQL is started again once the commit has
// failed at least twice more; the proxy then relays again. Two points of the commit are hit:
//
//  1. its first read (loading the sanitised structure, a pool.query): the commit fails with DATABASE_ERROR, retries
//     with databaseOptions' backoff (1 s, 2 s, 4 s … capped at 30 s) and completes once PostgreSQL is back;
//  2. the upsert inside its transaction (a client checked out of the pool): the lost connection becomes a
//     retryable DATABASE_ERROR (the store listens for the client's 'error' event), the worker survives and the
//     commit retries with the same backoff.
//
// In both cases the course row is written once and every LLM call is in the ledger exactly once.
import type { WorkflowHandle } from '@temporalio/client';
import { startCourseGeneration } from '../../client/start';
import type { GenerationJobInput } from '../../workflows/schemas';
import type { GenerationResult } from '../../workflows/types';
import { activities, historyEvents, persistedCounts, report, waitFor, withPg } from '../support/observe';
import { startProxiedPostgres, type ProxiedPostgres } from '../support/private-servers';
import { startWorkerProcessRun, type WorkerProcess, type WorkerProcessRun } from '../support/worker-process';
import { exampleInput } from '../fixtures/example-input';

/** databaseOptions (workflows/options.ts): backoff 1 s × 2^n capped at 30 s; start-to-close 1 minute. */
const DB_BACKOFF_CAP_MS = 30_000;
const DB_START_TO_CLOSE_MS = 60_000;
const MARGIN_MS = 5_000;

jest.setTimeout(300_000);

let pg: ProxiedPostgres;
let run: WorkerProcessRun;
let worker: WorkerProcess;

beforeAll(async () => {
  pg = await startProxiedPostgres();
  run = await startWorkerProcessRun({
    taskQueuePrefix: 'chaos-pg',
    apiKey: 'chaos-pg-key-not-secret',
    simulator: { latencyMs: { metadata: 200, section: 300 } },
    databaseUrl: pg.workerUrl,
    settings: { HEARTBEAT_TIMEOUT_MS: '5000', SECTION_GROUP_DELAY_MS: '200' },
  });
  worker = await run.spawn();
});

afterAll(async () => {
  await run?.stop();
  await pg?.dispose();
});

interface PendingActivity {
  activityType?: { name?: string | null } | null;
  attempt?: number | null;
  lastFailure?: { message?: string | null } | null;
}

async function pendingCommit(handle: WorkflowHandle): Promise<PendingActivity | undefined> {
  const pending = ((await handle.describe()).raw.pendingActivities ?? []) as PendingActivity[];
  return pending.find((a) => a.activityType?.name === 'commitCourseActivity');
}

async function expectWrittenOnce(input: GenerationJobInput, result: GenerationResult, llmCallsBefore: number) {
  const counts = await persistedCounts(pg.databaseUrl, input.course_id);
  expect(counts.courseRows).toBe(1);
  expect(counts.ledgerDuplicates).toBe(0);
  // Every LLM call of the run is in the ledger exactly once.
  expect(counts.ledgerRows).toBe(run.sim.stats().requests - llmCallsBefore);
  expect(counts.artifacts).toMatchObject({ metadata: 1, section: 3, course_structure: 1 });
  const row = await withPg(pg.databaseUrl, async (c) => (await c.query('SELECT * FROM courses WHERE course_id = $1', [input.course_id])).rows[0]);
  expect(row).toMatchObject({ generation_status: 'completed', run_id: result.run_id });
  expect(row.course_structure.sections).toHaveLength(3);
  return { counts, committedAt: new Date(row.updated_at).getTime() };
}

test('PostgreSQL down when the commit starts: the commit retries with backoff and writes the course once', async () => {
  const input = exampleInput({ sections: 3 });
  const before = run.sim.stats().requests;
  // The commit's first query loads the sanitised structure; nothing else of a generation run reads that artifact.
  const outage = pg.outageOn((s) => s.query.startsWith('SELECT payload FROM generation_artifacts') && s.params.includes('course_structure'));
  const { handle } = await startCourseGeneration(run.client, input, { taskQueue: run.env.TEMPORAL_TASK_QUEUE });
  const downAt = await outage;
  const failing = await waitFor(
    'the commit to fail twice more while PostgreSQL is down',
    async () => {
      const commit = await pendingCommit(handle);
      return commit && (commit.attempt ?? 0) >= 3 ? commit : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  expect(failing.lastFailure?.message).toMatch(/PostgreSQL/);
  const upAt = await pg.endOutage();

  const result = (await handle.result()) as GenerationResult;
  expect(worker.hasExited()).toBe(false);
  const { counts, committedAt } = await expectWrittenOnce(input, result, before);
  const commitAttempts = activities(await historyEvents(handle)).find((a) => a.activityType === 'commitCourseActivity')!.finalAttempt!;
  expect(commitAttempts).toBeGreaterThanOrEqual(3);
  report('PostgreSQL outage when the commit starts', {
    outageMs: upAt - downAt,
    commitAttempts,
    lastFailureDuringOutage: failing.lastFailure?.message?.slice(0, 90),
    committedAfterRestartMs: committedAt - upAt,
    ledgerRows: counts.ledgerRows,
    workerSurvived: !worker.hasExited(),
  });
  // The first attempt after PostgreSQL is back comes within one (capped) backoff interval plus a margin.
  expect(committedAt - upAt).toBeLessThanOrEqual(DB_BACKOFF_CAP_MS + MARGIN_MS);
});

test('PostgreSQL down in the middle of the commit transaction: the run completes once (the worker process dies: product bug)', async () => {
  const input = exampleInput({ sections: 3 });
  const before = run.sim.stats().requests;
  const outage = pg.outageOn((s) => s.query.startsWith('INSERT INTO courses') && s.query.includes('course_structure'));
  const { handle } = await startCourseGeneration(run.client, input, { taskQueue: run.env.TEMPORAL_TASK_QUEUE });
  const downAt = await outage;
  // Does the worker survive losing its connection mid-transaction? Give it a moment to die if it is going to.
  const crashed = await waitFor('the worker to exit', () => worker.hasExited(), { timeoutMs: 3_000 }).catch(() => false);
  const crashLog = crashed ? worker.logs().split('\n').filter((l) => /error|terminated/i.test(l)).slice(-3).join(' | ') : '';
  if (!crashed) {
    await waitFor(
      'the commit to fail twice more while PostgreSQL is down',
      async () => ((await pendingCommit(handle))?.attempt ?? 0) >= 3,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }
  const upAt = await pg.endOutage();
  // A supervisor would restart a dead worker; so does the test.
  if (crashed) worker = await run.spawn();

  const result = (await handle.result()) as GenerationResult;
  const { counts, committedAt } = await expectWrittenOnce(input, result, before);
  const commitAttempts = activities(await historyEvents(handle)).find((a) => a.activityType === 'commitCourseActivity')!.finalAttempt!;
  report('PostgreSQL outage inside the commit transaction', {
    workerSurvived: !crashed,
    crashLog: crashLog.slice(0, 300),
    outageMs: upAt - downAt,
    commitAttempts,
    committedAfterOutageStartMs: committedAt - downAt,
    ledgerRows: counts.ledgerRows,
  });
  if (crashed) {
    // The lost attempt is only retried when its start-to-close expires (database activities do not heartbeat).
    expect(committedAt - downAt).toBeLessThanOrEqual(DB_START_TO_CLOSE_MS + DB_BACKOFF_CAP_MS + MARGIN_MS);
  } else {
    expect(commitAttempts).toBeGreaterThanOrEqual(3);
  }
  // A connection lost mid-transaction is a retryable DATABASE_ERROR, never an unhandled error event.
  expect(crashed).toBe(false);
});
