// TLS for real: the production Temporal server (built from source once per user, stack/temporal-server-binary.ts)
// with its frontend requiring client certificates from a throwaway CA. With the right profile (a TOML file, read
// through @temporalio/envconfig like a Temporal Cloud user's) the whole run completes over mTLS; with no client
// certificate or one from another CA, the worker and the CLI stop at once with a message that says what to check.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadClientConfig } from '../../client/config';
import { startLlmSimulator, type LlmSimulator } from '../../simulator/server';
import { resolveTemporalServerBinary } from '../../stack/temporal-server-binary';
import { buildWorker } from '../../workers/build-worker';
import { connectClient } from '../../workers/temporal-connection';
import { loadConfig } from '../../workers/config';
import { report } from '../support/observe';
import { runGenerate } from '../support/pipeline';
import { PROJECT_ROOT } from '../support/worker-process';
import { exampleInput } from '../fixtures/example-input';
import { createHarness, generateTestCertificates, startMtlsTemporalServer, type Harness, type MtlsTemporalServer, type TestCertificates } from '../support/harness';
import { testStackEnv, uniqueTaskQueue } from '../support/stack-env';

// A first run builds the server with Go: minutes with a warm module cache, more on a new machine.
jest.setTimeout(45 * 60_000);

let dir: string;
let certs: TestCertificates;
let server: MtlsTemporalServer;
let harness: Harness;
let sim: LlmSimulator;
let profileFile: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-tls-'));
  const binary = await resolveTemporalServerBinary((m) => process.stderr.write(`[tls] ${m}\n`));
  certs = generateTestCertificates(dir);
  server = await startMtlsTemporalServer(binary, certs);
  harness = await createHarness(); // only for its workflow bundle; the test stack's server is not used here
  sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor: 0.004 });
  profileFile = path.join(dir, 'temporal.toml');
  const tls = (cert?: string, key?: string) =>
    `server_ca_cert_path = "${certs.caCert}"\n${cert ? `client_cert_path = "${cert}"\nclient_key_path = "${key}"\n` : ''}`;
  fs.writeFileSync(
    profileFile,
    [
      `[profile.selfhosted]\naddress = "${server.address}"\nnamespace = "default"\n[profile.selfhosted.tls]\n${tls(certs.clientCert, certs.clientKey)}`,
      `[profile.nocert]\naddress = "${server.address}"\nnamespace = "default"\n[profile.nocert.tls]\n${tls()}`,
      `[profile.stranger]\naddress = "${server.address}"\nnamespace = "default"\n[profile.stranger.tls]\n${tls(certs.strangerCert, certs.strangerKey)}`,
    ].join('\n'),
  );
});

afterAll(async () => {
  await sim?.close();
  await harness?.close();
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const envFor = (profile: string, taskQueue = uniqueTaskQueue('tls')) => ({
  TEMPORAL_CONFIG_FILE: profileFile,
  TEMPORAL_PROFILE: profile,
  TEMPORAL_TASK_QUEUE: taskQueue,
  DATABASE_URL: testStackEnv().databaseUrl,
  LLM_BASE_URL: sim.url,
  LLM_API_KEY: 'tls-test-key-not-secret',
  SECTION_GROUP_DELAY_MS: '200',
});

test('with the right profile the whole run completes over mTLS', async () => {
  const env = envFor('selfhosted');
  const built = await buildWorker(loadConfig(env), { workflowBundle: harness.bundle });
  const running = built.worker.run();
  try {
    const input = exampleInput({ sections: 2 });
    input.analysis_result.recommended_structure.sections_breakdown.forEach((s) => (s.estimated_lessons = 5));
    const started = Date.now();
    const { exitCode, json, stderr } = await runGenerate(loadClientConfig(env), input);
    report('tls: run over mTLS', { exitCode, ms: Date.now() - started, address: server.address });
    expect(stderr).not.toContain('Generation failed');
    expect(exitCode).toBe(0);
    expect(json.course_structure.sections).toHaveLength(2);
  } finally {
    built.worker.shutdown();
    await running;
    await built.close();
  }
});

test.each([
  ['no client certificate', 'nocert'],
  ['a client certificate from another CA', 'stranger'],
])('the worker stops at once with %s, naming what to check', async (_case, profile) => {
  const started = Date.now();
  const error = await buildWorker(loadConfig(envFor(profile)), { workflowBundle: harness.bundle }).then(
    () => new Error('the worker started'),
    (e: Error) => e,
  );
  const ms = Date.now() - started;
  report(`tls: worker with ${_case}`, { msToFail: ms, message: error.message.split('\n')[0].slice(0, 600) });
  expect(error.message).toMatch(new RegExp(`Cannot connect to Temporal at ${server.address.replace(/\./g, '\\.')} \\(from profile "${profile}", TLS on\\)`));
  expect(error.message).toContain('TEMPORAL_TLS_CLIENT_CERT_PATH');
});

test.each([
  ['no client certificate', 'nocert'],
  ['a client certificate from another CA', 'stranger'],
])('the CLI exits 1 at once with %s and says why', async (_case, profile) => {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  const started = Date.now();
  const outcome = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(tsx, ['client/cli.ts', 'list'], { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH ?? '', HOME: dir, ...envFor(profile) } }, (error, _out, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
    );
    child.stdin?.end();
  });
  const ms = Date.now() - started;
  // The same connection in this process, without the CLI process's start-up (tsx compiling it under load).
  const connectStarted = Date.now();
  await expect(connectClient(loadClientConfig(envFor(profile)).temporal)).rejects.toThrow(/Cannot connect to Temporal/);
  const connectMs = Date.now() - connectStarted;
  const message = outcome.stderr.split('\n').find((line) => line.startsWith('Cannot connect')) ?? outcome.stderr;
  report(`tls: CLI with ${_case}`, { exitCode: outcome.code, msToFailCliProcess: ms, msToFailConnect: connectMs, stderr: message.slice(0, 600) });
  expect(outcome.code).toBe(1);
  expect(outcome.stderr).toMatch(/Cannot connect to Temporal at 127\.0\.0\.1:\d+ \(from profile/);
  expect(outcome.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
});
