// Bad input: 200+ malformed inputs (test/fixtures/bad-inputs.ts) through the CLI's generate command and
// straight to the workflow with a Temporal client, bypassing the CLI. Every one is rejected before any LLM call:
// exit code 2 from the CLI, VALIDATION_FAILED from the workflow (or, above Temporal's 2 MiB payload limit, a start
// the server refuses). A sample also goes through the real CLI process (`tsx client/cli.ts generate`). Afterwards
// the same worker still generates a valid course.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { GenerationJobInputSchema } from '../../workflows/schemas';
import { ErrorType, WORKFLOW_TYPE } from '../../workflows/types';
import { generateBadInputs, type BadInput } from '../fixtures/bad-inputs';
import { report, withPg } from '../support/observe';
import { startPipeline, writeInputFile, type Pipeline } from '../support/pipeline';
import { PROJECT_ROOT } from '../support/worker-process';
import { exampleInput } from '../fixtures/example-input';
import { createHarness, type Harness } from '../support/harness';

/** Temporal's default maximum payload (blob) size. */
const TEMPORAL_BLOB_LIMIT_BYTES = 2 * 1024 * 1024;
const CLI_SAMPLE = 6;

jest.setTimeout(240_000);

let harness: Harness;
let pipeline: Pipeline;
const inputs = generateBadInputs();

beforeAll(async () => {
  harness = await createHarness();
  pipeline = await startPipeline(harness);
  pipeline.sim.resetStats();
});

afterAll(async () => {
  await pipeline?.close();
  await harness?.close();
});

/** Runs `work` over `items` with at most `limit` in flight. */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index], index);
      }
    }),
  );
  return results;
}

function wireSize(input: BadInput): number {
  return Buffer.byteLength(input.rawText ? JSON.stringify(input.value) : JSON.stringify(input.value ?? null));
}

test('the generator yields at least 200 inputs, each invalid by the input contract', () => {
  expect(inputs.length).toBeGreaterThanOrEqual(200);
  for (const input of inputs) {
    if (input.rawText) expect(() => JSON.parse(input.value as string)).toThrow();
    else expect({ name: input.name, valid: GenerationJobInputSchema.safeParse(JSON.parse(JSON.stringify(input.value ?? null))).success }).toEqual({ name: input.name, valid: false });
  }
});

test('generate (in-process) rejects every one with exit code 2 and starts nothing', async () => {
  const outcomes = await inParallel(inputs, 8, async (input) => {
    const outcome = await pipeline.generate(input.value);
    return { name: input.name, exitCode: outcome.exitCode, json: outcome.json, stderr: outcome.stderr };
  });
  for (const o of outcomes) {
    expect({ name: o.name, exitCode: o.exitCode, json: o.json }).toEqual({ name: o.name, exitCode: 2, json: null });
    expect(o.stderr).toMatch(/VALIDATION_FAILED|not valid JSON|the limit is/);
  }
  expect(pipeline.sim.stats().requests).toBe(0);
  report('bad input through generateCommand', { inputs: outcomes.length, exit2: outcomes.filter((o) => o.exitCode === 2).length });
});

