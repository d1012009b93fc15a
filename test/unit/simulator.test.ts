// The LLM simulator, driven through the real openai SDK exactly as the pipeline drives it.
import OpenAI from 'openai';
import { z } from 'zod';
import { cosine, lexicalEmbedding } from '../../simulator/embedding';
import { startLlmSimulator, type FaultRule, type LlmSimulator } from '../../simulator/server';
import { MetadataOutputSchema, SectionOutputSchema } from '../../workflows/schemas';

// ---- Sample prompts following the prompt builder's label contract.

const COURSE_MAP = [
  'Foundations of Consultative Selling',
  'Prospecting and Account Research',
  'Discovery Conversations That Uncover Real Needs',
  'Building Value Propositions for Buying Committees',
  'Handling Objections with Confidence',
  'Negotiation Without Discounting',
  'Closing and Mutual Action Plans',
  'Growing Accounts After the Sale',
];

function courseMap(current?: number): string {
  return COURSE_MAP.map((t, i) => `- ${i + 1}. ${t}${i + 1 === current ? ' (this section)' : ''}`).join('\n');
}

interface SectionSpec {
  number: number;
  lessons: number;
  objectives: string[];
  topics: string[];
}

const DISCOVERY: SectionSpec = {
  number: 3,
  lessons: 6,
  objectives: ['Run a structured discovery call', 'Turn stated wants into quantified business pain'],
  topics: ['open versus closed questions', 'pain quantification', 'active listening techniques', 'discovery call agenda'],
};

function sectionPrompt(spec: SectionSpec = DISCOVERY): string {
  return [
    'Write one section of the course described below. Answer with JSON only.',
    'Title: "Synergy Sales: Consultative Selling for B2B Teams"',
    'Topic: Consultative B2B sales',
    'Language: en',
    `Section to write: ${spec.number} of 8`,
    `Working title: ${COURSE_MAP[spec.number - 1]}`,
    `Lessons: ${spec.lessons}`,
    'Learning objectives:',
    ...spec.objectives.map((o) => `- ${o}`),
    'Key topics:',
    ...spec.topics.map((t) => `- ${t}`),
    'Pedagogical approach: Short concept explanations followed by role-play scenarios and worked examples.',
    '',
    'Course map:',
    courseMap(spec.number),
  ].join('\n');
}

const METADATA_PROMPT = [
  'Write the course metadata. Answer with JSON only.',
  'Title: "Synergy Sales: Consultative Selling for B2B Teams"',
  'Topic: Consultative B2B sales',
  'Key concepts: discovery; value proposition; objection handling; negotiation; account growth',
  'Language: en',
  'Sections: 8',
  '',
  'Course map:',
  courseMap(),
].join('\n');

const sectionFormat = {
  type: 'json_schema' as const,
  json_schema: { name: 'course_section', strict: true, schema: z.toJSONSchema(SectionOutputSchema) as Record<string, unknown> },
};
const metadataFormat = {
  type: 'json_schema' as const,
  json_schema: { name: 'course_metadata', strict: true, schema: z.toJSONSchema(MetadataOutputSchema) as Record<string, unknown> },
};

let sim: LlmSimulator;
let client: OpenAI;

function askSection(prompt = sectionPrompt(), model = 'sim-large', options: { timeout?: number } = {}) {
  return client.chat.completions.create(
    { model, messages: [{ role: 'system', content: 'You are a course designer.' }, { role: 'user', content: prompt }], response_format: sectionFormat },
    options,
  );
}

function askMetadata(model = 'sim-large') {
  return client.chat.completions.create({ model, messages: [{ role: 'user', content: METADATA_PROMPT }], response_format: metadataFormat });
}

