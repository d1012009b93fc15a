// The operator commands (status, list, cancel) against the real stack: a worker with real activities, the LLM
// simulator slowed down so runs stay open while we look at them, PostgreSQL and the dev server.
import { cancelCommand, type CancelOutcome } from '../../client/commands/cancel';
import { listCommand, type ListedRun } from '../../client/commands/list';
import type { RunReport } from '../../client/commands/run-report';
import { statusCommand } from '../../client/commands/status';
import { exampleInput } from '../fixtures/example-input';
import { runOperatorCommand, usePipeline } from '../support/pipeline';

/** Section calls take 75 s × 0.05 = 3.75 s: long enough to catch a run mid-flight, short enough for CI. */
const SLOW = 0.05;

const context = usePipeline({
  simulator: { timeFactor: SLOW },
  // Heartbeats every 500 ms, so a cancellation reaches an in-flight LLM call within a couple of seconds.
  env: { HEARTBEAT_TIMEOUT_MS: '2000' },
});

const run = <T = any, O extends object = object>(command: Parameters<typeof runOperatorCommand<T, O>>[0], options: O) =>
  runOperatorCommand<T, O>(command, options, context.pipeline.clientConfig);

/** Polls until `probe` returns a value; fails with `what` when the deadline passes. */
async function eventually<T>(probe: () => Promise<T | null | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const liveReport = (course: string, accept: (r: RunReport) => boolean) =>
  eventually(async () => {
    const { json } = await run<RunReport>(statusCommand, { course, json: true });
    return json && json.source === 'live-query' && accept(json) ? json : null;
  }, 'a live status report in the expected state');

test('status: live progress from the query while open, then the recorded state from history and PostgreSQL', async () => {
  const input = exampleInput();
  const generating = context.pipeline.generate(input);

  // Second group running while the first is done: both kinds of section are in one report.
  const live = await liveReport(input.course_id, (r) => r.sections.done >= 1 && r.sections.running >= 1);
  expect(live).toMatchObject({ status: 'RUNNING', phase: 'generate_sections', course_id: input.course_id });
  expect(live.sections.total).toBe(8);
  const done = live.sections.list.filter((s) => s.status === 'done');
  expect(done.every((s) => s.model === 'openai/gpt-oss-120b' && s.attempt === 1)).toBe(true);
  expect(live.sections.list.filter((s) => s.status === 'running').every((s) => s.model === undefined)).toBe(true);
  expect(live.tokens).toBeGreaterThan(0);
  expect(live.ui_link).toContain(`/workflows/course-generation-${input.course_id}/${live.run_id}/history`);

  const text = await run(statusCommand, { course: input.course_id });
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/Status\s+RUNNING\s+phase generate_sections\s+\[live, from the workflow\]/);

  const outcome = await generating;
  expect(outcome.exitCode).toBe(0);
  const metadata = outcome.json.generation_metadata;

  const closed = (await run<RunReport>(statusCommand, { course: input.course_id, json: true })).json;
  expect(closed).toMatchObject({ status: 'COMPLETED', phase: 'completed', source: 'records', run_id: metadata.run_id, error: null });
  expect(closed.course_row).toMatchObject({ generation_status: 'completed', same_run: true });
  expect(closed.sections).toMatchObject({ total: 8, done: 8, running: 0, failed: 0 });
  expect(closed.sections.list.map((s) => s.title)).toEqual(outcome.json.course_structure.sections.map((s: any) => s.section_title));
  expect(closed.sections.list.map((s) => s.model)).toEqual(metadata.model_used.per_section);
  expect(closed.tokens).toBe(metadata.total_tokens.total);
  expect(closed.cost_usd).toBeCloseTo(metadata.cost_usd, 6);

  const byWorkflowId = await run(statusCommand, { workflowId: `course-generation-${input.course_id}` });
  expect(byWorkflowId.stdout).toContain('recorded: history + PostgreSQL');
  expect(byWorkflowId.stdout).toContain(`Web UI    ${closed.ui_link}`);
});

test('status: unknown runs exit 1, bad arguments exit 2', async () => {
  const missing = await run(statusCommand, { course: exampleInput().course_id });
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('No run with workflow id');
  expect((await run(statusCommand, { course: 'not-a-uuid' })).code).toBe(2);
  expect((await run(statusCommand, {})).code).toBe(2);
});

