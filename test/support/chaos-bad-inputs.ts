// A generator of malformed generation inputs, derived from the valid example: missing and extra fields, wrong types,
// empty arrays and strings, out-of-range numbers, strings above the schema's limits and above the payload limits
// (512 KB input file, Temporal's 2 MiB payload), invalid UUIDs, unsupported languages, and text that is not JSON.
// Every case is invalid by the documented input contract (workflows/schemas.ts, README); none depends on the
// order or wording of the validator's messages.
import { rawExample } from './fixtures';

export interface BadInput {
  /** Category and what was broken, e.g. "wrong type: frontend_parameters.lesson_duration_minutes = \"15\"". */
  name: string;
  category:
    | 'missing field'
    | 'extra field'
    | 'wrong type'
    | 'empty array'
    | 'empty string'
    | 'too long'
    | 'payload size'
    | 'out of range'
    | 'invalid uuid'
    | 'unsupported language'
    | 'not an object'
    | 'not json';
  /** A JSON value (sent as JSON / as the workflow argument), or raw file text for 'not json'. */
  value: unknown;
  /** True for file text that is not JSON at all (the workflow path sends the text itself as its argument). */
  rawText?: boolean;
}

type Path = Array<string | number>;

const FP = ['frontend_parameters'];
const AR = ['analysis_result'];
const CC = [...AR, 'course_category'];
const TA = [...AR, 'topic_analysis'];
const RS = [...AR, 'recommended_structure'];
const SB = [...RS, 'sections_breakdown'];
const PS = [...AR, 'pedagogical_strategy'];
const GG = [...AR, 'generation_guidance'];

const name = (path: Path) => path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');

function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

function deleteAt(root: unknown, path: Path): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  delete node[path[path.length - 1]];
  return copy;
}

/** Adds a key with JSON.parse semantics, so "__proto__" becomes an own property as it would from a file (no
 * structuredClone or spread afterwards: they would not keep it as a plain own key). */