/** Runs a call that must fail and returns the SDK error. */
async function failure(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAI.APIError);
    return error as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error('expected the call to fail');
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const PLACEHOLDER = /\bTODO\b|\bTBD\b|\.\.\.|\[insert|\{\{/i;

// Under jest, undici's AbortError is a DOMException from another realm: it fails the SDK's `instanceof Error` check
// and a timeout is then reported as a plain APIConnectionError. Re-throwing it as a local Error restores the SDK's
// normal behaviour (outside jest the SDK raises APIConnectionTimeoutError without help).
const realmSafeFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
  fetch(input, init).catch((error: { name?: string; message?: string }) => {
    throw Object.assign(new Error(error?.message), { name: error?.name });
  });

beforeAll(async () => {
  // timeFactor 0.001: a 75 s section call takes 75 ms.
  sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor: 0.001 });
  client = new OpenAI({ baseURL: sim.url, apiKey: 'test', maxRetries: 0, fetch: realmSafeFetch });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.configure({ faults: [], timeFactor: 0.001, jitter: 0, apiKey: undefined, modelLatencyMs: {} });
  sim.resetStats();
});

describe('structured answers', () => {
  test('section answer satisfies the section schema and follows the plan', async () => {
    const { data, response } = await askSection().withResponse();
    expect(response.headers.get('x-llm-simulator')).toBe('true');
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0].finish_reason).toBe('stop');
    const content = data.choices[0].message.content!;
    const section = SectionOutputSchema.parse(JSON.parse(content));

    expect(section.section_title).toContain('Discovery Conversations');
    expect(section.lessons).toHaveLength(6);
    expect(section.learning_objectives).toEqual(DISCOVERY.objectives);
    for (const topic of DISCOVERY.topics) expect(content).toContain(topic);
    // Lessons cycle through the key topics: each lesson is centred on one of them.
    section.lessons.forEach((lesson, i) => expect(lesson.key_topics[0]).toBe(DISCOVERY.topics[i % DISCOVERY.topics.length]));
    expect(content).not.toMatch(PLACEHOLDER);
    expect(new Set(section.lessons.map((l) => l.lesson_title)).size).toBe(6);
  });

  test('lessons count follows "Lessons: N", clamped to the schema', async () => {
    const many = await askSection(sectionPrompt({ ...DISCOVERY, lessons: 45 }));
    expect(SectionOutputSchema.parse(JSON.parse(many.choices[0].message.content!)).lessons).toHaveLength(30);
    const two = await askSection(sectionPrompt({ ...DISCOVERY, lessons: 2 }));
    expect(SectionOutputSchema.parse(JSON.parse(two.choices[0].message.content!)).lessons).toHaveLength(2);
  });

  test('metadata answer satisfies the metadata schema and uses title, topic and concepts', async () => {
    const data = await askMetadata();
    const content = data.choices[0].message.content!;
    const meta = MetadataOutputSchema.parse(JSON.parse(content));
    expect(meta.course_title).toBe('Synergy Sales: Consultative Selling for B2B Teams');
    expect(meta.course_description).toMatch(/consultative B2B sales/i);
    expect(meta.course_overview).toContain(COURSE_MAP[0]);
    for (const concept of ['discovery', 'value proposition', 'objection handling', 'negotiation', 'account growth']) {
      expect(meta.course_tags).toContain(concept);
    }
    expect(content).not.toMatch(PLACEHOLDER);
  });

  test('answers are deterministic for the same request', async () => {
    const a = await askSection();
    const b = await askSection();
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
  });

  test('the answer is lexically close to the section plan, and far from another section plan', async () => {
    const content = (await askSection()).choices[0].message.content!;
    const plan = [COURSE_MAP[2], ...DISCOVERY.objectives, ...DISCOVERY.topics].join('. ');
    const other = 'Negotiation without discounting: concession planning, walk-away points, anchoring and trade-offs';
    const answer = lexicalEmbedding(content, 256);
    expect(cosine(lexicalEmbedding(plan, 256), answer)).toBeGreaterThan(0.5);
    expect(cosine(lexicalEmbedding(other, 256), answer)).toBeLessThan(0.2);
  });

  test('a prompt without labels still gets a schema-valid answer about its words', async () => {
    const data = await askSection('Please design a section about sourdough fermentation, starter hydration and oven spring.');
    const content = data.choices[0].message.content!;
    SectionOutputSchema.parse(JSON.parse(content));
    expect(content).toMatch(/sourdough|fermentation|starter/);
  });

  test('generic schemas: numbers, integers, enums, uuid, fixed-length arrays, nested objects', async () => {
    const Custom = z.strictObject({
      id: z.uuid(),
      count: z.number().int().min(3).max(7),
      ratio: z.number().gt(0).lt(1),
      kind: z.enum(['alpha', 'beta']),
      labels: z.array(z.string().min(3).max(12)).length(2),
      nested: z.strictObject({ flag: z.boolean(), note: z.string().min(40).max(60) }),
    });
    const data = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'Topic: Consultative B2B sales' }],
      response_format: { type: 'json_schema', json_schema: { name: 'custom', strict: true, schema: z.toJSONSchema(Custom) as Record<string, unknown> } },
    });
    const value = Custom.parse(JSON.parse(data.choices[0].message.content!));
    expect(value.nested.note).not.toMatch(PLACEHOLDER);
    expect(sim.stats().requestsByKind).toEqual({ default: 1 });
  });

  test('without a response_format the answer is a plain sentence about the prompt', async () => {
    const data = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'Topic: Consultative B2B sales\nKey concepts: discovery; negotiation' }],
    });
    const content = data.choices[0].message.content!;
    expect(content).toMatch(/consultative B2B sales/i);
    expect(content).toMatch(/discovery/);
    expect(() => JSON.parse(content)).toThrow();
  });
});

