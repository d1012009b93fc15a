// /healthz follows what the worker can do: a real worker process on a private dev server is healthy while it polls,
// turns unhealthy (503, naming Temporal) when the server goes away, and healthy again once the server is back and the
// worker polls again — without a restart of the worker.
import { freePorts } from '../../stack/util';
import { report, waitFor } from '../support/observe';
import { startPrivateTemporal, type PrivateTemporal } from '../support/private-servers';
import { startWorkerProcessRun, type WorkerProcess, type WorkerProcessRun } from '../support/worker-process';

jest.setTimeout(300_000);

let temporal: PrivateTemporal;
let run: WorkerProcessRun;
let worker: WorkerProcess;
let healthUrl: string;

beforeAll(async () => {
  temporal = await startPrivateTemporal();
  const [port] = await freePorts(1);
  healthUrl = `http://127.0.0.1:${port}/healthz`;
  run = await startWorkerProcessRun({
    taskQueuePrefix: 'chaos-health',
    apiKey: 'chaos-health-key-not-secret',
    simulator: { timeFactor: 0.004 },
    temporal,
    settings: { WORKER_HTTP_PORT: String(port) },
  });
  worker = await run.spawn();
});

afterAll(async () => {
  await run?.stop();
  await temporal?.dispose();
});

interface Health {
  status: number;
  body: { healthy: boolean; checks: Record<string, { ok: boolean; detail: string }> };
}

async function health(): Promise<Health> {
  const response = await fetch(healthUrl, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.json() };
}

test('/healthz: healthy while polling, 503 while Temporal is down, healthy again when it returns', async () => {
  // The server records a poller when its poll arrives: give the first polls a moment.
  await waitFor('healthy after start', async () => (await health()).status === 200, { timeoutMs: 30_000, intervalMs: 250 });
  const before = await health();
  expect(before.body).toMatchObject({ healthy: true, checks: { worker: { ok: true }, temporal: { ok: true }, database: { ok: true } } });

  const downAt = Date.now();
  await temporal.stop();
  await waitFor('unhealthy while Temporal is down', async () => (await health()).status === 503, { timeoutMs: 30_000, intervalMs: 250 });
  const unhealthyAfterMs = Date.now() - downAt;
  const down = await health();
  expect(down.body.healthy).toBe(false);
  expect(down.body.checks.temporal.ok).toBe(false);
  expect(down.body.checks.database.ok).toBe(true);

  await temporal.start();
  const upAt = Date.now();
  await waitFor('healthy once Temporal is back', async () => (await health()).status === 200, { timeoutMs: 120_000, intervalMs: 500 });
  const healthyAfterMs = Date.now() - upAt;
  expect(worker.hasExited()).toBe(false);
  report('worker /healthz across a Temporal restart', { unhealthyAfterMs, healthyAfterMs });
});
