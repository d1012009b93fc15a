// The simulator features the chaos suite added: the `xss` content injection, `echoKey` on 401s and the course title
// in the call log. Driven through the real openai SDK with the pipeline's own prompts and schemas.
import OpenAI from 'openai';
import { responseFormatFor } from '../../activities/llm';
import { buildMetadataMessages, buildSectionMessages } from '../../activities/prompts';
import { withPayloads } from '../../simulator/faults';
import { startLlmSimulator, type LlmSimulator } from '../../simulator/server';
import { MetadataOutputSchema, SECTION_SCHEMA_NAME, METADATA_SCHEMA_NAME, SectionOutputSchema } from '../../workflows/schemas';
import { exampleInput } from '../fixtures/example-input';

let sim: LlmSimulator;
let client: OpenAI;
const input = exampleInput({ sections: 2 });

beforeAll(async () => {
  sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor: 0 });
  client = new OpenAI({ baseURL: sim.url, apiKey: 'sk-test-injection-0123456789', maxRetries: 0 });
});
afterAll(async () => {
  await sim?.close();
});

async function section(index = 0) {
  const response = await client.chat.completions.create({
    model: 'openai/gpt-oss-120b',
    messages: buildSectionMessages(input, index, 1),
    response_format: responseFormatFor(SECTION_SCHEMA_NAME, SectionOutputSchema),
  });
  return JSON.parse(response.choices[0].message.content ?? '');
}

function leaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => leaves(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => leaves(v, out));
  return out;
}

test('xss: every free-text string gets a payload after its text, enums untouched, the answer stays schema-valid', async () => {
  const payloads = ['<b>P1</b>', '<i>P2</i>', '<u>P3</u>'];
  sim.configure({ faults: [{ kind: 'xss', payloads }] });
  const value = await section();
  expect(SectionOutputSchema.safeParse(value).success).toBe(true);
  const texts = leaves(value).filter((s) => !['beginner', 'intermediate', 'advanced'].includes(s));
  expect(texts.length).toBeGreaterThan(20);
  for (const text of texts) expect(payloads.some((p) => text.endsWith(` ${p}`))).toBe(true);
  // Rotation: consecutive strings take consecutive payloads.
  expect(texts.slice(0, 3).map((t) => t.slice(t.lastIndexOf(' ') + 1))).toEqual(payloads);
  for (const lesson of value.lessons) expect(['beginner', 'intermediate', 'advanced']).toContain(lesson.difficulty_level);
});

test('xss: the rotation continues across answers, so a long list is used in full', async () => {
  const payloads = Array.from({ length: 150 }, (_, i) => `<s>v${i}</s>`);
  sim.configure({ faults: [{ kind: 'xss', payloads }] });
  const all = [...leaves(await section(0)), ...leaves(await section(1))].join('\n');
  expect(payloads.filter((p) => !all.includes(p))).toEqual([]);
});

test('xss: prepend mode, and maxLength respected by shortening the text at a word boundary', () => {
  const schema = { type: 'object', properties: { a: { type: 'string', minLength: 5, maxLength: 30 } }, required: ['a'] };
  const appended = withPayloads({ a: 'one two three four five six seven' }, schema, ['<x>12345</x>'], 0, 'append');
  expect(appended.value).toEqual({ a: 'one two three <x>12345</x>' }); // 30 - 12 - 1 = 17 characters of text at most
  expect(appended.used).toBe(1);
  const prepended = withPayloads({ a: 'one two three' }, schema, ['<y>'], 0, 'prepend');
  expect(prepended.value).toEqual({ a: '<y> one two three' });
  // A payload that cannot fit above minLength is skipped for the next one.
  const skipped = withPayloads({ a: 'one two three' }, schema, ['x'.repeat(40), '<z>'], 0, 'append');
  expect(skipped.value).toEqual({ a: 'one two three <z>' });
});

test('xss on metadata keeps every bound of the metadata schema', async () => {
  sim.configure({ faults: [{ kind: 'xss', callKind: 'metadata' }] });
  const response = await client.chat.completions.create({
    model: 'qwen/qwen3-max',
    messages: buildMetadataMessages(input, 1),
    response_format: responseFormatFor(METADATA_SCHEMA_NAME, MetadataOutputSchema),
  });
  const value = JSON.parse(response.choices[0].message.content ?? '');
  expect(MetadataOutputSchema.safeParse(value).success).toBe(true);
  expect(leaves(value).filter((s) => s.includes('<') || s.includes('&lt;')).length).toBeGreaterThan(10);
});

test('unauthorized with echoKey: the 401 message echoes the presented key, in full or masked', async () => {
  sim.configure({ faults: [{ kind: 'unauthorized', echoKey: 'full' }] });
  await expect(section()).rejects.toMatchObject({ status: 401, message: expect.stringContaining('sk-test-injection-0123456789') });
  sim.configure({ faults: [{ kind: 'unauthorized', echoKey: 'masked' }] });
  const masked = await section().catch((e: Error) => e.message);
  expect(masked).toContain('sk-te***...6789');
  expect(masked).not.toContain('injection');
});

test('the call log names the course of each chat call', async () => {
  sim.configure({ faults: [] });
  sim.resetStats();
  await section();
  expect(sim.stats().calls[0].courseTitle).toBe(input.frontend_parameters.course_title);
});
