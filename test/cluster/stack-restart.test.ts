// `npm run services -- --cluster` as a user runs it: embedded PostgreSQL, the Temporal server v1.32.0 on it and the
// standalone Web UI, in the foreground until SIGTERM. A run started on it is still there after the whole stack is
// stopped and started again on the same data folder, because Temporal keeps it in PostgreSQL; the second start
// finds Temporal's databases already migrated. The Web UI answers for the same server: its API lists the run.
// This file builds the Web UI server on a machine that has not built it yet (stack/temporal-ui-server.ts).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { startCourseGeneration } from '../../client/start';
import { freePorts, PROJECT_ROOT, tcpOpen } from '../../stack/util';
import { report } from '../support/observe';
import { exampleInput } from '../fixtures/example-input';

jest.setTimeout(900_000); // a first Web UI build on a cold Go module cache takes minutes

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-cluster-stack-'));
fs.chmodSync(root, 0o755); // PostgreSQL started by root runs as 'postgres' and must enter it
let services: Services | undefined;

afterAll(async () => {
  await services?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

interface Services {
  lines: Record<string, string>;
  startMs: number;
  stop(): Promise<number | null>;
}

/** Starts `npm run services -- --cluster` (the script itself, without npm's wrapper) and waits for its KEY=value lines. */
async function startServices(ports: { temporal: number; ui: number; postgres: number }): Promise<Services> {
  const env = { ...process.env };
  // The test stack's own servers are in this environment: the services must start theirs.
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  const started = Date.now();
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    path.join(PROJECT_ROOT, 'node_modules/.bin/tsx'),
    ['stack/services.ts', '--cluster', '--root', root, '--temporal-port', String(ports.temporal), '--ui-port', String(ports.ui), '--postgres-port', String(ports.postgres)],
    { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = await new Promise<Record<string, string>>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const found = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      if (found.TEMPORAL_ADDRESS && found.TEMPORAL_UI && found.DATABASE_URL) resolve(found);
    });
    void exited.then((code) => reject(new Error(`services exited with ${code} before it was ready:\n${stderr.slice(-4000)}`)));
  });
  return {
    lines,
    startMs: Date.now() - started,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A frontend port whose neighbours in the server's standard layout (config/temporal/server.yaml) are free too. */
async function clusterPorts(): Promise<{ temporal: number; ui: number; postgres: number }> {
  for (;;) {
    const [temporal, ui, postgres] = await freePorts(3);
    const neighbours = [1, 2, 6, 10, -300].map((d) => temporal + d);
    const busy = await Promise.all(neighbours.map((p) => tcpOpen(p)));
    if (temporal > 1300 && !busy.some(Boolean) && !neighbours.includes(ui) && !neighbours.includes(postgres)) return { temporal, ui, postgres };
  }
}

async function withClient<T>(address: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection, namespace: 'default' }));
  } finally {
    await connection.close();
  }
}

test('npm run services -- --cluster: a run survives a restart of the whole stack, and the Web UI lists it', async () => {
  const ports = await clusterPorts();
  services = await startServices(ports);
  const first = services;
  expect(first.lines.TEMPORAL_ADDRESS).toBe(`127.0.0.1:${ports.temporal}`);
  expect(first.lines.TEMPORAL_UI).toBe(`http://127.0.0.1:${ports.ui}`);
  expect(first.lines.DATABASE_URL).toContain(`:${ports.postgres}/`);

  // No worker polls this task queue: the run waits for one, which is exactly what must outlive the restart.
  const input = exampleInput({ sections: 2 });
  const workflowId = await withClient(first.lines.TEMPORAL_ADDRESS, async (client) => {
    const { handle } = await startCourseGeneration(client, input, { taskQueue: `cluster-stack-${Date.now()}` });
    return handle.workflowId;
  });

  services = undefined;
  expect(await first.stop()).toBe(0); // SIGTERM stops everything cleanly
  expect(await tcpOpen(ports.temporal)).toBe(false);
  services = await startServices(ports);
  const second = services;

  const description = await withClient(second.lines.TEMPORAL_ADDRESS, (client) => client.workflow.getHandle(workflowId).describe());
  expect(description.status.name).toBe('RUNNING');

  // The Web UI's own API, as the browser calls it, reaches the same server after the restart.
  const listed = await fetch(`${second.lines.TEMPORAL_UI}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`);
  expect(listed.status).toBe(200);
  const body = (await listed.json()) as { executions?: Array<{ execution?: { workflowId?: string } }> };
  expect(body.executions?.map((e) => e.execution?.workflowId)).toEqual([workflowId]);

  report('npm run services -- --cluster, restarted', { firstStartMs: first.startMs, secondStartMs: second.startMs, statusAfterRestart: description.status.name });
});
