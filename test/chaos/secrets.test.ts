// Secrets: the LLM API key (a distinctive, OpenRouter-shaped value) must never appear in the workflow history, the
// worker's logs or the database — for a successful run, and for runs failing with 401s whose provider message
// echoes the key in full (simulator `echoKey: 'full'`, what a careless proxy does) on the metadata call, on a section
// call and on the embeddings call (EMBEDDINGS_API_KEY defaults to the LLM key). The worker is a real process so its
// stdout and stderr can be searched. A second worker with a short key that has no recognisable shape proves the
// configured key is redacted literally, not only by its shape. The Temporal API key (TEMPORAL_API_KEY) gets the
// same treatment: the worker sends it on every call to the dev server (which does not check it) and it must not
// appear anywhere either; a recording gRPC endpoint shows it travels as the SDK sends it, `authorization: Bearer`.
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { startCourseGeneration } from '../../client/start';
import type { GenerationJobInput } from '../../workflows/schemas';
import { ErrorType } from '../../workflows/types';
import { historySearchText, report, withPg } from '../support/observe';
import { startWorkerProcessRun, type WorkerProcess, type WorkerProcessRun } from '../support/worker-process';
import { connectClient, connectWorkerConnection, describeTemporalConnection, loadTemporalConnection } from '../../workers/temporal-connection';
import { exampleInput } from '../fixtures/example-input';
import { testStackEnv } from '../support/stack-env';

const SECRET_BODY = randomBytes(24).toString('hex');
const API_KEY = `sk-or-v1-${SECRET_BODY}`;
/** No prefix, shorter than 32 characters: nothing about it says "key". */
const SHORT_KEY = `cgk_${randomBytes(6).toString('hex')}`;
/** A Temporal Cloud-shaped API key for the worker's connection to Temporal. */
const TEMPORAL_API_KEY = `tmprl-api-${randomBytes(20).toString('hex')}`;

jest.setTimeout(240_000);

let run: WorkerProcessRun;
let shortRun: WorkerProcessRun;
let worker: WorkerProcess;
let shortWorker: WorkerProcess;

/** The simulator only accepts `key`: every call of the successful run proves the key was sent. */
function startWithKey(key: string): Promise<WorkerProcessRun> {
  return startWorkerProcessRun({
    taskQueuePrefix: 'chaos-secrets',
    apiKey: key,
    simulator: { latencyMs: { metadata: 100, section: 200, embedding: 20 }, apiKey: key },
    embeddingsFromSimulator: true,
    // An API key turns TLS on by default; the dev server speaks plain text, so TLS is turned off explicitly.
    settings: { HEARTBEAT_TIMEOUT_MS: '5000', SECTION_GROUP_DELAY_MS: '200', TEMPORAL_API_KEY, TEMPORAL_TLS: 'false' },
  });
}

beforeAll(async () => {
  [run, shortRun] = await Promise.all([startWithKey(API_KEY), startWithKey(SHORT_KEY)]);
  [worker, shortWorker] = await Promise.all([run.spawn(), shortRun.spawn()]);
});

afterAll(() => Promise.all([run?.stop(), shortRun?.stop()]));

interface Finished {
  input: GenerationJobInput;
  handle: WorkflowHandle;
  outcome: string;
}

async function runCourse(taskQueue: string, marker: string): Promise<Finished> {
  const input = exampleInput({ sections: 2 });
  input.frontend_parameters.course_title = `Secrets ${marker}: ${input.frontend_parameters.course_title}`;
  const { handle } = await startCourseGeneration(run.client, input, { taskQueue });
  const outcome = await handle.result().then(
    () => 'completed',
    (error: { cause?: { type?: string } }) => error.cause?.type ?? 'failed',
  );
  return { input, handle: handle as WorkflowHandle, outcome };
}

/** Every place a key could end up: each run's history, the worker's output, every row of the three tables. */
async function whereFound(needles: string[], runs: Finished[], logs: string): Promise<string[]> {
  const found: string[] = [];
  for (const finished of runs) {
    const history = await historySearchText(finished.handle);
    // The search really covers payloads: the run's input (its course title) is readable in it.
    expect(history.includes(finished.input.frontend_parameters.course_title)).toBe(true);
    for (const needle of needles) if (history.includes(needle)) found.push(`history of ${finished.input.course_id}`);
  }
  for (const needle of needles) if (logs.includes(needle)) found.push('worker logs');
  await withPg(testStackEnv().databaseUrl, async (pg) => {
    for (const table of ['courses', 'llm_calls', 'generation_artifacts']) {
      for (const needle of needles) {
        const { rowCount } = await pg.query(`SELECT 1 FROM ${table} t WHERE t::text LIKE '%' || $1 || '%'`, [needle]);
        if (rowCount) found.push(`${rowCount} row(s) of ${table}`);
      }
    }
  });
  return found;
}

