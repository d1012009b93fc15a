// How a run schedules its sections, on the real stack: each section's timeout is sized to its work (and shown in
// its activity summary), sections start in order of importance while the course keeps plan order, and the adaptive
// window narrows under a provider's concurrency limit; across courses, --priority and --tenant reach Temporal's
// task-queue priority and fairness keys.
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { getProgressQuery } from '../../workflows/messages';
import { exampleInput } from '../fixtures/example-input';
import { usePipeline } from '../support/pipeline';

const context = usePipeline();

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

async function sectionSchedules(workflowId: string): Promise<{ summary: string; timeoutMs: number; input: { sectionIndex: number; timeoutMs?: number } }[]> {
  const history = await context.harness.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((e: HistoryEvent) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'generateSectionActivity')
    .map((e: HistoryEvent) => {
      const attributes = e.activityTaskScheduledEventAttributes!;
      const timeout = attributes.startToCloseTimeout!;
      return {
        summary: defaultPayloadConverter.fromPayload<string>(e.userMetadata!.summary!),
        timeoutMs: Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6),
        input: defaultPayloadConverter.fromPayload(attributes.input!.payloads![0]),
      };
    });
}

test('each section gets a timeout sized to its lessons, within the bounds, shown in its activity summary', async () => {
  const input = exampleInput({ sections: 3 });
  const lessons = [1, 4, 14];
  input.analysis_result.recommended_structure.sections_breakdown.forEach((s, i) => (s.estimated_lessons = lessons[i]));
  input.analysis_result.recommended_structure.total_lessons = 19;
  const { exitCode, json, stderr } = await context.pipeline.generate(input);
  expect(stderr).not.toContain('Generation failed');
  expect(exitCode).toBe(0);

  const schedules = (await sectionSchedules(json.workflow_id)).sort((a, b) => a.input.sectionIndex - b.input.sectionIndex);
  expect(schedules).toHaveLength(3);
  const http = schedules.map((s) => s.input.timeoutMs!);
  // One lesson: the 45 s lower bound; four: in between; fourteen: the 120 s upper bound (LLM_SECTION_TIMEOUT_MS).
  expect(http[0]).toBe(45_000);
  expect(http[1]).toBeGreaterThan(45_000);
  expect(http[1]).toBeLessThan(120_000);
  expect(http[2]).toBe(120_000);
  // The activity's start-to-close keeps the worker's 30 s margin over the HTTP timeout.
  expect(schedules.map((s) => s.timeoutMs)).toEqual(http.map((ms) => ms + 30_000));
  schedules.forEach((s, i) => expect(s.summary).toContain(`timeout ${http[i] / 1000} s (${lessons[i]} lessons`));
  // Groups (the default fan-out) have no adaptive window to show.
  expect(schedules.every((s) => !s.summary.includes('window'))).toBe(true);
});

test('SECTION_ORDER=importance starts core sections first; the committed course keeps plan order', async () => {
  const importances = ['optional', 'core', 'important', 'core', 'optional'] as const;
  const run = async (sectionOrder: 'importance' | 'plan') => {
    const input = exampleInput({ sections: 5 });
    input.analysis_result.recommended_structure.sections_breakdown.forEach((s, i) => (s.importance = importances[i]));
    // One section at a time, so the scheduling order is the start order.
    const outcome = await context.pipeline.generate(input, { overrides: { sectionConcurrency: 1, sectionGroupDelayMs: 0, sectionOrder } });
    expect(outcome.stderr).not.toContain('Generation failed');
    expect(outcome.exitCode).toBe(0);
    const started = (await sectionSchedules(outcome.json.workflow_id)).map((s) => s.input.sectionIndex);
    return { input, started, structure: outcome.json.course_structure };
  };

  const byImportance = await run('importance');
  expect(byImportance.started).toEqual([1, 3, 2, 0, 4]);
  const areas = byImportance.input.analysis_result.recommended_structure.sections_breakdown.map((s) => s.area);
  expect(byImportance.structure.sections.map((s: { section_number: number }) => s.section_number)).toEqual([1, 2, 3, 4, 5]);
  expect(byImportance.structure.sections.map((s: { section_title: string }) => s.section_title)).toEqual(areas);

  const byPlan = await run('plan');
  expect(byPlan.started).toEqual([0, 1, 2, 3, 4]);
});

test('SECTION_FANOUT=adaptive narrows the window when sections meet 429s, and says so in progress and history', async () => {
  // The provider serves two section calls at once and answers 429 (retry in 1 s) to any more.
  context.pipeline.sim.configure({ faults: [{ kind: 'rate_limit', callKind: 'section', inFlightAbove: 2, retryAfterMs: 1000 }] });
  try {
    const input = exampleInput({ sections: 8 });
    const outcome = await context.pipeline.generate(input, {
      overrides: { fanoutMode: 'adaptive', sectionConcurrency: 4, sectionConcurrencyMin: 1 },
    });
    expect(outcome.stderr).not.toContain('Generation failed');
    expect(outcome.exitCode).toBe(0);

    const progress = await context.harness.client.workflow.getHandle(outcome.json.workflow_id).query(getProgressQuery);
    expect(progress.concurrency).toMatchObject({ min: 1, max: 4 });
    const changes = progress.concurrency!.changes;
    expect(changes[0]).toMatchObject({ width: 4, reason: 'start' });
    // Sections that met 429s halved the window (4 → 2) once for the burst.
    expect(changes.find((c) => c.reason === 'pressure')?.width).toBe(2);
    // The width each section started with is in its activity summary, so history shows the window over time.
    const summaries = (await sectionSchedules(outcome.json.workflow_id)).map((s) => s.summary);
    expect(summaries.every((s) => / · window [1-4]\/4$/.test(s))).toBe(true);
    expect(summaries.filter((s) => s.endsWith('window 4/4')).length).toBeGreaterThanOrEqual(4);
    const ledger = await context.pipeline.stores.ledger.ofRun(outcome.json.run_id);
    expect(ledger.filter((row) => row.outcome === 'LLM_RATE_LIMITED').length).toBeGreaterThan(0);
  } finally {
    context.pipeline.sim.configure({ faults: [] });
  }
});

test('--priority and --tenant start the run with the task-queue priority and fairness key; bad values start nothing', async () => {
  const input = exampleInput({ sections: 1 });
  input.analysis_result.recommended_structure.sections_breakdown[0].estimated_lessons = 10;
  input.analysis_result.recommended_structure.total_lessons = 10;
  const outcome = await context.pipeline.generate(input, { priority: '1', tenant: 'tenant-a' });
  expect(outcome.exitCode).toBe(0);
  const description = await context.harness.client.workflow.getHandle(outcome.json.workflow_id).describe();
  expect(description.raw.workflowExecutionInfo?.priority).toMatchObject({ priorityKey: 1, fairnessKey: 'tenant-a' });

  const before = context.pipeline.sim.stats().requests;
  for (const bad of [{ priority: '9' }, { priority: 'high' }, { tenant: 'a tenant with spaces' }]) {
    const rejected = await context.pipeline.generate(exampleInput({ sections: 1 }), bad);
    expect(rejected.exitCode).toBe(2);
    expect(rejected.stderr).toMatch(/--priority|--tenant/);
  }
  expect(context.pipeline.sim.stats().requests).toBe(before);
});
