// The PostgreSQL stores against the run's real database: idempotent migrations, ledger writes and commits.
import { randomUUID } from 'node:crypto';
import { Database } from '../../activities/db/database';
import type { LedgerEntry } from '../../activities/db/entries';
import { migrate } from '../../activities/db/migrations';
import { createStores, type Stores } from '../../activities/db/stores';
import { testStackEnv } from '../support/stack-env';

let stores: Stores;
beforeAll(async () => {
  stores = createStores(Database.fromUrl(testStackEnv().databaseUrl));
  await migrate(stores.database);
});
afterAll(async () => {
  await stores?.database.close();
});

test('migrations apply once: a second run applies nothing', async () => {
  expect(await migrate(stores.database)).toEqual([]);
});

test('a retried ledger write of the same (run, activity, attempt) is a no-op; other attempts add rows', async () => {
  const runId = randomUUID();
  const entry: LedgerEntry = {
    courseId: randomUUID(), workflowId: 'wf', runId, activityId: '7', phase: 'section', sectionIndex: 2, attempt: 1,
    model: 'm', promptTokens: 10, completionTokens: 20, costUsd: 0.00001234, costSource: 'price_table', latencyMs: 5,
    outcome: 'ok', errorMessage: null,
  };
  await stores.ledger.recordLlmCall(entry);
  await stores.ledger.recordLlmCall({ ...entry, promptTokens: 999 });
  await stores.ledger.recordLlmCall({ ...entry, attempt: 2 });
  const rows = await stores.ledger.ofRun(runId);
  expect(rows.map((r) => [r.attempt, r.promptTokens])).toEqual([[1, 10], [2, 10]]);
  expect(rows[0].costUsd).toBeCloseTo(0.00001234, 10);
  expect(await stores.ledger.spentCost(runId)).toBeCloseTo(0.00002468, 10);
  expect(await stores.ledger.activitySpend(runId, '7')).toEqual({ tokens: 60, costUsd: expect.closeTo(0.00002468, 10) });
});

test('committing twice keeps one row; a later failure keeps the committed structure and records the phase', async () => {
  const courseId = randomUUID();
  const base = { courseId, courseTitle: 'A title long enough', workflowId: 'wf', runId: 'r1', input: { i: 1 } };
  await stores.courses.commit({ ...base, structure: { v: 1 }, metadata: { m: 1 } });
  await stores.courses.commit({ ...base, runId: 'r2', structure: { v: 2 }, metadata: { m: 2 } });
  let row = await stores.courses.get(courseId);
  expect(row).toMatchObject({ generation_status: 'completed', run_id: 'r2', course_structure: { v: 2 } });
  await stores.courses.recordFailure({ courseId, courseTitle: base.courseTitle, workflowId: 'wf', runId: 'r3', status: 'failed', phase: 'generate_sections', errorType: 'LLM_AUTH', message: 'no' });
  row = await stores.courses.get(courseId);
  expect(row).toMatchObject({ generation_status: 'failed', failed_phase: 'generate_sections', course_structure: { v: 2 }, run_id: 'r3' });
});

test('a missing artifact is a named, non-retryable database failure', async () => {
  await expect(stores.artifacts.load({ runId: randomUUID(), kind: 'metadata' })).rejects.toMatchObject({
    type: 'DATABASE_ERROR',
    nonRetryable: true,
  });
});

test('an unreachable database surfaces as a retryable DATABASE_ERROR', async () => {
  const down = createStores(Database.fromUrl('postgres://nobody:nothing@127.0.0.1:1/none'));
  await expect(down.ledger.spentCost('x')).rejects.toMatchObject({ type: 'DATABASE_ERROR', nonRetryable: false });
  await down.database.close();
});