function withExtraKey(root: unknown, path: Path, key: string): unknown {
  const parsed = JSON.parse(JSON.stringify(root)) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> | null = null;
  let node = parsed;
  for (const segment of path) {
    parent = node;
    node = node[segment] as Record<string | number, unknown>;
  }
  const patched = JSON.parse(JSON.stringify(node).replace(/^\{/, `{${JSON.stringify(key)}:{"injected":true},`));
  if (!parent) return patched;
  parent[path[path.length - 1]] = patched;
  return parsed;
}

const VALID_UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

export function generateBadInputs(): BadInput[] {
  const base = rawExample();
  const lastSection = (base.analysis_result as { recommended_structure: { sections_breakdown: unknown[] } }).recommended_structure
    .sections_breakdown.length - 1;
  const out: BadInput[] = [];
  const add = (category: BadInput['category'], label: string, value: unknown, rawText = false) =>
    out.push({ name: `${category}: ${label}`, category, value, ...(rawText ? { rawText } : {}) });

  // ---- Missing required fields (optional ones — language, style, audience, instructions, complexity, guidance —
  // are not on the list: leaving them out is valid).
  const sectionFields = ['area', 'estimated_lessons', 'importance', 'learning_objectives', 'key_topics', 'pedagogical_approach', 'difficulty_progression'];
  const required: Path[] = [
    ['course_id'], ['frontend_parameters'], ['analysis_result'],
    [...FP, 'course_title'], [...FP, 'lesson_duration_minutes'],
    [...AR, 'course_category'], [...AR, 'topic_analysis'], [...AR, 'recommended_structure'], [...AR, 'pedagogical_strategy'],
    [...CC, 'primary'], [...CC, 'confidence'], [...CC, 'reasoning'],
    [...TA, 'determined_topic'], [...TA, 'key_concepts'],
    [...RS, 'estimated_content_hours'], [...RS, 'lesson_duration_minutes'], [...RS, 'total_sections'], [...RS, 'total_lessons'], [...RS, 'sections_breakdown'],
    ...sectionFields.map((f): Path => [...SB, 0, f]),
    ...sectionFields.map((f): Path => [...SB, lastSection, f]),
    [...PS, 'teaching_style'], [...PS, 'assessment_approach'], [...PS, 'practical_focus'], [...PS, 'progression_logic'], [...PS, 'interactivity_level'],
  ];
  for (const path of required) add('missing field', name(path), deleteAt(base, path));

  // ---- Extra fields at every (strict) object level.
  const objects: Path[] = [[], FP, AR, CC, TA, RS, [...SB, 0], [...SB, lastSection], PS, GG];
  for (const path of objects) {
    for (const key of ['unexpected_field', '__proto__', 'constructor']) {
      add('extra field', `${name(path) || '(root)'}.${key}`, withExtraKey(base, path, key));
    }
  }

  // ---- Wrong types, two per field.
  const wrong: Array<[Path, unknown[]]> = [
    [['course_id'], [42, { id: VALID_UUID }]],
    [['frontend_parameters'], ['a string', []]],
    [['analysis_result'], [null, 'analysis']],
    [[...FP, 'course_title'], [42, ['a', 'title']]],
    [[...FP, 'language'], [1, { code: 'en' }]],
    [[...FP, 'style'], [true, 7]],
    [[...FP, 'target_audience'], [['sales reps'], null]],
    [[...FP, 'lesson_duration_minutes'], ['15', null]],
    [[...FP, 'user_instructions'], [{ text: 'x' }, 3.5]],
    [[...CC, 'primary'], [0, null]],
    [[...CC, 'confidence'], ['0.9', true]],
    [[...CC, 'reasoning'], [[], 12]],
    [[...TA, 'determined_topic'], [null, {}]],
    [[...TA, 'key_concepts'], ['one, two', { 0: 'x' }]],
    [[...TA, 'complexity'], [3, true]],
    [[...RS, 'estimated_content_hours'], ['12', []]],
    [[...RS, 'total_sections'], ['8', 8.5]],
    [[...RS, 'total_lessons'], [null, '48']],
    [[...RS, 'sections_breakdown'], ['sections', {}]],
    [[...SB, 0], ['a section', 42]],
    [[...SB, 0, 'estimated_lessons'], ['6', 6.5]],
    [[...SB, 0, 'importance'], [1, 'critical']],
    [[...SB, 0, 'learning_objectives'], ['learn things', [1, 2]]],
    [[...SB, 0, 'key_topics'], [null, [null, null, null]]],
    [[...SB, 0, 'difficulty_progression'], ['linear', false]],
    [[...PS, 'teaching_style'], ['lecture', 0]],
    [[...PS, 'practical_focus'], ['very high', null]],
    [[...PS, 'interactivity_level'], [[], 'none']],
    [[...GG, 'use_analogies'], ['yes', 1]],
    [[...GG, 'avoid_jargon'], ['jargon', [1]]],
  ];
  for (const [path, values] of wrong) for (const value of values) add('wrong type', `${name(path)} = ${JSON.stringify(value)}`, setAt(base, path, value));

  // ---- Empty arrays where at least one item is required, empty or blank strings.
  for (const path of [[...TA, 'key_concepts'], [...RS, 'sections_breakdown'], [...SB, 0, 'learning_objectives'], [...SB, 0, 'key_topics']]) {
    add('empty array', name(path), setAt(base, path, []));
  }
  for (const [path, value] of [
    [[...FP, 'course_title'], ''],
    [[...FP, 'course_title'], '   '],
    [[...FP, 'style'], '\n\t'],
    [[...SB, 0, 'area'], ''],
    [[...CC, 'reasoning'], ' '],
    [[...TA, 'key_concepts'], ['']],
  ] as Array<[Path, unknown]>) {
    add('empty string', `${name(path)} = ${JSON.stringify(value)}`, setAt(base, path, value));
  }

  // ---- Strings above the schema's limits, and inputs above the payload limits.
  for (const [path, length] of [
    [[...FP, 'course_title'], 1001],
    [[...FP, 'style'], 301],
    [[...FP, 'target_audience'], 1501],
    [[...FP, 'user_instructions'], 4001],
    [[...SB, 0, 'area'], 301],
    [[...SB, 0, 'pedagogical_approach'], 4001],
    [[...CC, 'reasoning'], 4001],
    [[...TA, 'determined_topic'], 301],
    [[...TA, 'key_concepts', 0], 301],
    [[...PS, 'progression_logic'], 100_000],
  ] as Array<[Path, number]>) {
    add('too long', `${name(path)} of ${length} characters`, setAt(base, path, 'x'.repeat(length)));
  }
  // Above the CLI's 512 KB input limit, below Temporal's 2 MiB payload limit: the workflow's own check must reject it.
  add('payload size', 'user_instructions of 600 KB', setAt(base, [...FP, 'user_instructions'], 'y'.repeat(600 * 1024)));
  add('payload size', 'an extra 600 KB field', withExtraKey(setAt(base, [...FP, 'style'], 'ok'), [], 'z'.repeat(600 * 1024)));
  // Above Temporal's 2 MiB payload limit: the server itself refuses to start such a workflow.
  add('payload size', 'user_instructions of 2.5 MiB', setAt(base, [...FP, 'user_instructions'], 'w'.repeat(2.5 * 1024 * 1024)));

  // ---- Numbers out of range, and the cross-field rule.
  for (const [path, value] of [
    [[...FP, 'lesson_duration_minutes'], 2],
    [[...FP, 'lesson_duration_minutes'], 46],
    [[...FP, 'lesson_duration_minutes'], 15.5],
    [[...FP, 'lesson_duration_minutes'], -15],
    [[...CC, 'confidence'], 1.5],
    [[...CC, 'confidence'], -0.1],
    [[...RS, 'estimated_content_hours'], 0],
    [[...RS, 'estimated_content_hours'], 1001],
    [[...RS, 'lesson_duration_minutes'], 0],
    [[...RS, 'total_sections'], 9],
    [[...RS, 'total_sections'], 0],
    [[...RS, 'total_lessons'], 9],
    [[...RS, 'total_lessons'], 301],
    [[...SB, 0, 'estimated_lessons'], 0],
    [[...SB, 0, 'estimated_lessons'], 31],
    [[...SB, 0, 'estimated_lessons'], 1e308],
  ] as Array<[Path, number]>) {
    add('out of range', `${name(path)} = ${value}`, setAt(base, path, value));
  }

  // ---- Invalid course ids.
  for (const id of [
    'not-a-uuid', '', '1234', VALID_UUID.replace(/-/g, ''), `{${VALID_UUID}}`, `${VALID_UUID}x`, VALID_UUID.replace('a', 'g'),
    VALID_UUID.slice(0, 35), `urn:uuid:${VALID_UUID}`, ` ${VALID_UUID}`, `${VALID_UUID}\n`, "' OR 1=1 --", '../../etc/passwd',
    VALID_UUID.replace(/-/g, '_'), null,
  ]) {
    add('invalid uuid', `course_id = ${JSON.stringify(id)}`, setAt(base, ['course_id'], id));
  }

  // ---- Unsupported languages.
  for (const language of ['xx', 'EN', 'english', 'en-US', 'fr_FR', 'zz', '', 'ru ', 'klingon', 'sv', 'he', null]) {
    add('unsupported language', JSON.stringify(language), setAt(base, [...FP, 'language'], language));
  }

  // ---- Not an object at the top level.
  for (const value of [null, 42, 'a string', [], true, [base]]) add('not an object', JSON.stringify(value).slice(0, 40), value);

  // ---- Not JSON at all (file text).
  const valid = JSON.stringify(base);
  for (const [label, text] of [
    ['empty file', ''],
    ['whitespace only', '  \n\t '],
    ['cut off', valid.slice(0, Math.floor(valid.length / 2))],
    ['single quotes', valid.replace(/"/g, "'")],
    ['trailing comma', valid.replace(/}$/, ',}')],
    ['comment', `// a comment\n${valid}`],
    ['two documents', `${valid}\n${valid}`],
    ['YAML', 'course_id: 0f8fad5b-d9cb-469f-a165-70867728950e\nfrontend_parameters:\n  course_title: x\n'],
    ['NaN literal', valid.replace(/"lesson_duration_minutes":\s*15/, '"lesson_duration_minutes": NaN')],
    ['binary bytes', '\u0000\u0001\u0002\u00ff{'],
    ['BOM and garbage', '\uFEFF<xml/>'],
    ['undefined', 'undefined'],
  ] as Array<[string, string]>) {
    add('not json', label, text, true);
  }
  return out;
}
