// Three worker processes on one task queue against the production Temporal server on PostgreSQL, 100 courses at
// once: one worker is SIGKILLed mid-run and a fourth is added. Every course completes; no section is requested from
// the LLM twice unless its first attempt was running when the worker died and timed out with it (calls counted at
// the simulator, attempts read from the histories); the work spreads over the workers, the added one included
// (activities per worker, from the histories' ActivityTaskStarted identities).
// Heartbeat timeouts are 10 s: a lost worker's sections are retried soon, and a worker slowed by a busy machine
// is not mistaken for a lost one.
import fs from 'node:fs';
import os from 'node:os';
import type { WorkflowHandle } from '@temporalio/client';
import { startCourseGeneration } from '../../client/start';
import type { GenerationResult } from '../../workflows/types';
import { activities, historyEvents, report, waitFor, withPg } from '../support/observe';
import { startWorkerProcessRun, type WorkerProcess, type WorkerProcessRun } from '../support/worker-process';
import { exampleInput } from '../fixtures/example-input';
import { testStackEnv } from '../support/stack-env';

const COURSES = 100;
/** Short enough that 100 courses finish in about a minute on 2 cores, long enough that a kill lands mid-section. */
const LATENCY_MS = { metadata: 500, section: 2_000, embedding: 50 };
/** A lost worker's section is retried 10 s after its last heartbeat instead of 20 s; shorter, and a worker starved of CPU on a busy
 * machine misses heartbeats too. */
const HEARTBEAT_TIMEOUT_MS = 10_000;
/** The kill lands once this share of the section calls has been answered: the run is well under way. */
const KILL_AFTER_SECTIONS = Math.round(COURSES * 8 * 0.3);
/** Each course waits this long on its durable timer between its two groups of four sections, so the second groups —
 * half the run's sections — are scheduled after the added worker is up (it needs 25–70 s to start on a busy 2-core
 * machine): the added worker meets work by the workflow's own schedule, not by how slow the machine happens to be. */
const SECTION_GROUP_DELAY_MS = 90_000;
const RUN_DEADLINE_MS = 420_000;
/** How far the simulator's clock of a call may lag the kill on a busy machine. */
const KILL_SLACK_MS = 1_000;

jest.setTimeout(600_000);

let run: WorkerProcessRun;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  // One environment, hence one task queue, for every worker process of the test.
  run = await startWorkerProcessRun({
    taskQueuePrefix: 'multi-worker',
    apiKey: 'multi-worker-key-not-secret',
    simulator: { latencyMs: LATENCY_MS },
    settings: {
      HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
      SECTION_GROUP_DELAY_MS: String(SECTION_GROUP_DELAY_MS),
      WORKER_MAX_CONCURRENT_ACTIVITIES: '500',
    },
  });
  workers.push(...(await Promise.all([run.spawn(), run.spawn(), run.spawn()])));
});

afterAll(() => run?.stop());

