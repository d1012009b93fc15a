// PostgreSQL outage on the cluster: one private PostgreSQL holds both Temporal's databases (a private production
// server on it, test/support/private-servers.ts startPrivateTemporal) and the project's tables, so stopping it takes
// Temporal and the course data down together, as in a deployment where both share one database server. The worker
// is a real `tsx workers/main.ts` process reaching PostgreSQL through the TCP proxy armed on the commit's first
// query; Temporal's server connects directly and loses its database when PostgreSQL stops (fast shutdown).
//
// While PostgreSQL is down the commit fails on the worker, and the worker cannot even report that to Temporal (the
// server answers, but cannot persist anything). Nothing observable tells the test how far the retries got, so the
// outage has a fixed length, longer than the commit's first backoffs (1 s, 2 s, 4 s: workflows/options.ts
// databaseOptions). After PostgreSQL is back, both recover on their own: the run completes, the course row is
// written once, every LLM call is in the ledger once and no section was generated twice. A second case takes
// PostgreSQL down while a section group is in flight: the group's answers arrive while neither the ledger nor
// Temporal can take them, so the worker keeps them, with their ledger rows, in its spool (activities/db/spool.ts);
// when both are back, Temporal retries the group's attempts and the worker answers them from the spool. So every
// LLM call is in the ledger once, and every section is asked exactly once: the answers reach the worker (the
// simulator stays up), and the retried attempts land on the same worker — its spool is local, so with several
// workers an attempt retried on another one would ask again (bounded by the number of workers holding the answer).
import { startCourseGeneration } from '../../client/start';
import { activities, historyEvents, persistedCounts, report, resultWithin, sectionCallCounts, waitFor, withPg } from '../support/observe';
import { startPrivateTemporal, startProxiedPostgres, type PrivateTemporal, type ProxiedPostgres } from '../support/private-servers';
import { startWorkerProcessRun, type WorkerProcess, type WorkerProcessRun } from '../support/worker-process';
import { exampleInput } from '../fixtures/example-input';
import { courseWorkflowId } from '../../workflows/types';

/** Past the commit's first three backoffs, so it fails several times while both are down. */
const OUTAGE_MS = 10_000;
/** databaseOptions (workflows/options.ts): backoff capped at 30 s; plus the server's own recovery and a margin. */
const RECOVERY_BOUND_MS = 30_000 + 30_000;

jest.setTimeout(300_000);

let pg: ProxiedPostgres;
let temporal: PrivateTemporal;
let run: WorkerProcessRun;
let worker: WorkerProcess;

beforeAll(async () => {
  pg = await startProxiedPostgres();
  temporal = await startPrivateTemporal(undefined, { postgresUrl: pg.databaseUrl });
  // Sections take long enough for the outage to begin while a group is in flight.
  run = await startWorkerProcessRun({
    taskQueuePrefix: 'cluster-pg',
    apiKey: 'cluster-pg-key-not-secret',
    simulator: { latencyMs: { metadata: 200, section: 2_000 } },
    temporal,
    databaseUrl: pg.workerUrl,
    settings: { HEARTBEAT_TIMEOUT_MS: '5000', SECTION_GROUP_DELAY_MS: '200' },
  });
  worker = await run.spawn();
});

afterAll(async () => {
  await run?.stop();
  await temporal?.dispose();
  await pg?.dispose();
});

