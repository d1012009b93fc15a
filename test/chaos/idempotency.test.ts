// Idempotency: one workflow per course. Two `generate` commands racing for the same course attach to one run (one
// execution, LLM calls not doubled). Generating a completed course again attaches to the finished run; only
// `--rerun` starts a new one, and its commit replaces the course row in one transaction — the row is never missing,
// never half-updated (its run_id and its metadata's run_id always agree) and ends up once, with the new run_id.
import { courseWorkflowId } from '../../workflows/types';
import { persistedCounts, report, waitFor, withPg } from '../support/observe';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { exampleInput } from '../fixtures/example-input';
import { createHarness, type Harness } from '../support/harness';

jest.setTimeout(180_000);

let harness: Harness;
let pipeline: Pipeline;
const input = exampleInput({ sections: 3 });

beforeAll(async () => {
  harness = await createHarness();
  // Slow enough that the second command arrives while the first run is in flight.
  pipeline = await startPipeline(harness, { simulator: { timeFactor: 0.02 } });
});

afterAll(async () => {
  await pipeline?.close();
  await harness?.close();
});

async function executions(workflowId: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const execution of harness.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(execution.runId);
  return runs;
}

let firstRunId: string;

test('two concurrent generate commands for one course attach to a single run', async () => {
  pipeline.sim.resetStats();
  const [a, b] = await Promise.all([pipeline.generate(input), pipeline.generate(input)]);
  expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
  expect(a.json.run_id).toBe(b.json.run_id);
  firstRunId = a.json.run_id;
  const stats = pipeline.sim.stats();
  expect(stats.requestsByKind).toEqual({ metadata: 1, section: 3 });
  const runs = await waitFor('the run in the visibility store', async () => {
    const list = await executions(courseWorkflowId(input.course_id));
    return list.length > 0 ? list : null;
  }, { timeoutMs: 30_000, intervalMs: 250 });
  expect(runs).toEqual([firstRunId]);
  report('idempotency: concurrent starts', {
    runIds: [a.json.run_id, b.json.run_id],
    messages: [a.stderr, b.stderr].map((s) => s.split('\n')[0]),
    llmCalls: stats.requests,
    executions: runs.length,
  });
});

test('generate again without --rerun attaches to the completed run; --rerun replaces the row in one transaction', async () => {
  const before = pipeline.sim.stats().requests;
  const again = await pipeline.generate(input);
  expect(again.exitCode).toBe(0);
  expect(again.stderr).toContain('Attached to');
  expect(again.json.run_id).toBe(firstRunId);
  expect(pipeline.sim.stats().requests).toBe(before);

  // Watch the row while the re-run works and commits.
  const seen: Array<{ present: boolean; status?: string; runId?: string; metadataRunId?: string; sections?: number }> = [];
  let watching = true;
  const watcher = withPg(pipeline.clientConfig.databaseUrl, async (pg) => {
    while (watching) {
      const row = (await pg.query('SELECT generation_status, run_id, generation_metadata, course_structure FROM courses WHERE course_id = $1', [input.course_id])).rows[0];
      seen.push(
        row
          ? {
              present: true,
              status: row.generation_status,
              runId: row.run_id,
              metadataRunId: row.generation_metadata?.run_id,
              sections: row.course_structure?.sections?.length,
            }
          : { present: false },
      );
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  });
  const rerun = await pipeline.generate(input, { rerun: true });
  await new Promise((resolve) => setTimeout(resolve, 100));
  watching = false;
  await watcher;

  expect(rerun.exitCode).toBe(0);
  const newRunId = rerun.json.run_id as string;
  expect(newRunId).not.toBe(firstRunId);
  expect(pipeline.sim.stats().requests - before).toBe(4);
  for (const s of seen) {
    expect(s).toEqual({ present: true, status: 'completed', runId: s.runId, metadataRunId: s.runId, sections: 3 });
    expect([firstRunId, newRunId]).toContain(s.runId);
  }
  // One switch from the old run to the new one, never back.
  const switches = seen.filter((s, i) => i > 0 && s.runId !== seen[i - 1].runId).length;
  expect(seen[0].runId).toBe(firstRunId);
  expect(seen[seen.length - 1].runId).toBe(newRunId);
  expect(switches).toBe(1);
  const counts = await persistedCounts(pipeline.clientConfig.databaseUrl, input.course_id);
  expect(counts.courseRows).toBe(1);
  expect(counts.ledgerDuplicates).toBe(0);
  expect(counts.ledgerRows).toBe(8);
  const runs = await waitFor('both runs in the visibility store', async () => {
    const list = await executions(courseWorkflowId(input.course_id));
    return list.length === 2 ? list : null;
  }, { timeoutMs: 30_000, intervalMs: 250 });
  expect(new Set(runs)).toEqual(new Set([firstRunId, newRunId]));
  report('idempotency: re-run', {
    attachWithoutRerun: again.stderr.split('\n')[0],
    rowObservations: seen.length,
    runIdSwitches: switches,
    courseRows: counts.courseRows,
    ledgerRows: counts.ledgerRows,
  });
});
