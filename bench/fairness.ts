// `npm run bench:fairness`: two tenants share one task queue on the production Temporal server (v1.32, SQLite):
// tenant A starts a batch of courses, tenant B one course right after. Measured: how long B's course waits for
// its first activity (the metadata call) and how long it takes to finish, with the server's task-queue fairness
// on (`matching.enableFairness`) and off. The worker's activity slots are few, so A's batch is a real backlog.
//
//   npx tsx bench/fairness.ts [--courses 30] [--slots 4] [--time-factor 0.01]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { startCourseGeneration } from '../client/start';
import { SEARCH_ATTRIBUTES } from '../stack/search-attributes';
import { resolveTemporalServerBinary } from '../stack/temporal-server-binary';
import { spawnTemporalServer } from '../stack/temporal-server-process';
import { waitForTemporal } from '../stack/temporal-server';
import type { GenerationJobInput } from '../workflows/schemas';
import { benchCourse } from './course';
import { openBenchEnv, type BenchEnv } from './env';
import { defaultOptions } from './options';

/** The production server on SQLite, frontend/history/matching only, fairness on or off for every task queue. */
async function startServer(binary: string, fairness: boolean): Promise<{ address: string; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-fairness-'));
  const server = await spawnTemporalServer({ binary, dir, dynamicConfig: `matching.enableFairness:\n  - value: ${fairness}\n` });
  const stop = async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const { address, tail } = server;
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const connection = await Connection.connect({ address, connectTimeout: 2000 });
        await connection.workflowService.registerNamespace({ namespace: 'default', workflowExecutionRetentionPeriod: msToTs('1 day') }).catch((error: { code?: number }) => {
          if (error.code !== 6) throw error; // ALREADY_EXISTS
        });
        await connection.close();
        break;
      } catch (error) {
        if (server.exited() || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await waitForTemporal(address, 'default', SEARCH_ATTRIBUTES, { timeoutMs: 60_000, log: () => undefined, exited: server.exited });
  } catch (error) {
    await stop();
    throw new Error(`the Temporal server did not start: ${(error as Error).message}\n${tail}`);
  }
  return { address, stop };
}

/** A small course (2 sections of 5 lessons): the backlog is many courses, not long ones. */
function smallCourse(): GenerationJobInput {
  const input = benchCourse();
  const structure = input.analysis_result.recommended_structure;
  structure.sections_breakdown = structure.sections_breakdown.slice(0, 2).map((s) => ({ ...s, estimated_lessons: 5 }));
  structure.total_sections = 2;
  structure.total_lessons = 10;
  return input;
}

/** Milliseconds from the run's start to its first activity's start, and to its end. */
async function delays(env: BenchEnv, workflowId: string): Promise<{ firstActivityMs: number; totalMs: number }> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const ms = (e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) =>
    Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
  const events = history.events ?? [];
  const start = ms(events[0]);
  const firstActivity = events.find((e) => e.activityTaskStartedEventAttributes);
  return { firstActivityMs: ms(firstActivity!) - start, totalMs: ms(events.at(-1)!) - start };
}

async function scenario(binary: string, fairness: boolean, courses: number, slots: number, timeFactor: number) {
  const server = await startServer(binary, fairness);
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = 'default';
  const options = { ...defaultOptions(), timeFactor, maxConcurrentActivities: slots, groupDelayMs: 0, concurrency: 2 };
  const env = await openBenchEnv(options);
  try {
    const backlog = Array.from({ length: courses }, smallCourse);
    for (const input of backlog) await startCourseGeneration(env.client, input, { taskQueue: env.taskQueue, priority: { fairnessKey: 'tenant-a' } });
    const single = smallCourse();
    const { handle } = await startCourseGeneration(env.client, single, { taskQueue: env.taskQueue, priority: { fairnessKey: 'tenant-b' } });
    await env.guard(handle.result());
    const b = await delays(env, handle.workflowId);
    await env.guard(Promise.all(backlog.map((input) => env.client.workflow.getHandle(`course-generation-${input.course_id}`).result())));
    const a = await Promise.all(backlog.map((input) => delays(env, `course-generation-${input.course_id}`)));
    const aTotals = a.map((d) => d.totalMs).sort((x, y) => x - y);
    return { fairness, tenantB: b, tenantA: { medianTotalMs: aTotals[Math.floor(aTotals.length / 2)], lastTotalMs: aTotals.at(-1) } };
  } finally {
    await env.close();
    await server.stop();
  }
}

async function main() {
  const { values } = parseArgs({
    options: { courses: { type: 'string', default: '30' }, slots: { type: 'string', default: '4' }, 'time-factor': { type: 'string', default: '0.01' } },
  });
  const binary = await resolveTemporalServerBinary((m) => process.stderr.write(`[bench] ${m}\n`));
  const results = [];
  for (const fairness of [false, true]) {
    results.push(await scenario(binary, fairness, Number(values.courses), Number(values.slots), Number(values['time-factor'])));
    process.stderr.write(`[bench] fairness ${fairness}: ${JSON.stringify(results.at(-1))}\n`);
  }
  console.log(JSON.stringify({ courses: Number(values.courses), slots: Number(values.slots), timeFactor: Number(values['time-factor']), results }, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
