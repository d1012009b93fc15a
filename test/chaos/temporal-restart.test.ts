// Temporal server restart in the middle of a section group, on a private server (its own data and ports; the shared
// one serves other test files): a dev server on its own SQLite file, or under jest.cluster.config.js the production
// server with its own databases on the run's PostgreSQL, its process stopped and started like an operator would.
// The worker is a real `tsx workers/main.ts` process. While the server is down the group's LLM calls finish, so
// their completions are reported to a server that is not there; the server then comes back on the same data and
// port. The run must complete, with the course row written once.
import { startCourseGeneration } from '../../client/start';
import { persistedCounts, report, resultWithin, sectionCallCounts, waitFor } from '../support/observe';
import { startPrivateTemporal, testEngine, type PrivateTemporal } from '../support/private-servers';
import { startWorkerProcessRun, type WorkerProcess, type WorkerProcessRun } from '../support/worker-process';
import { exampleInput } from '../fixtures/example-input';

const HEARTBEAT_TIMEOUT_MS = 5_000;
const SECTION_LATENCY_MS = 3_000;

jest.setTimeout(300_000);

let temporal: PrivateTemporal;
let run: WorkerProcessRun;
let worker: WorkerProcess;

beforeAll(async () => {
  temporal = await startPrivateTemporal();
  run = await startWorkerProcessRun({
    taskQueuePrefix: 'chaos-restart',
    apiKey: 'chaos-restart-key-not-secret',
    simulator: { latencyMs: { metadata: 200, section: SECTION_LATENCY_MS } },
    temporal,
    settings: { HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS), SECTION_GROUP_DELAY_MS: '300' },
  });
  worker = await run.spawn();
});

afterAll(async () => {
  await run?.stop();
  await temporal?.dispose();
});

test('the dev server restarts during a section group: the worker reconnects and the run completes', async () => {
  const input = exampleInput();
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  const { handle } = await startCourseGeneration(run.client, input, { taskQueue: run.env.TEMPORAL_TASK_QUEUE });
  await waitFor('group 1 in flight', () => run.sim.stats().calls.filter((c) => c.kind === 'section' && !c.endedAt).length === 4, {
    timeoutMs: 90_000,
    intervalMs: 100,
  });

  const downAt = Date.now();
  await temporal.stop();
  const stoppedAt = Date.now();
  // Keep it down until every call of the group has been answered: their completions meet a dead server.
  await waitFor('group 1 answered', () => run.sim.stats().calls.filter((c) => c.kind === 'section' && !c.endedAt).length === 0, {
    timeoutMs: 30_000,
  });
  const answeredWhileDown = run.sim.stats().calls.filter((c) => c.kind === 'section' && c.status === 200).length;
  await temporal.start();
  const upAt = Date.now();

  // If the worker process did not survive the outage, say so and start another one.
  const workerSurvived = !worker.hasExited();
  if (!workerSurvived) worker = await run.spawn();
  const result = await resultWithin(handle, 180_000);
  const doneAt = Date.now();

  expect(result.section_count).toBe(8);
  const counts = await persistedCounts(run.env.DATABASE_URL, input.course_id);
  expect(counts.courseRows).toBe(1);
  expect(counts.ledgerDuplicates).toBe(0);
  expect(counts.artifacts).toMatchObject({ metadata: 1, section: 8, course_structure: 1 });
  const perSection = sectionCallCounts(run.sim.stats());
  const firstCallAfterUp = run.sim.stats().calls.find((c) => c.startedAt > upAt);
  report(`${testEngine() === 'cluster' ? 'Temporal server (cluster)' : 'Temporal dev server'} restart during a section group`, {
    downMs: upAt - downAt,
    stopTookMs: stoppedAt - downAt,
    sectionCallsAnsweredWhileDown: answeredWhileDown,
    callsPerSection: plans.map((p) => perSection[p.area]),
    retryCountPerSection: result.generation_metadata.retry_count.sections,
    workerSurvived,
    firstLlmCallAfterRestartMs: firstCallAfterUp ? firstCallAfterUp.startedAt - upAt : null,
    completedAfterRestartMs: doneAt - upAt,
  });
  expect(workerSurvived).toBe(true);
  // Group 2 was never started twice; group 1 sections were asked at most once more (a completion lost with the
  // server is retried after the heartbeat timeout).
  for (const plan of plans.slice(4)) expect(perSection[plan.area]).toBe(1);
  for (const plan of plans.slice(0, 4)) expect(perSection[plan.area]).toBeLessThanOrEqual(2);
});
