// XSS: a corpus of 100+ vectors (test/fixtures/xss-vectors.ts) written by the simulator into every free-text string
// the model answers (fault kind `xss`, appended after the real text so each string keeps its content once the markup
// is gone), and into the input's free-text fields (course_title, style, target_audience, user_instructions), which
// the simulator echoes back into its answers. The committed structure, read from the courses row, must contain no
// element, no attribute, no tag-opening sequence and no script-capable URL, and legitimate text such as
// "a < b && c > d" must read exactly as written (no "&lt;" or "&amp;" where the model wrote "<" or "&").
import { JSDOM } from 'jsdom';
import { startCourseGeneration } from '../../client/start';
import { GenerationJobInputSchema, type GenerationJobInput } from '../../workflows/schemas';
import { ErrorType } from '../../workflows/types';
import { LEGIT_TEXTS, XSS_VECTORS } from '../fixtures/xss-vectors';
import { report, withPg } from '../support/observe';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { exampleInput } from '../fixtures/example-input';
import { createHarness, type Harness } from '../support/harness';
import { isPlaceholderText } from '../../activities/placeholders';

jest.setTimeout(180_000);

let harness: Harness;
let pipeline: Pipeline;

beforeAll(async () => {
  harness = await createHarness();
  pipeline = await startPipeline(harness);
});

afterAll(async () => {
  await pipeline?.close();
  await harness?.close();
});

// ---- Independent checks: a fresh jsdom (not the sanitiser's), full-document parsing so that even <body onload>
// or <html lang> (merged into the document's own elements) are seen.
const parser = new new JSDOM('').window.DOMParser();

function markupIn(text: string): { elements: number; attributes: number } {
  const doc = parser.parseFromString(`<!doctype html><html><head></head><body>${text}</body></html>`, 'text/html');
  const all = [...doc.querySelectorAll('*')];
  return {
    elements: all.length - 3, // html, head, body
    attributes: all.reduce((sum, el) => sum + el.attributes.length, 0),
  };
}

/** What the HTML tokenizer would read as the start of a tag, an end tag, a comment or a processing instruction. */
const TAG_OPEN = /<[a-zA-Z/!?]/;
/** Script-capable URL schemes, after removing what browsers ignore inside a scheme (whitespace, control chars). */
const DANGEROUS_URL = /(?:javascript|vbscript|livescript):|data:(?:text\/html|image\/svg\+xml|application\/xhtml\+xml|text\/xml)/i;
/** An HTML-escaped character left behind: proof of (double) escaping instead of plain text. */
const ESCAPED = /&(?:(?:lt|gt|amp|quot|apos);|#\d+;?|#x[0-9a-f]+;?)/i;

function strings(value: unknown, path = '', out: Array<{ path: string; text: string }> = []) {
  if (typeof value === 'string') out.push({ path, text: value });
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) strings(v, path ? `${path}.${k}` : k, out);
  return out;
}

function problemsOf(text: string): string[] {
  const problems: string[] = [];
  const { elements, attributes } = markupIn(text);
  if (elements > 0) problems.push(`${elements} element(s)`);
  if (attributes > 0) problems.push(`${attributes} attribute(s)`);
  if (TAG_OPEN.test(text)) problems.push('tag-opening sequence');
  if (DANGEROUS_URL.test(text.replace(/[\s\x00-\x1f\x7f]+/g, ''))) problems.push('script-capable URL');
  if (ESCAPED.test(text)) problems.push('HTML-escaped character');
  return problems;
}

/** Appends vectors to `text` while the result stays within `max` characters. */
function withVectors(text: string, vectors: readonly string[], max: number): string {
  let out = text;
  for (const vector of vectors) if (out.length + 1 + vector.length <= max) out = `${out} ${vector}`;
  return out;
}

function xssInput(): GenerationJobInput {
  const input = exampleInput({ sections: 3 });
  const fp = input.frontend_parameters;
  const pick = (from: number, count: number) => XSS_VECTORS.slice(from, from + count);
  fp.course_title = withVectors(fp.course_title, pick(0, 8), 1000);
  fp.style = withVectors('Practical and example-driven', pick(40, 3), 300);
  fp.target_audience = withVectors('B2B sales representatives and account executives', pick(80, 10), 1500);
  fp.user_instructions = withVectors('Keep every lesson hands-on.', [...XSS_VECTORS.slice(12, 40), ...LEGIT_TEXTS], 4000);
  return GenerationJobInputSchema.parse(input);
}

