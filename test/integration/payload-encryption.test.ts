// Encrypted payloads end to end: with PAYLOAD_CODEC_KEYS set, the worker and the CLI share one codec, the run
// completes, and Temporal's raw history holds none of the input's text. The codec server opens those payloads
// for the Web UI and the `temporal` CLI (--codec-endpoint), only for allowed origins and the bearer token, and an
// encrypted history still replays with the codec.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { startCodecServer, type CodecServer } from '../../client/codec-server';
import { resolveTemporalCli } from '../../stack/temporal-cli';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, parseCodecKeys } from '../../workers/payload-codec';
import { report } from '../support/observe';
import { exampleInput } from '../fixtures/example-input';
import { usePipeline } from '../support/pipeline';

const KEYS = `it-2026:${crypto.randomBytes(32).toString('base64')}`;
const UI_ORIGIN = 'http://127.0.0.1:8233';
const TOKEN = 'codec-server-test-token';
const context = usePipeline({ env: { PAYLOAD_CODEC_KEYS: KEYS } });

/** Every text the user wrote, except the course id: it is the workflow id by design (idempotent start). */
function inputTexts(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return key === 'course_id' || value.length < 6 ? [] : [value];
  if (Array.isArray(value)) return value.flatMap((v) => inputTexts(v));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => inputTexts(v, k));
  return [];
}

let workflowId: string;
let history: temporal.api.history.v1.IHistory;
let codecServer: CodecServer;

beforeAll(async () => {
  const input = exampleInput({ sections: 2 });
  input.analysis_result.recommended_structure.sections_breakdown.forEach((s) => (s.estimated_lessons = 5));
  const { exitCode, json, stderr } = await context.pipeline.generate(input);
  expect(stderr).not.toContain('Generation failed');
  expect(exitCode).toBe(0);
  workflowId = json.workflow_id;
  // The harness client has no codec: what it fetches is the history exactly as Temporal stores it.
  history = await context.harness.client.workflow.getHandle(workflowId).fetchHistory();
  codecServer = await startCodecServer({ codec: new AesGcmPayloadCodec(parseCodecKeys(KEYS, 'test')), port: 0, origins: [UI_ORIGIN], token: TOKEN });
  (globalThis as { encryptedInput?: unknown }).encryptedInput = input;
});
afterAll(() => codecServer?.close());

test('the raw history of an encrypted run holds none of the input text', () => {
  const input = (globalThis as { encryptedInput?: unknown }).encryptedInput;
  const texts = [...new Set(inputTexts(input))];
  const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  const found = texts.filter((text) => raw.includes(Buffer.from(text, 'utf8')));
  const started = history.events![0].workflowExecutionStartedEventAttributes!;
  report('payload encryption', { historyBytes: raw.length, events: history.events!.length, inputTexts: texts.length, plaintextFound: found.length });
  expect(texts.length).toBeGreaterThan(20);
  expect(found).toEqual([]);
  expect(Buffer.from(started.input!.payloads![0].metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
});

test('the codec server decodes for the Web UI origin with the token, and refuses others', async () => {
  const started = history.events![0].workflowExecutionStartedEventAttributes!;
  const payload = temporal.api.common.v1.Payload.toObject(temporal.api.common.v1.Payload.create(started.input!.payloads![0]), { bytes: String });
  const post = (headers: Record<string, string>) =>
    fetch(`${codecServer.url}/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ payloads: [payload] }) });

  const ok = await post({ Origin: UI_ORIGIN, Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default' });
  expect(ok.status).toBe(200);
  expect(ok.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  const [decoded] = ((await ok.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
  expect(Buffer.from(decoded.metadata.encoding, 'base64').toString()).toBe('json/plain');
  const title = ((globalThis as { encryptedInput?: { frontend_parameters: { course_title: string } } }).encryptedInput!).frontend_parameters.course_title;
  expect(Buffer.from(decoded.data, 'base64').toString()).toContain(title);

  expect((await post({ Origin: UI_ORIGIN })).status).toBe(401);
  expect((await post({ Origin: UI_ORIGIN, Authorization: 'Bearer wrong-token-of-same-len' })).status).toBe(401);
  expect((await post({ Origin: 'http://evil.example', Authorization: `Bearer ${TOKEN}` })).status).toBe(403);
  const preflight = await fetch(`${codecServer.url}/decode`, { method: 'OPTIONS', headers: { Origin: UI_ORIGIN, 'Access-Control-Request-Method': 'POST' } });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
});

test('the temporal CLI shows the input through --codec-endpoint and ciphertext without it', async () => {
  const cli = await resolveTemporalCli(() => undefined);
  const title = ((globalThis as { encryptedInput?: { frontend_parameters: { course_title: string } } }).encryptedInput!).frontend_parameters.course_title;
  const { address, namespace } = context.pipeline.clientConfig;
  const show = async (extra: string[]) =>
    (await promisify(execFile)(cli, ['workflow', 'show', '--workflow-id', workflowId, '--address', address, '--namespace', namespace, '--output', 'json', ...extra], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, maxBuffer: 64 << 20 })).stdout;
  // The CLI prints payloads as protobuf JSON (base64 data): read the workflow input from its output.
  const startInput = (output: string) => {
    const [first] = (JSON.parse(output) as { events: { workflowExecutionStartedEventAttributes: { input: { payloads: { metadata: { encoding: string }; data: string }[] } } }[] }).events;
    const [payload] = first.workflowExecutionStartedEventAttributes.input.payloads;
    return { encoding: Buffer.from(payload.metadata.encoding, 'base64').toString(), text: Buffer.from(payload.data, 'base64').toString() };
  };
  const decoded = startInput(await show(['--codec-endpoint', codecServer.url, '--codec-auth', `Bearer ${TOKEN}`]));
  expect(decoded.encoding).toBe('json/plain');
  expect(decoded.text).toContain(title);
  const sealed = startInput(await show([]));
  expect(sealed.encoding).toBe(ENCRYPTED_ENCODING);
  expect(sealed.text).not.toContain(title);
});

test('an encrypted history replays against the current workflow code with the codec', async () => {
  const result = await Worker.runReplayHistory(
    { workflowsPath: require.resolve('../../workflows'), dataConverter: context.pipeline.config.temporal.dataConverter, replayName: 'encrypted-replay' },
    history,
    workflowId,
  );
  expect(result).toBeUndefined();
});