describe('embeddings', () => {
  test('SDK default (base64) and float encodings give the same normalised, deterministic vectors', async () => {
    const texts = ['Objection handling for B2B sales', 'handling objections in B2B sale', 'baking bread with sourdough'];
    const viaBase64 = await client.embeddings.create({ model: 'sim-embed', input: texts });
    const viaFloat = await client.embeddings.create({ model: 'sim-embed', input: texts, encoding_format: 'float' });
    const [a, b, c] = viaBase64.data.map((d) => d.embedding);
    expect(a).toHaveLength(256);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    viaFloat.data[0].embedding.forEach((x, i) => expect(x).toBeCloseTo(a[i], 5));
    expect(cosine(a, b)).toBeGreaterThan(0.99); // same content words after stemming
    expect(cosine(a, c)).toBeLessThan(0.2);
    expect(viaBase64.usage.prompt_tokens).toBe(Math.ceil(texts.join('').length / 4));
  });

  test('a single string input and the dimensions parameter are honoured', async () => {
    const res = await client.embeddings.create({ model: 'sim-embed', input: 'pain quantification', dimensions: 64, encoding_format: 'float' });
    expect(res.data).toHaveLength(1);
    expect(res.data[0].embedding).toHaveLength(64);
    expect(sim.stats().requestsByKind).toEqual({ embedding: 1 });
  });
});