test('the corpus: 100+ vectors that the output parser does not mistake for placeholders', () => {
  expect(XSS_VECTORS.length).toBeGreaterThanOrEqual(100);
  expect(new Set(XSS_VECTORS).size).toBe(XSS_VECTORS.length);
  for (const vector of [...XSS_VECTORS, ...LEGIT_TEXTS]) {
    expect({ vector, placeholder: isPlaceholderText(`Real lesson text. ${vector}`) }).toEqual({ vector, placeholder: false });
  }
  // Sanity of the checker itself: every vector is caught raw, no legitimate text is.
  for (const vector of XSS_VECTORS) expect({ vector, caught: problemsOf(vector).length > 0 }).toEqual({ vector, caught: true });
  for (const text of LEGIT_TEXTS) expect(problemsOf(text)).toEqual([]);
});

test('vectors in every LLM string and in the input free text: the committed course has no markup and reads as written', async () => {
  pipeline.sim.configure({ faults: [{ kind: 'xss', payloads: [...XSS_VECTORS, ...LEGIT_TEXTS], position: 'append' }] });
  pipeline.sim.resetStats();
  const input = xssInput();
  const { exitCode, json, stderr } = await pipeline.generate(input);
  expect(stderr).not.toContain('Generation failed');
  expect(exitCode).toBe(0);

  const { row, artifacts } = await withPg(pipeline.clientConfig.databaseUrl, async (pg) => ({
    row: (await pg.query('SELECT * FROM courses WHERE course_id = $1', [input.course_id])).rows[0],
    artifacts: (
      await pg.query(`SELECT kind, payload FROM generation_artifacts WHERE run_id = $1 AND kind IN ('metadata', 'section')`, [json.run_id])
    ).rows,
  }));
  // Every vector really reached the pipeline: it is in the raw model output stored before sanitising.
  const raw = artifacts.flatMap((a: { payload: unknown }) => strings(a.payload)).map((s) => s.text);
  const missing = [...XSS_VECTORS, ...LEGIT_TEXTS].filter((v) => !raw.some((text) => text.includes(v)));
  expect(missing).toEqual([]);

  const committed = [
    ...strings(row.course_structure, 'course_structure'),
    { path: 'courses.course_title', text: row.course_title as string },
  ];
  const bad = committed.map((s) => ({ ...s, problems: problemsOf(s.text) })).filter((s) => s.problems.length > 0);
  expect(bad.slice(0, 5)).toEqual([]);
  // Legitimate text survives verbatim.
  for (const text of LEGIT_TEXTS) expect({ text, kept: committed.some((s) => s.text.includes(text)) }).toEqual({ text, kept: true });
  // And the content around the vectors is still there: three sections of six lessons, real titles.
  expect(row.course_structure.sections).toHaveLength(3);
  expect(row.course_structure.sections.flatMap((s: { lessons: unknown[] }) => s.lessons)).toHaveLength(18);
  expect(row.course_structure.course_title).toContain('Synergy Sales');
  report('XSS through LLM output and input free text', {
    vectors: XSS_VECTORS.length,
    legitTexts: LEGIT_TEXTS.length,
    rawStringsWithPayload: raw.length,
    committedStringsChecked: committed.length,
    committedStringsWithMarkup: bad.length,
    inputFieldsWithVectors: 4,
  });
});

test('a failed run records the input title on the course row sanitised', async () => {
  pipeline.sim.configure({ faults: [{ kind: 'unauthorized', callKind: 'metadata' }] });
  const input = xssInput();
  const { handle } = await startCourseGeneration(harness.client, input, { taskQueue: pipeline.taskQueue });
  await expect(handle.result()).rejects.toMatchObject({ cause: { type: ErrorType.LLM_AUTH } });
  const row = await withPg(pipeline.clientConfig.databaseUrl, async (pg) =>
    (await pg.query('SELECT course_title, generation_status, course_structure FROM courses WHERE course_id = $1', [input.course_id])).rows[0],
  );
  expect(row).toMatchObject({ generation_status: 'failed', course_structure: null });
  const problems = problemsOf(row.course_title);
  report('XSS: course_title column of a failed run', { problems, titleStart: String(row.course_title).slice(0, 80) });
  expect(problems).toEqual([]);
});

test('U+0000 in a model answer is dropped while parsing: no retry, nothing stored with it', async () => {
  pipeline.sim.configure({ faults: [{ kind: 'xss', callKind: 'section', payloads: ['<b>NUL\u0000byte</b>'], times: 1 }] });
  pipeline.sim.resetStats();
  const input = exampleInput({ sections: 2 });
  const { exitCode, json } = await pipeline.generate(input);
  expect(exitCode).toBe(0);
  const ledger = await pipeline.stores.ledger.ofRun(json.run_id);
  report('XSS: U+0000 in a model answer', {
    retryCount: json.generation_metadata.retry_count,
    ledger: ledger.map((r) => `${r.phase}${r.sectionIndex ?? ''}#${r.attempt}:${r.outcome}`),
  });
  expect(JSON.stringify(json.course_structure)).not.toContain('\\u0000');
  expect(json.generation_metadata.retry_count.sections).toEqual([0, 0]);
  expect(ledger.every((r) => r.outcome === 'ok')).toBe(true);
});
