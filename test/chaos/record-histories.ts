// Records the workflow histories the replay test (test/chaos/replay.test.ts) checks the workflow code against:
//
//   npx tsx test/chaos/record-histories.ts            # private dev server + PostgreSQL in a temp folder
//   TEMPORAL_ADDRESS=… DATABASE_URL=… npx tsx test/chaos/record-histories.ts   # or an existing stack
//
// Three runs, each with the LLM simulator and a real worker process (`tsx workers/main.ts`):
//   success.json            8 sections in two groups with the durable delay between them, no fault;
//   retries-escalation.json a 429 with Retry-After on the metadata call and schema-invalid JSON from the tier-1
//                           model for section 2: both retried, section 2 escalated to the tier-2 model;
//   crash-resume.json       the worker SIGKILLed while section 2's call is in flight (sections 1, 3 and 4 done), a
//                           new worker started: the call is retried after the heartbeat timeout and the run completes;
//   repair-patience.json    section 2's tier-1 answer off its plan (repaired by the tier-2 model after quality
//                           validation) and section 3's provider down for its whole ladder (one patience round, then
//                           the provider is back and the run completes).
//   hybrid-metadata.json    METADATA_ROUTING=hybrid: the critical and support metadata calls at once, the support
//                           call failing once with a 500 and escalating on its own ladder, then the merge.
// Name scenarios as arguments to record only those (`npx tsx test/chaos/record-histories.ts repair-patience`).
// Re-record after a deliberate, versioned change of the workflow (one that is meant to break replay of old runs).
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startCourseGeneration } from '../../client/start';
import { startLlmSimulator, type LlmSimulator } from '../../simulator/server';
import { METADATA_SUPPORT_SCHEMA_NAME, type GenerationJobInput } from '../../workflows/schemas';
import { getProgressQuery } from '../../workflows/messages';
import { completedSections, historyEvents, waitFor } from '../support/observe';
import { startPrivatePostgres, startPrivateTemporal } from '../support/private-servers';
import { spawnWorker, type WorkerEnv, type WorkerProcess } from '../support/worker-process';
import { exampleInput } from '../fixtures/example-input';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'fixtures', 'histories');

interface Context {
  client: Client;
  sim: LlmSimulator;
  env: WorkerEnv;
  worker: WorkerProcess;
}

/**
 * history.toJSON(): protobufjs' JSON form (enum names, int64 as strings, bytes as base64), read back with
 * temporal.api.history.v1.History.fromObject. (historyToJSON from @temporalio/common/lib/proto-utils throws with the
 * proto3-json-serializer 2.0.2 installed here — a known incompatibility noted in the SDK's own source.)
 */
async function save(name: string, handle: WorkflowHandle): Promise<void> {
  const history = temporal.api.history.v1.History.create(await handle.fetchHistory());
  const json = `${JSON.stringify(history.toJSON(), null, 1)}\n`;
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), json);
  process.stderr.write(`recorded ${name}.json: ${history.events?.length} events, ${(json.length / 1024).toFixed(0)} KB\n`);
}

async function start(ctx: Context, input: GenerationJobInput): Promise<WorkflowHandle> {
  const { handle } = await startCourseGeneration(ctx.client, input, { taskQueue: ctx.env.TEMPORAL_TASK_QUEUE });
  return handle as WorkflowHandle;
}

async function recordSuccess(ctx: Context): Promise<void> {
  ctx.sim.configure({ faults: [] });
  const handle = await start(ctx, exampleInput());
  await handle.result();
  await save('success', handle);
}

async function recordRetries(ctx: Context): Promise<void> {
  const input = exampleInput({ sections: 4 });
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  ctx.sim.configure({
    faults: [
      { kind: 'rate_limit', callKind: 'metadata', retryAfterSeconds: 1, times: 1 },
      { kind: 'schema_invalid', model: 'openai/gpt-oss-120b', match: `Working title: ${plans[1].area}` },
    ],
  });
  const handle = await start(ctx, input);
  await handle.result();
  await save('retries-escalation', handle);
}