test('PostgreSQL (Temporal and the course data) down when the commit starts: both recover and the course is written once', async () => {
  const input = exampleInput({ sections: 3 });
  const before = run.sim.stats().requests;
  const outage = pg.outageOn((s) => s.query.startsWith('SELECT payload FROM generation_artifacts') && s.params.includes('course_structure'));
  await startCourseGeneration(run.client, input, { taskQueue: run.env.TEMPORAL_TASK_QUEUE });
  const downAt = await outage;
  const handle = run.client.workflow.getHandle(courseWorkflowId(input.course_id));
  // Temporal is down with its database: the frontend answers but cannot read the workflow (asked with a short
  // deadline: the server itself waits on its database for much longer).
  const describedDuringOutage = await run.connection.withDeadline(Date.now() + 3_000, () => handle.describe()).then(() => true, () => false);
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - downAt)));
  const upAt = await pg.endOutage();

  const result = await resultWithin(handle, 180_000);
  const doneAt = Date.now();
  expect(worker.hasExited()).toBe(false);
  const counts = await persistedCounts(pg.databaseUrl, input.course_id);
  expect(counts.courseRows).toBe(1);
  expect(counts.ledgerDuplicates).toBe(0);
  expect(counts.ledgerRows).toBe(run.sim.stats().requests - before);
  expect(counts.artifacts).toMatchObject({ metadata: 1, section: 3, course_structure: 1 });
  const row = await withPg(pg.databaseUrl, async (c) => (await c.query('SELECT * FROM courses WHERE course_id = $1', [input.course_id])).rows[0]);
  expect(row).toMatchObject({ generation_status: 'completed', run_id: result.run_id });
  // No section was generated twice: the outage came after every section was done.
  const perSection = sectionCallCounts(run.sim.stats());
  const areas = input.analysis_result.recommended_structure.sections_breakdown.map((p) => p.area);
  expect(areas.map((area) => perSection[area])).toEqual(areas.map(() => 1));
  const commitAttempts = activities(await historyEvents(handle)).find((a) => a.activityType === 'commitCourseActivity')!.finalAttempt!;
  expect(commitAttempts).toBeGreaterThanOrEqual(2);
  report('PostgreSQL outage (Temporal cluster and course data) when the commit starts', {
    outageMs: upAt - downAt,
    describedDuringOutage,
    commitAttempts,
    completedAfterRestartMs: doneAt - upAt,
    ledgerRows: counts.ledgerRows,
    workerSurvived: !worker.hasExited(),
  });
  expect(describedDuringOutage).toBe(false);
  expect(doneAt - upAt).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
});

test('PostgreSQL (Temporal and the course data) down while a section group is in flight: both recover and the course is written once', async () => {
  const input = exampleInput();
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  const before = run.sim.stats().requests;
  const sectionCallsBefore = sectionCallCounts(run.sim.stats());
  const inFlight = () => run.sim.stats().calls.filter((c) => c.kind === 'section' && !c.endedAt).length;
  const { handle } = await startCourseGeneration(run.client, input, { taskQueue: run.env.TEMPORAL_TASK_QUEUE });
  await waitFor('group 1 in flight', () => inFlight() === 4, { timeoutMs: 90_000, intervalMs: 50 });
  const downAt = await pg.outageNow();
  // The group's LLM calls finish while both are down: their results meet neither the ledger nor Temporal.
  await waitFor('group 1 answered', () => inFlight() === 0, { timeoutMs: 30_000 });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
  const upAt = await pg.endOutage();

  const workerSurvived = !worker.hasExited();
  if (!workerSurvived) worker = await run.spawn();
  const result = await resultWithin(handle, 240_000);
  const doneAt = Date.now();
  const counts = await persistedCounts(pg.databaseUrl, input.course_id);
  const allCalls = sectionCallCounts(run.sim.stats());
  // The first case asked the same section titles: count this run's calls only.
  const perSection = Object.fromEntries(Object.entries(allCalls).map(([area, n]) => [area, n - (sectionCallsBefore[area] ?? 0)]));
  const logs = worker.logs();
  report('PostgreSQL outage (Temporal cluster and course data) during a section group', {
    outageMs: upAt - downAt,
    callsPerSection: plans.map((p) => perSection[p.area]),
    retryCountPerSection: result.generation_metadata.retry_count.sections,
    completedAfterRestartMs: doneAt - upAt,
    ledgerRows: counts.ledgerRows,
    llmCalls: run.sim.stats().requests - before,
    workerSurvived,
  });
  expect(result.section_count).toBe(plans.length);
  expect(counts.courseRows).toBe(1);
  expect(counts.ledgerDuplicates).toBe(0);
  expect(counts.artifacts).toMatchObject({ metadata: 1, section: plans.length, course_structure: 1 });
  expect(workerSurvived).toBe(true);
  // Every paid call is on record once: the rows written while PostgreSQL was down came from the spool.
  expect(counts.ledgerRows).toBe(run.sim.stats().requests - before);
  // Each section asked exactly once, the group in flight included: its answers were kept and used.
  expect(plans.map((p) => [p.area, perSection[p.area]])).toEqual(plans.map((p) => [p.area, 1]));
  // The answers did go through the spool (not a lucky ordering): the worker said so when it kept and flushed them.
  expect(logs).toContain("PostgreSQL unreachable: spooled on the worker's disk");
  expect(logs).toContain('Spooled entries written to PostgreSQL');
});