/** The pids of a process and all its descendants (tsx runs the worker in a child node process). */
function processTree(root: number): Set<number> {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

test('100 courses on three workers, one SIGKILLed and one added mid-run: all complete, nothing generated twice beyond the attempts lost with the killed worker, work spreads', async () => {
  // The SDK's default identity is `<pid>@<hostname>`: the pid is the node process tsx started for the worker.
  const trees = workers.map((w) => processTree(w.pid));
  const inputs = Array.from({ length: COURSES }, (_, i) => {
    const input = exampleInput();
    // A title per course, so the simulator's call log tells the courses apart.
    input.frontend_parameters.course_title = `Multi-worker course ${i + 1}`;
    return input;
  });
  const startedAt = Date.now();
  const handles: WorkflowHandle[] = await Promise.all(
    inputs.map(async (input) => (await startCourseGeneration(run.client, input, { taskQueue: run.env.TEMPORAL_TASK_QUEUE })).handle as WorkflowHandle),
  );
  const results = handles.map((h) => h.result() as Promise<GenerationResult>);
  results.forEach((r) => r.catch(() => undefined));

  await waitFor(`${KILL_AFTER_SECTIONS} section calls answered`, () => run.sim.stats().calls.filter((c) => c.kind === 'section' && c.status === 200).length >= KILL_AFTER_SECTIONS, {
    timeoutMs: RUN_DEADLINE_MS,
    intervalMs: 200,
  });
  const victim = workers[1];
  const killAt = await victim.kill();
  const added = await run.spawn();
  workers.push(added);
  trees.push(processTree(added.pid));

  let deadline: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    Promise.allSettled(results),
    new Promise<never>((_, reject) => (deadline = setTimeout(() => reject(new Error('the courses did not all finish in time')), RUN_DEADLINE_MS))),
  ]).finally(() => clearTimeout(deadline));
  const makespanMs = Date.now() - startedAt;
  const failures = settled.filter((s) => s.status === 'rejected');
  const causes = (error: unknown): string => (error ? `${(error as Error).message} <- ${causes((error as { cause?: unknown }).cause)}` : '');
  expect(failures.map((f) => causes((f as PromiseRejectedResult).reason))).toEqual([]);
  for (const s of settled) expect((s as PromiseFulfilledResult<GenerationResult>).value.section_count).toBe(8);

  // At the simulator: one call per section and course, except sections whose first attempt was lost with the killed worker.
  const calls = run.sim.stats().calls.filter((c) => c.kind === 'section');
  const perSection = new Map<string, typeof calls>();
  for (const c of calls) {
    const key = `${c.courseTitle} / ${c.sectionTitle}`;
    perSection.set(key, [...(perSection.get(key) ?? []), c]);
  }
  expect(perSection.size).toBe(COURSES * 8);
  // The calls open when the worker died: started before the kill and not yet answered. The simulator answers a dead
  // connection like a live one, so they include the killed worker's calls, which a retry repeats, and the surviving
  // workers' calls, which it does not. The slack covers the simulator's own event-loop lag on a busy machine.
  const openAtKill = (c: (typeof calls)[number]) => c.startedAt <= killAt + KILL_SLACK_MS && (c.endedAt ?? Infinity) >= killAt - KILL_SLACK_MS;
  const inFlightAtKill = calls.filter(openAtKill);
  const histories = await Promise.all(handles.map((h) => historyEvents(h)));
  const activitiesPerCourse = histories.map(activities);
  // How each section's activity ended, from its course's history: the attempt that closed it and how the one before ended.
  const sectionActivity = (courseTitle: string, sectionTitle: string) => {
    const course = inputs.findIndex((i) => i.frontend_parameters.course_title === courseTitle);
    const index = inputs[course].analysis_result.recommended_structure.sections_breakdown.findIndex((p) => p.area === sectionTitle);
    return activitiesPerCourse[course].find((a) => a.activityType === 'generateSectionActivity' && a.sectionIndex === index && a.completed);
  };
  const repeated = [...perSection.values()].filter((list) => list.length > 1);
  // Every section asked twice was first asked by an attempt that was running when the worker died and lost its
  // worker (its heartbeat or start-to-close timer ran out, then a later attempt asked again and got its answer).
  // Such an attempt may have had its answer already, but died before it could store or report it: the lost
  // milliseconds between the HTTP response and the activity's result, which a busy machine stretches to a second
  // or more. An attempt can also be lost without any call: a task the server handed to one of the dead worker's
  // open polls times out the same way, so the final attempt may be 3 for two calls.
  const lostAttempt = (list: typeof calls) => {
    const activity = sectionActivity(list[0].courseTitle!, list[0].sectionTitle!);
    return (
      list.length === 2 &&
      list[0].startedAt <= killAt + KILL_SLACK_MS &&
      list[1].status === 200 &&
      (activity?.finalAttempt ?? 1) >= 2 &&
      ['HEARTBEAT', 'START_TO_CLOSE'].includes(activity?.previousAttemptEnded ?? '')
    );
  };
  const unexplained = repeated.filter((list) => !lostAttempt(list));
  expect(
    unexplained.map((list) => ({
      activity: sectionActivity(list[0].courseTitle!, list[0].sectionTitle!),
      calls: list.map((c) => ({ ...c, startedAfterKillMs: c.startedAt - killAt })),
    })),
  ).toEqual([]);
  const answeredBeforeKill = repeated.filter((list) => (list[0].endedAt ?? Infinity) < killAt - KILL_SLACK_MS);

  // Every course committed once in the project's database.
  const courseRows = await withPg(testStackEnv().databaseUrl, async (pg) =>
    Number((await pg.query('SELECT count(*) AS n FROM courses WHERE course_id = ANY($1)', [inputs.map((i) => i.course_id)])).rows[0].n),
  );
  expect(courseRows).toBe(COURSES);

  // Activities per worker process: the identity of the attempt that closed each activity.
  const perIdentity: Record<string, number> = {};
  for (const events of histories) {
    for (const event of events) {
      const identity = event.activityTaskStartedEventAttributes?.identity;
      if (identity) perIdentity[identity] = (perIdentity[identity] ?? 0) + 1;
    }
  }
  const activitiesOf = (tree: Set<number>) =>
    Object.entries(perIdentity)
      .filter(([identity]) => tree.has(Number(identity.split('@')[0])))
      .reduce((sum, [, n]) => sum + n, 0);
  const perWorker = trees.map(activitiesOf);
  // The scene the proof needs: work was still to be scheduled when the added worker began to poll.
  const sectionsScheduledAfterAddedReady = activitiesPerCourse
    .flat()
    .filter((a) => a.activityType === 'generateSectionActivity' && a.scheduledAt > added.readyAt).length;
  expect(sectionsScheduledAfterAddedReady).toBeGreaterThanOrEqual(COURSES);
  const survivors = [0, 2, 3];
  for (const i of survivors) expect(perWorker[i]).toBeGreaterThan(0);
  // Nothing ran anywhere else: every activity belongs to one of the four workers.
  expect(perWorker.reduce((a, b) => a + b, 0)).toBe(Object.values(perIdentity).reduce((a, b) => a + b, 0));

  report('multi-worker on the cluster', {
    courses: COURSES,
    makespanMs,
    sectionCalls: calls.length,
    sectionCallsInFlightAtKill: inFlightAtKill.length,
    sectionsRequestedTwice: repeated.length,
    requestedTwiceAnsweredBeforeKill: answeredBeforeKill.length,
    activitiesPerWorker: { first: perWorker[0], killed: perWorker[1], third: perWorker[2], added: perWorker[3] },
    killAfterMs: killAt - startedAt,
    addedWorkerReadyAfterKillMs: added.readyAt - killAt,
    sectionsScheduledAfterAddedReady,
    cores: os.cpus().length,
  });
});