test('the API key never reaches history, logs or the database, even when a 401 echoes it', async () => {
  run.sim.configure({
    faults: [
      { kind: 'unauthorized', echoKey: 'full', callKind: 'metadata', match: 'Secrets M401' },
      { kind: 'unauthorized', echoKey: 'full', callKind: 'section', match: 'Secrets S401' },
      { kind: 'unauthorized', echoKey: 'full', callKind: 'embedding', match: 'Secrets E401' },
    ],
  });
  const runs = await Promise.all(['OK', 'M401', 'S401', 'E401'].map((marker) => runCourse(run.env.TEMPORAL_TASK_QUEUE, marker)));
  expect(runs.map((r) => r.outcome)).toEqual(['completed', ErrorType.LLM_AUTH, ErrorType.SECTION_GENERATION_FAILED, ErrorType.LLM_AUTH]);
  // The provider really echoed the key in those 401s: the stored messages show where it was redacted.
  const errors = await withPg(testStackEnv().databaseUrl, async (pg) =>
    (await pg.query(`SELECT error_message FROM llm_calls WHERE course_id = ANY($1) AND outcome = 'LLM_AUTH'`, [runs.map((r) => r.input.course_id)])).rows.map(
      (r) => r.error_message as string,
    ),
  );
  // Metadata of M401, both sections of S401 (they run concurrently), embeddings of E401.
  expect(errors).toHaveLength(4);
  for (const message of errors) expect(message).toContain('[redacted]');

  const found = await whereFound([API_KEY, SECRET_BODY, TEMPORAL_API_KEY], runs, worker.logs());
  report('secrets: OpenRouter-shaped key', {
    runs: runs.map((r) => r.outcome),
    placesSearched: `${runs.length} histories, worker logs (${worker.logs().length} chars), courses/llm_calls/generation_artifacts`,
    found,
    storedAuthErrors: errors.map((e) => e.slice(0, 90)),
  });
  expect(found).toEqual([]);
});

test('a short key without a recognisable shape, echoed by a 401, is redacted everywhere', async () => {
  shortRun.sim.configure({ faults: [{ kind: 'unauthorized', echoKey: 'full', callKind: 'metadata', match: 'Secrets SHORT401' }] });
  const runs = await Promise.all(['SHORTOK', 'SHORT401'].map((marker) => runCourse(shortRun.env.TEMPORAL_TASK_QUEUE, marker)));
  expect(runs.map((r) => r.outcome)).toEqual(['completed', ErrorType.LLM_AUTH]);
  const found = await whereFound([SHORT_KEY, TEMPORAL_API_KEY], runs, shortWorker.logs());
  const logLine = shortWorker.logs().split('\n').find((line) => line.includes(SHORT_KEY));
  report('secrets: short key echoed by a 401', { found, logLine: logLine?.replace(SHORT_KEY, '<KEY>').trim().slice(0, 200) });
  // The successful run's history never holds it: without an echo nothing carries the key there.
  expect(found.filter((f) => f.includes(runs[0].input.course_id))).toEqual([]);
  expect(found).toEqual([]);
});

test('the Temporal API key travels as `authorization: Bearer <key>` and is not in the connection error', async () => {
  const received: (string | undefined)[] = [];
  // A gRPC endpoint that records each call's authorization header and refuses it, as a server rejecting the key does.
  const fake = http2.createServer();
  // Clients keep their HTTP/2 sessions open (and retry); closing the server waits for them unless they are ended.
  const sessions = new Set<http2.ServerHttp2Session>();
  fake.on('session', (session) => sessions.add(session));
  fake.on('stream', (stream, headers) => {
    received.push(headers.authorization as string | undefined);
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'unknown api key' }, { endStream: true });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  try {
    const temporal = loadTemporalConnection({
      TEMPORAL_ADDRESS: `127.0.0.1:${(fake.address() as AddressInfo).port}`,
      TEMPORAL_API_KEY,
      TEMPORAL_TLS: 'false',
    });
    const failures = await Promise.all([connectWorkerConnection(temporal), connectClient(temporal)].map((p) => p.then(() => 'connected', (e: Error) => e.message)));
    report('secrets: Temporal API key on the wire', { calls: received.length, headers: [...new Set(received.map((h) => h?.replace(TEMPORAL_API_KEY, '<KEY>')))], failures: failures.map((f) => f.split('\n')[0]) });
    expect(received.length).toBeGreaterThanOrEqual(2);
    expect(new Set(received)).toEqual(new Set([`Bearer ${TEMPORAL_API_KEY}`]));
    for (const message of failures) {
      expect(message).toMatch(/Cannot connect to Temporal at 127\.0\.0\.1:\d+/);
      expect(message).not.toContain(TEMPORAL_API_KEY);
    }
    expect(JSON.stringify(describeTemporalConnection(temporal))).not.toContain(TEMPORAL_API_KEY);
  } finally {
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => fake.close(resolve));
  }
});