test('the real CLI process exits 2 for a sample of them', async () => {
  const categories = ['missing field', 'wrong type', 'invalid uuid', 'unsupported language', 'payload size', 'not json'];
  const sample = categories.map((c) => inputs.find((i) => i.category === c && (c !== 'payload size' || wireSize(i) > 512 * 1024))!);
  expect(sample).toHaveLength(CLI_SAMPLE);
  const results = await Promise.all(
    sample.map(async (input) => {
      const file = await writeInputFile(input.value);
      const child = spawn(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), ['client/cli.ts', 'generate', '--input', file, '--json'], {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: pipeline.clientConfig.address,
          TEMPORAL_NAMESPACE: pipeline.clientConfig.namespace,
          TEMPORAL_TASK_QUEUE: pipeline.taskQueue,
          DATABASE_URL: pipeline.clientConfig.databaseUrl,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      fs.rmSync(file, { force: true });
      return { name: input.name, code, stdout, stderr };
    }),
  );
  for (const r of results) {
    expect({ name: r.name, code: r.code, stdout: r.stdout }).toEqual({ name: r.name, code: 2, stdout: '' });
    expect(r.stderr).toMatch(/VALIDATION_FAILED|not valid JSON|the limit is/);
  }
  expect(pipeline.sim.stats().requests).toBe(0);
  report('bad input through the CLI process', { sample: results.map((r) => `${r.name.slice(0, 40)} → ${r.code}`) });
});

test('straight to the workflow (no CLI): every one fails with VALIDATION_FAILED before any LLM call', async () => {
  const stamp = Date.now().toString(36);
  const outcomes = await inParallel(inputs, 8, async (input, index) => {
    const workflowId = `chaos-bad-input-${stamp}-${index}`;
    const args = [input.value];
    let handle;
    try {
      handle = await harness.client.workflow.start(WORKFLOW_TYPE, { workflowId, taskQueue: pipeline.taskQueue, args });
    } catch (error) {
      // Only a payload above the server's blob limit may be refused at start; then no run may exist.
      const exists = await harness.client.workflow.getHandle(workflowId).describe().then(
        () => true,
        (e: unknown) => (e instanceof WorkflowNotFoundError ? false : Promise.reject(e)),
      );
      const cause = (error as { cause?: { details?: string; message?: string } }).cause;
      const detail = `${(error as Error).message}: ${cause?.details ?? cause?.message ?? ''}`.slice(0, 160);
      return { input, outcome: 'refused at start', detail, exists };
    }
    try {
      await handle.result();
      return { input, outcome: 'completed' };
    } catch (error) {
      const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
      return { input, outcome: cause instanceof ApplicationFailure ? (cause.type ?? 'untyped') : String(error) };
    }
  });
  for (const { input, outcome, exists } of outcomes) {
    if (wireSize(input) > TEMPORAL_BLOB_LIMIT_BYTES) {
      expect({ name: input.name, outcome, exists }).toEqual({ name: input.name, outcome: 'refused at start', exists: false });
    } else {
      expect({ name: input.name, outcome }).toEqual({ name: input.name, outcome: ErrorType.VALIDATION_FAILED });
    }
  }
  expect(pipeline.sim.stats().requests).toBe(0);
  // No course row for any of them (the well-formed ids among them).
  const ids = inputs
    .map((i) => (i.value as { course_id?: unknown } | null)?.course_id)
    .filter((id): id is string => typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id));
  const rows = await withPg(pipeline.clientConfig.databaseUrl, async (pg) =>
    Number((await pg.query('SELECT count(*) AS n FROM courses WHERE course_id::text = ANY($1)', [ids])).rows[0].n),
  );
  expect(rows).toBe(0);
  report('bad input straight to the workflow', {
    inputs: outcomes.length,
    validationFailed: outcomes.filter((o) => o.outcome === ErrorType.VALIDATION_FAILED).length,
    refusedAtStart: outcomes.filter((o) => o.outcome === 'refused at start').map((o) => `${o.input.name}: ${o.detail}`),
    llmRequests: pipeline.sim.stats().requests,
  });
});

test('the worker is still healthy: a valid course completes afterwards', async () => {
  const { exitCode, json, stderr } = await pipeline.generate(exampleInput({ sections: 2 }));
  expect(stderr).not.toContain('Generation failed');
  expect(exitCode).toBe(0);
  expect(json.course_structure.sections).toHaveLength(2);
});

test('U+0000 in free text is rejected by validation (PostgreSQL could not store it)', () => {
  // PostgreSQL text and jsonb cannot hold U+0000. Were such an input accepted, the LLM calls would be paid, the
  // metadata artifact (which echoes the title) could not be stored, and recording the failure would fail too.
  const fields = ['course_title', 'style', 'target_audience', 'user_instructions'] as const;
  const accepted = fields.filter((field) => {
    const input = exampleInput({ sections: 2 }) as unknown as { frontend_parameters: Record<string, string> };
    input.frontend_parameters[field] = `Synergy\u0000 Sales ${field}`;
    return GenerationJobInputSchema.safeParse(input).success;
  });
  report('bad input: U+0000 in free text', { acceptedFields: accepted });
  expect(accepted).toEqual([]);
});