describe('auth', () => {
  test('a configured API key must match', async () => {
    sim.configure({ apiKey: 'secret' });
    const err = await failure(askSection());
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
    const good = new OpenAI({ baseURL: sim.url, apiKey: 'secret', maxRetries: 0 });
    await expect(good.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).resolves.toBeDefined();
  });

  test('a request without a bearer token is refused', async () => {
    const res = await fetch(`${sim.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-llm-simulator')).toBe('true');
    const body = (await res.json()) as { error: { message: string; type: string; code: string } };
    expect(body.error).toEqual(expect.objectContaining({ type: 'invalid_request_error', code: 'missing_api_key' }));
  });
});

describe('fault injection', () => {
  const fault = (rule: FaultRule) => sim.configure({ faults: [rule] });

  test('rate_limit: 429 with Retry-After and retry-after-ms visible on the SDK error', async () => {
    fault({ kind: 'rate_limit', retryAfterSeconds: 7, retryAfterMs: 1500 });
    const err = await failure(askSection());
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.headers?.get('retry-after')).toBe('7');
    expect(err.headers?.get('retry-after-ms')).toBe('1500');
    expect(err.headers?.get('x-llm-simulator')).toBe('true');
  });

  test('server_error and unauthorized map to the SDK error classes', async () => {
    fault({ kind: 'server_error' });
    expect(await failure(askSection())).toBeInstanceOf(OpenAI.InternalServerError);
    fault({ kind: 'unauthorized' });
    expect(await failure(askSection())).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(sim.stats().faultsInjected).toEqual({ server_error: 1, unauthorized: 1 });
  });

  test('hang: never answers, the SDK times out, nothing is counted as tokens', async () => {
    fault({ kind: 'hang' });
    const started = Date.now();
    await expect(askSection(undefined, undefined, { timeout: 200 })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    await until(() => sim.stats().inFlight === 0);
    const stats = sim.stats();
    expect(stats.faultsInjected.hang).toBe(1);
    expect(stats.calls[0]).toEqual(expect.objectContaining({ status: 0, promptTokens: 0, completionTokens: 0 }));
    expect(stats.totalTokens).toBe(0);
  });

  test('truncated_json: 200 with JSON cut roughly in half and finish_reason length', async () => {
    const full = (await askSection()).choices[0].message.content!;
    fault({ kind: 'truncated_json' });
    const data = await askSection();
    const content = data.choices[0].message.content!;
    expect(data.choices[0].finish_reason).toBe('length');
    expect(() => JSON.parse(content)).toThrow();
    expect(content.length).toBeGreaterThan(JSON.stringify(JSON.parse(full), null, 2).length * 0.4);
    expect(content.length).toBeLessThan(JSON.stringify(JSON.parse(full), null, 2).length * 0.6);
  });

  test('fenced_json: valid JSON inside ```json fences after a sentence', async () => {
    fault({ kind: 'fenced_json' });
    const content = (await askSection()).choices[0].message.content!;
    expect(content).toMatch(/^[A-Z][^\n]*\n/);
    const inner = /```json\n([\s\S]*)\n```/.exec(content)![1];
    SectionOutputSchema.parse(JSON.parse(inner));
  });

  test('schema_invalid: parses but fails the schema (required field gone, lessons empty)', async () => {
    fault({ kind: 'schema_invalid' });
    const data = await askSection();
    const value = JSON.parse(data.choices[0].message.content!);
    expect(value.lessons).toEqual([]);
    expect(SectionOutputSchema.safeParse(value).success).toBe(false);
    expect(data.usage!.completion_tokens).toBe(Math.ceil(data.choices[0].message.content!.length / 4));
  });

  test('renamed_fields: camelCase keys, otherwise the same content', async () => {
    fault({ kind: 'renamed_fields' });
    const value = JSON.parse((await askSection()).choices[0].message.content!);
    expect(value.sectionTitle).toBeDefined();
    expect(value.lessons[0].lessonTitle).toBeDefined();
    expect(value.lessons[0].practicalExercises[0].exerciseType).toBeDefined();
    expect(SectionOutputSchema.safeParse(value).success).toBe(false);
  });

  test('trailing_comma: invalid JSON that parses once the trailing commas are removed', async () => {
    fault({ kind: 'trailing_comma' });
    const content = (await askSection()).choices[0].message.content!;
    expect(content).toMatch(/,\s*[}\]]/);
    expect(() => JSON.parse(content)).toThrow();
    SectionOutputSchema.parse(JSON.parse(content.replace(/,(\s*[}\]])/g, '$1')));
  });

  test('placeholder: schema-valid answer with one placeholder string', async () => {
    fault({ kind: 'placeholder' });
    const content = (await askSection()).choices[0].message.content!;
    SectionOutputSchema.parse(JSON.parse(content));
    expect(content.match(/\[insert example here\]|"TODO"/g)).toHaveLength(1);
  });

  test('times, match, callKind, model and rate decide which requests get a fault', async () => {
    // times: only the first matching request.
    fault({ kind: 'server_error', times: 1 });
    await failure(askSection());
    await expect(askSection()).resolves.toBeDefined();

    // match: only the section whose prompt contains the working title; callKind/model filters.
    sim.configure({
      faults: [
        { kind: 'rate_limit', match: 'Working title: Negotiation Without Discounting' },
        { kind: 'server_error', callKind: 'metadata' },
        { kind: 'unauthorized', model: 'sim-broken' },
      ],
    });
    await expect(askSection()).resolves.toBeDefined();
    const negotiation = sectionPrompt({ ...DISCOVERY, number: 6 });
    expect(await failure(askSection(negotiation))).toBeInstanceOf(OpenAI.RateLimitError);
    expect(await failure(askMetadata())).toBeInstanceOf(OpenAI.InternalServerError);
    expect(await failure(askSection(undefined, 'sim-broken'))).toBeInstanceOf(OpenAI.AuthenticationError);

    // rate: seeded, so the count is reproducible, and strictly between none and all.
    sim.configure({ faults: [{ kind: 'server_error', rate: 0.5 }], timeFactor: 0 });
    sim.resetStats();
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => askSection().then(() => 'ok', () => 'fail')));
    const failed = outcomes.filter((o) => o === 'fail').length;
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(35);
    expect(sim.stats().faultsInjected.server_error).toBe(failed);
  });
});

