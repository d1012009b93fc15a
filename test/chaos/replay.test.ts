// Replay: the recorded histories in test/fixtures/histories/ (a successful run, a run with retries and model
// escalation, a run whose worker was SIGKILLed and resumed, a run with a repaired section and a patience round —
// the three older ones recorded before repair and patience existed —, and a run with hybrid metadata routing whose
// support call escalated; re-record with `npx tsx test/chaos/record-histories.ts`)
// must replay against the current workflow code without a determinism violation. A workflow change that would
// break runs in flight fails this test.
//
// The second test proves the first one has teeth: it copies workflows/ into a scratch folder, makes a
// non-deterministic change there (a timer before the metadata phase), and expects every history to fail replay
// against that copy. The shared workflows/ folder is never touched.
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { report } from '../support/observe';

const HISTORIES_DIR = path.resolve(__dirname, '..', 'fixtures', 'histories');
const SCENARIOS = ['success', 'retries-escalation', 'crash-resume', 'repair-patience', 'hybrid-metadata'] as const;
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

jest.setTimeout(180_000);

beforeAll(() => {
  // Replay of a broken workflow logs its failures loudly; the test reads them from the results instead.
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  } catch {
    // already installed in this jest worker
  }
});

function loadHistory(name: string): temporal.api.history.v1.History {
  const json = JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, `${name}.json`), 'utf8'));
  return temporal.api.history.v1.History.fromObject(json);
}

async function replayAll(workflowsPath: string): Promise<ReplayResult[]> {
  const histories = SCENARIOS.map((name) => ({ workflowId: `replay-${name}`, history: loadHistory(name) }));
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath, replayName: 'chaos-replay' }, histories)) results.push(result);
  return results;
}

test('the recorded histories exist and hold what their names say', () => {
  const events = Object.fromEntries(SCENARIOS.map((name) => [name, loadHistory(name).events ?? []]));
  for (const name of SCENARIOS) {
    expect(events[name].at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
  }
  // The crash: activities that timed out on the lost worker (heartbeat) and were retried — seen as a started
  // attempt > 1 — plus the group's completed siblings.
  const attempts = (name: string) => events[name].filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
  expect(attempts('retries-escalation')).toBeGreaterThanOrEqual(2);
  expect(attempts('crash-resume')).toBeGreaterThanOrEqual(1);
  expect(events.success.filter((e) => e.timerStartedEventAttributes)).toHaveLength(1);
  // Repair and patience: one repair activity between two quality validations, one 3 s patience timer, and the
  // version markers of both behaviours (absent from the older histories, which replay without them).
  const scheduled = (name: string) => events[name].flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
  expect(scheduled('repair-patience').filter((n) => n === 'repairSectionActivity')).toHaveLength(1);
  expect(scheduled('repair-patience').filter((n) => n === 'validateQualityActivity')).toHaveLength(2);
  expect(events['repair-patience'].filter((e) => e.timerStartedEventAttributes).map((e) => String(e.timerStartedEventAttributes?.startToFireTimeout?.seconds))).toEqual(['3']);
  const patches = (name: string) => events[name].filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').length;
  expect(patches('repair-patience')).toBe(4);
  expect(patches('success')).toBe(0);
  // Hybrid metadata: both halves scheduled before either completed, the support half retried (attempt 2) alone,
  // then the merge; the older histories have none of it and replay through the single metadata call.
  const hybrid = scheduled('hybrid-metadata');
  expect(hybrid.slice(0, 3)).toEqual(['generateCriticalMetadataActivity', 'generateSupportMetadataActivity', 'mergeMetadataActivity']);
  expect(hybrid).not.toContain('generateMetadataActivity');
  const retried = events['hybrid-metadata'].filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  expect(retried).toHaveLength(1);
  expect(patches('hybrid-metadata')).toBe(5);
  for (const name of ['success', 'retries-escalation', 'crash-resume', 'repair-patience'] as const) {
    expect(scheduled(name).filter((n) => n === 'generateMetadataActivity')).toHaveLength(1);
  }
});

test.each([
  ['repair-patience', 4],
  ['hybrid-metadata', 5],
] as const)('version markers are recorded in the first workflow task, before the settings local activity (%s)', (name, count) => {
  // A patch checked after an await can be recorded in a later workflow task than the one a replay looks at (the task
  // after a local activity can split), and the history then fails to replay (seen: 1 adaptive run in 6).
  const events = loadHistory(name).events ?? [];
  const firstTaskEnd = events.findIndex((e) => e.workflowTaskCompletedEventAttributes);
  const secondTaskStart = events.findIndex((e, i) => i > firstTaskEnd && e.workflowTaskScheduledEventAttributes);
  const markers = events.map((e, i) => ({ name: e.markerRecordedEventAttributes?.markerName, i })).filter((m) => m.name);
  const patchAt = markers.filter((m) => m.name === 'core_patch').map((m) => m.i);
  const firstLocalActivity = markers.find((m) => m.name === 'core_local_activity')!.i;
  expect(patchAt).toHaveLength(count);
  expect(Math.max(...patchAt)).toBeLessThan(firstLocalActivity);
  expect(Math.max(...patchAt)).toBeLessThan(secondTaskStart < 0 ? events.length : secondTaskStart);
});

test('every recorded history replays against the current workflow code', async () => {
  const results = await replayAll(require.resolve('../../workflows'));
  expect(results.map((r) => ({ workflowId: r.workflowId, error: r.error ? String(r.error) : undefined }))).toEqual(
    SCENARIOS.map((name) => ({ workflowId: `replay-${name}`, error: undefined })),
  );
  report('replay of recorded histories', {
    histories: SCENARIOS.map((name) => `${name} (${loadHistory(name).events?.length} events)`),
    failures: results.filter((r) => r.error).length,
  });
});

test('a non-deterministic change of the workflow code fails the replay (checked on a scratch copy)', async () => {
  const scratch = fs.mkdtempSync(path.join(PROJECT_ROOT, '.stack', 'chaos-mutated-workflows-'));
  try {
    const copy = path.join(scratch, 'workflows');
    fs.cpSync(path.join(PROJECT_ROOT, 'workflows'), copy, { recursive: true });
    const file = path.join(copy, 'course-generation.ts');
    const source = fs.readFileSync(file, 'utf8');
    // The start of the metadata phase, which every recorded history passed (through one call or two).
    const anchor = /(\n\s*)(enter\('generate_metadata'\);)/;
    expect(source).toMatch(anchor);
    // A one-millisecond timer before the metadata phase: harmless for new runs, a different command sequence
    // for every run already past that point.
    const mutated = `import { sleep as chaosSleep } from '@temporalio/workflow';\n${source.replace(anchor, '$1await chaosSleep(1);$1$2')}`;
    fs.writeFileSync(file, mutated);

    const results = await replayAll(path.join(copy, 'index.ts'));
    expect(results).toHaveLength(SCENARIOS.length);
    for (const result of results) {
      expect({ workflowId: result.workflowId, error: result.error?.constructor.name }).toEqual({
        workflowId: result.workflowId,
        error: DeterminismViolationError.name,
      });
    }
    report('replay against a non-deterministic change', {
      change: 'await sleep(1) before the metadata phase',
      results: results.map((r) => `${r.workflowId}: ${r.error?.constructor.name}: ${String(r.error?.message).slice(0, 80)}`),
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});