test('list: runs from the visibility API with phase, cost and the title from the static summary', async () => {
  const input = exampleInput({ sections: 2 });
  input.analysis_result.recommended_structure.sections_breakdown.forEach((s) => (s.estimated_lessons = 6));
  const title = input.frontend_parameters.course_title;
  const generating = context.pipeline.generate(input);

  const listed = (status: string) =>
    eventually(async () => {
      const { json } = await run<ListedRun[]>(listCommand, { status, course: input.course_id, json: true });
      return json?.length === 1 && json[0].phase ? json[0] : null;
    }, `the run listed as ${status} (visibility is eventually consistent)`);

  const running = await listed('running');
  expect(running).toMatchObject({ status: 'RUNNING', course_id: input.course_id, title, close_time: null });

  const outcome = await generating;
  expect(outcome.exitCode).toBe(0);
  const completed = await eventually(async () => {
    const run = await listed('completed');
    return run.phase === 'completed' ? run : null;
  }, 'the final CoursePhase upsert to reach visibility');
  expect(completed).toMatchObject({ status: 'COMPLETED', run_id: outcome.json.run_id, title });
  // CourseCostUsd is the workflow's running sum of receipts; the metadata sums the ledger: equal up to rounding.
  expect(completed.cost_usd).toBeCloseTo(outcome.json.generation_metadata.cost_usd, 4);

  const table = await run(listCommand, { course: input.course_id });
  expect(table.stdout).toMatch(/^WORKFLOW ID\s+STATUS\s+STARTED\s+PHASE\s+COST\s+TITLE$/m);
  expect(table.stdout).toContain(`course-generation-${input.course_id}  COMPLETED`);
  expect(table.stdout).toContain(title);

  const limited = await run<ListedRun[]>(listCommand, { limit: 1, json: true });
  expect(limited.json).toHaveLength(1);
  expect((await run(listCommand, { status: 'sleeping' })).code).toBe(2);
});

test('cancel: the run closes CANCELLED at once, in-flight LLM calls are aborted, the course row says cancelled', async () => {
  // Slower sections (15 s) so every call of the first group is still waiting on the model when we cancel.
  context.pipeline.sim.configure({ timeFactor: 0.2 });
  try {
    const input = exampleInput();
    const askedFrom = Date.now();
    const generating = context.pipeline.generate(input);
    const live = await liveReport(input.course_id, (r) => r.sections.running >= 1);
    const runningSections = live.sections.list.filter((s) => s.status === 'running').map((s) => s.number - 1);

    const cancelled = await run<CancelOutcome>(cancelCommand, { course: input.course_id, json: true, timeout: 60 });
    expect(cancelled.stderr).toContain('Cancellation requested');
    expect(cancelled.code).toBe(0);
    expect(cancelled.json).toMatchObject({ final_status: 'CANCELLED', recorded: true, run_id: live.run_id });
    // The workflow does not wait for the model: it closed before any call in flight would have answered (each
    // call's own planned latency at the simulator, not a wall-clock bound a loaded machine could miss).
    const closedAt = Date.parse(cancelled.json.report.closed_at!);
    const wouldAnswerAt = context.pipeline.sim
      .stats()
      .calls.filter((c) => c.kind === 'section' && c.startedAt >= askedFrom && c.plannedLatencyMs !== undefined && c.status === 0)
      .map((c) => c.startedAt + c.plannedLatencyMs!);
    expect(wouldAnswerAt.length).toBeGreaterThanOrEqual(runningSections.length);
    expect(closedAt).toBeLessThan(Math.min(...wouldAnswerAt));
    // The command waited for the calls in flight to abort, so its report already shows them cancelled.
    const inFlight = runningSections.map((i) => i + 1);
    expect(cancelled.json.in_flight).toEqual(inFlight);
    expect(cancelled.json.aborted).toEqual(inFlight);

    const row = await context.pipeline.stores.courses.get(input.course_id);
    expect(row).toMatchObject({
      generation_status: 'cancelled',
      error_type: 'CANCELLED',
      failed_phase: 'generate_sections',
      run_id: live.run_id,
    });
    expect((await generating).exitCode).toBe(1);

    // Each in-flight call learnt of the cancellation through its heartbeat, aborted its HTTP request (the
    // simulator saw the connection close unanswered) and wrote a CANCELLED ledger row; none of them completed.
    const ledger = await eventually(async () => {
      const rows = (await context.pipeline.stores.ledger.ofRun(live.run_id)).filter((r) => r.phase === 'section');
      return rows.length >= runningSections.length ? rows : null;
    }, 'a ledger row for every section call that was in flight', 20_000);
    expect(ledger.map((r) => r.sectionIndex).sort()).toEqual(runningSections.sort());
    expect(ledger.every((r) => r.outcome === 'CANCELLED')).toBe(true);
    await eventually(async () => (context.pipeline.sim.stats().inFlight === 0 ? true : null), 'the simulator to have no open calls', 20_000);

    const after = (await run<RunReport>(statusCommand, { course: input.course_id, json: true })).json;
    expect(after).toMatchObject({ status: 'CANCELLED', phase: 'failed', source: 'records', error: { type: 'CANCELLED' } });
    expect(after.sections.list.filter((s) => s.status === 'cancelled').map((s) => s.number - 1).sort()).toEqual(runningSections.sort());

    const again = await run(cancelCommand, { course: input.course_id });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not running: it is CANCELLED');
  } finally {
    context.pipeline.sim.configure({ timeFactor: SLOW });
  }
});