describe('latency, stats and control endpoints', () => {
  test('4 parallel requests: maxConcurrent 4 and token counters equal the sum of usage', async () => {
    sim.configure({ faults: [{ kind: 'schema_invalid', match: 'Working title: Closing' }, { kind: 'rate_limit', model: 'sim-limited' }] });
    const prompts = [1, 2, 7, 8].map((number) => sectionPrompt({ ...DISCOVERY, number }));
    const answers = await Promise.all(prompts.map((p) => askSection(p)));
    await failure(askSection(prompts[0], 'sim-limited'));
    const stats = sim.stats();
    expect(stats.maxConcurrent).toBe(4);
    expect(stats.maxConcurrentByKind.section).toBe(4);
    expect(stats.inFlight).toBe(0);
    expect(stats.requests).toBe(5);
    expect(stats.requestsByModel).toEqual({ 'sim-large': 4, 'sim-limited': 1 });
    const usage = answers.map((a) => a.usage!);
    expect(stats.promptTokens).toBe(usage.reduce((s, u) => s + u.prompt_tokens, 0));
    expect(stats.completionTokens).toBe(usage.reduce((s, u) => s + u.completion_tokens, 0));
    expect(stats.totalTokens).toBe(usage.reduce((s, u) => s + u.total_tokens, 0));
    expect(stats.tokensByModel['sim-limited']).toBeUndefined();
    expect(stats.faultsInjected).toEqual({ schema_invalid: 1, rate_limit: 1 });
    // Prompt tokens are ceil(chars / 4) over all message contents.
    expect(usage[0].prompt_tokens).toBe(Math.ceil(('You are a course designer.'.length + prompts[0].length) / 4));
    expect(stats.calls.map((c) => c.sectionTitle)).toEqual([...[1, 2, 7, 8].map((n) => COURSE_MAP[n - 1]), COURSE_MAP[0]]);
    expect(stats.calls.find((c) => c.status === 429)).toEqual(expect.objectContaining({ promptTokens: 0, completionTokens: 0 }));
  });

  // The planned latency is exact; the wall clock only gives a lower bound (a loaded machine answers later, never sooner).
  const lastCall = () => sim.stats().calls.at(-1)!;

  test('latency follows the kind, timeFactor and per-model overrides', async () => {
    sim.configure({ timeFactor: 0.004, modelLatencyMs: { 'sim-slow': { section: 100000 } } });
    let start = Date.now();
    await askSection();
    expect(lastCall().plannedLatencyMs).toBeCloseTo(75000 * 0.004, 6);
    expect(Date.now() - start).toBeGreaterThanOrEqual(290);
    start = Date.now();
    await askMetadata();
    expect(lastCall().plannedLatencyMs).toBeCloseTo(20000 * 0.004, 6);
    expect(Date.now() - start).toBeGreaterThanOrEqual(75);
    start = Date.now();
    await askSection(undefined, 'sim-slow');
    expect(lastCall().plannedLatencyMs).toBeCloseTo(100000 * 0.004, 6);
    expect(Date.now() - start).toBeGreaterThanOrEqual(390);
  });

  test('jitter varies latency within ±jitter and, with it, the wording of repeated requests', async () => {
    sim.configure({ timeFactor: 0.004, jitter: 0.5, seed: 7 }); // section: 300 ms ± 150 ms
    const planned: number[] = [];
    const contents = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const start = Date.now();
      contents.add((await askSection()).choices[0].message.content!);
      const ms = Date.now() - start;
      planned.push(lastCall().plannedLatencyMs!);
      expect(ms).toBeGreaterThanOrEqual(planned.at(-1)! - 5);
    }
    for (const ms of planned) expect(ms).toBeGreaterThanOrEqual(150);
    for (const ms of planned) expect(ms).toBeLessThanOrEqual(450);
    expect(new Set(planned.map((ms) => Math.round(ms))).size).toBeGreaterThan(1);
    expect(contents.size).toBeGreaterThan(1);
  });

  test('a client that gives up during the latency gets no tokens counted', async () => {
    sim.configure({ timeFactor: 0.01 }); // 750 ms section
    await expect(askSection(undefined, undefined, { timeout: 100 })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await until(() => sim.stats().inFlight === 0);
    expect(sim.stats().totalTokens).toBe(0);
    expect(sim.stats().calls[0].status).toBe(0);
  });

  test('stats, config and reset over HTTP', async () => {
    const base = sim.url.replace(/\/v1$/, '');
    const bad = await fetch(`${base}/__simulator/config`, { method: 'POST', body: JSON.stringify({ faults: [{ kind: 'nope' }] }) });
    expect(bad.status).toBe(400);
    const ok = await fetch(`${base}/__simulator/config`, {
      method: 'POST',
      body: JSON.stringify({ faults: [{ kind: 'rate_limit', callKind: 'section', retryAfterSeconds: 1 }] }),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-llm-simulator')).toBe('true');
    expect(await failure(askSection())).toBeInstanceOf(OpenAI.RateLimitError);

    const stats = (await (await fetch(`${base}/__simulator/stats`)).json()) as { requests: number; faultsInjected: Record<string, number> };
    expect(stats.requests).toBe(1);
    expect(stats.faultsInjected).toEqual({ rate_limit: 1 });
    expect((await fetch(`${base}/__simulator/reset`, { method: 'POST' })).status).toBe(200);
    expect(sim.stats().requests).toBe(0);
  });
});

describe('lifecycle', () => {
  test('close() ends hanging requests and keep-alive sockets', async () => {
    const own = await startLlmSimulator({ quiet: true, timeFactor: 0, faults: [{ kind: 'hang', callKind: 'section' }] });
    const ownClient = new OpenAI({ baseURL: own.url, apiKey: 'test', maxRetries: 0 });
    await ownClient.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }); // keep-alive
    const hanging = expect(askSectionWith(ownClient)).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    await until(() => own.stats().inFlight === 1);
    await own.close();
    expect(own.stats().inFlight).toBe(0); // final as soon as close() resolves
    await hanging;
    await own.close(); // idempotent
  });

  test('the banner goes to stderr unless quiet', async () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const loud = await startLlmSimulator({ timeFactor: 0 });
      await loud.close();
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toContain(`LLM SIMULATOR on ${loud.url}`);
    } finally {
      write.mockRestore();
    }
  });
});

function askSectionWith(c: OpenAI) {
  return c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: sectionPrompt() }], response_format: sectionFormat });
}