async function recordCrash(ctx: Context): Promise<void> {
  const input = exampleInput({ sections: 4 });
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  ctx.sim.configure({ faults: [{ kind: 'hang', callKind: 'section', match: `Working title: ${plans[1].area}`, times: 1 }] });
  const handle = await start(ctx, input);
  await waitFor(
    'sections 1, 3 and 4 done and section 2 hanging',
    async () => (await completedSections(await historyEvents(handle))).length === 3,
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  await ctx.worker.kill();
  ctx.worker = await spawnWorker(ctx.env);
  await handle.result();
  await save('crash-resume', handle);
}

async function recordRepairPatience(ctx: Context): Promise<void> {
  const input = exampleInput({ sections: 4 });
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  ctx.sim.configure({
    faults: [
      { kind: 'off_topic', model: 'openai/gpt-oss-120b', match: `Working title: ${plans[1].area}` },
      { kind: 'server_error', match: `Working title: ${plans[2].area}` },
    ],
  });
  const handle = await start(ctx, input);
  await waitFor(
    'section 3 waiting for its provider',
    async () => (await handle.query(getProgressQuery)).sections[2]?.status === 'waiting',
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  ctx.sim.configure({ faults: [{ kind: 'off_topic', model: 'openai/gpt-oss-120b', match: `Working title: ${plans[1].area}` }] });
  await handle.result();
  await save('repair-patience', handle);
}

async function recordHybridMetadata(ctx: Context): Promise<void> {
  ctx.sim.configure({ faults: [{ kind: 'server_error', schema: METADATA_SUPPORT_SCHEMA_NAME, times: 1 }] });
  const handle = await start(ctx, exampleInput({ sections: 4 }));
  await handle.result();
  await save('hybrid-metadata', handle);
}

const SCENARIOS: Record<string, (ctx: Context) => Promise<void>> = {
  success: recordSuccess,
  'retries-escalation': recordRetries,
  'crash-resume': recordCrash,
  'repair-patience': recordRepairPatience,
  'hybrid-metadata': recordHybridMetadata,
};

async function main(): Promise<void> {
  const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SCENARIOS);
  const unknown = chosen.filter((name) => !SCENARIOS[name]);
  if (unknown.length) throw new Error(`Unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const cleanups: Array<() => Promise<void>> = [];
  try {
    let address = process.env.TEMPORAL_ADDRESS;
    let databaseUrl = process.env.DATABASE_URL;
    if (!address) {
      const temporal = await startPrivateTemporal();
      cleanups.push(() => temporal.dispose());
      address = temporal.address;
    }
    if (!databaseUrl) {
      const pg = await startPrivatePostgres();
      cleanups.push(() => pg.dispose());
      databaseUrl = pg.databaseUrl;
    }
    const sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor: 1, latencyMs: { metadata: 200, section: 400 } });
    cleanups.push(() => sim.close());
    const env: WorkerEnv = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE || 'default',
      TEMPORAL_TASK_QUEUE: `record-histories-${Date.now().toString(36)}`,
      DATABASE_URL: databaseUrl,
      LLM_BASE_URL: sim.url,
      LLM_API_KEY: 'record-histories-key-not-secret',
      HEARTBEAT_TIMEOUT_MS: '5000',
      SECTION_GROUP_DELAY_MS: '500',
      // One short patience round for repair-patience: long enough to see the wait and end the outage during it.
      SECTION_PATIENCE: '3s',
      // The production default, said out loud: hybrid-metadata needs it.
      METADATA_ROUTING: 'hybrid',
    };
    const connection = await Connection.connect({ address });
    cleanups.push(() => connection.close());
    const ctx: Context = { client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }), sim, env, worker: await spawnWorker(env) };
    cleanups.push(() => ctx.worker.stop());
    for (const name of chosen) await SCENARIOS[name](ctx);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
