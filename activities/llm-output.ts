// Turns raw model text into a schema-valid value, or into a list of problems the caller reports as
// LLM_OUTPUT_INVALID. Even with response_format set, providers behind OpenRouter differ: some wrap JSON in markdown
// fences or prose, emit <think> blocks, trailing commas or camelCase keys, or stop mid-object at max_tokens. Cheap,
// recorded repairs save a whole retry; anything that still fails the schema is rejected, never guessed at.
import { jsonrepair } from 'jsonrepair';
import { z } from 'zod';
import { findPlaceholders } from './placeholders';

export type ParseResult<T> = { ok: true; value: T; repairs: string[] } | { ok: false; problems: string[] };

/** Source key (snake_case) → target keys, tried in order. A rename happens only when the target is a key the schema
 * expects at that level and the object does not already have it, so one map serves every nesting level. */
export type AliasMap = Record<string, string | readonly string[]>;

export const DEFAULT_ALIASES: AliasMap = {
  title: ['section_title', 'lesson_title', 'exercise_title', 'course_title'],
  name: ['section_title', 'lesson_title', 'exercise_title', 'course_title'],
  description: ['section_description', 'exercise_description', 'course_description'],
  summary: ['section_description', 'course_description'],
  objectives: ['lesson_objectives', 'learning_objectives'],
  goals: ['learning_objectives', 'lesson_objectives'],
  learning_goals: ['learning_objectives', 'lesson_objectives'],
  outcomes: ['learning_outcomes'],
  topics: ['key_topics'],
  exercises: ['practical_exercises'],
  type: ['exercise_type'],
  solution: ['solution_outline'],
  difficulty: ['difficulty_level'],
  level: ['difficulty_level'],
  tags: ['course_tags'],
  keywords: ['course_tags'],
  audience: ['target_audience'],
  overview: ['course_overview'],
  requirements: ['prerequisites'],
};

const MAX_PROBLEMS = 20;

export function parseLlmOutput<T>(
  raw: string,
  schema: z.ZodType<T>,
  options: { aliases?: AliasMap } = {},
): ParseResult<T> {
  const repairs: string[] = [];
  const extracted = extractJsonText(raw, expectsArray(schema) ? '[' : '{', repairs);
  if (extracted === null) return { ok: false, problems: ['output contains no JSON value'] };

  let parsed: unknown;
  try {
    parsed = JSON.parse(extracted);
  } catch (parseError) {
    try {
      parsed = JSON.parse(jsonrepair(extracted));
      repairs.push(`repaired malformed JSON (${shorten(errorMessage(parseError), 80)})`);
    } catch (repairError) {
      return { ok: false, problems: [`output is not repairable JSON: ${shorten(errorMessage(repairError), 120)}`] };
    }
  }

  const renames = new Map<string, number>();
  const aliases = { ...DEFAULT_ALIASES, ...options.aliases };
  parsed = unwrapEnvelope(parsed, schema, aliases, repairs);
  const normalised = normaliseKeys(parsed, schema, aliases, renames);
  for (const [rename, count] of renames) repairs.push(`renamed field ${rename}${count > 1 ? ` (${count}x)` : ''}`);

  const cleaned = stripNulCharacters(normalised, repairs);
  const problems = findPlaceholders(cleaned).map((path) => `${path}: placeholder text`);
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    problems.push(
      ...result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`),
    );
  }
  if (problems.length > 0) {
    const extra = problems.length - MAX_PROBLEMS;
    if (extra > 0) problems.splice(MAX_PROBLEMS, extra, `… and ${extra} more`);
    return { ok: false, problems };
  }
  return { ok: true, value: result.data as T, repairs };
}

/** Finds the JSON text: inside the first fence that holds JSON, else the longest span from an opening bracket to
 * the bracket that closes it. Unclosed fences and brackets (output cut off at max_tokens) run to the end. */
/** U+0000 cannot be stored by PostgreSQL and is never meaningful in course text: drop it rather than fail. */
function stripNulCharacters(value: unknown, repairs: string[]): unknown {
  let removed = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('\u0000')) return v;
      removed++;
      return v.split('\u0000').join('');
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(v)) Object.defineProperty(out, key, { value: walk(child), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return v;
  };
  const result = walk(value);
  if (removed > 0) repairs.push(`removed NUL characters from ${removed} string(s)`);
  return result;
}

export function extractJsonText(raw: string, opener: '{' | '[', repairs: string[] = []): string | null {
  let text = raw.replace(/^\uFEFF/, '');
  const withoutThinking = text.replace(/<think>[\s\S]*?<\/think>/gi, '');
  if (withoutThinking !== text) repairs.push('removed <think> block');
  text = withoutThinking;

  // Text that already starts with JSON is not searched for fences: a lesson may quote ``` inside a string.
  const startsWithJson = text.trimStart().startsWith(opener);
  const fences = startsWithJson ? [] : [...text.matchAll(/```[\w-]*[^\S\n]*\n?([\s\S]*?)(?:```|$)/g)];
  const fenced = fences.map((m) => m[1]).find((body) => body.includes(opener));
  if (fenced !== undefined) {
    repairs.push('extracted JSON from markdown fence');
    text = fenced;
  }

  // Prose may hold small bracketed fragments ("use {curly} quotes"); the answer is the longest balanced value.
  const candidates: string[] = [];
  for (let start = text.indexOf(opener); start !== -1; ) {
    const end = matchingCloseIndex(text, start);
    candidates.push(end === -1 ? text.slice(start) : text.slice(start, end + 1));
    start = end === -1 ? -1 : text.indexOf(opener, end + 1);
  }
  if (candidates.length === 0) return null;
  const json = candidates.reduce((longest, candidate) => (candidate.length > longest.length ? candidate : longest));
  if (fenced === undefined && json.trim() !== text.trim()) repairs.push('removed text around JSON');
  return json;
}

function matchingCloseIndex(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export function toSnakeCase(key: string): string {
  return key
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

// ---- Schema introspection: derive the expected keys from the zod schema rather than hard-coding them.

type Schema = z.core.$ZodType;

function unwrap(schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; depth < 32; depth++) {
    const def = current._zod.def as z.core.$ZodTypeDef & { innerType?: Schema; in?: Schema; getter?: () => Schema };
    if (def.innerType) current = def.innerType; // optional, nullable, default, prefault, readonly, catch…
    else if (def.type === 'pipe' && def.in) current = def.in; // transforms validate their input side
    else if (def.type === 'lazy' && def.getter) current = def.getter();
    else break;
  }
  return current;
}

function objectShape(schema: Schema): Record<string, Schema> | undefined {
  const inner = unwrap(schema);
  return inner._zod.def.type === 'object' ? (inner._zod.def as z.core.$ZodObjectDef).shape : undefined;
}

function arrayElement(schema: Schema): Schema | undefined {
  const inner = unwrap(schema);
  return inner._zod.def.type === 'array' ? (inner._zod.def as z.core.$ZodArrayDef).element : undefined;
}

function expectsArray(schema: Schema): boolean {
  return arrayElement(schema) !== undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function resolveKey(key: string, shape: Record<string, Schema>, taken: Set<string>, aliases: AliasMap): string {
  if (Object.hasOwn(shape, key)) return key;
  const snake = toSnakeCase(key);
  if (Object.hasOwn(shape, snake) && !taken.has(snake)) return snake;
  // hasOwn: a key such as "__proto__" or "constructor" must not find Object.prototype members.
  const source = [key, snake].find((name) => Object.hasOwn(aliases, name));
  const targets = source === undefined ? [] : aliases[source];
  for (const target of typeof targets === 'string' ? [targets] : targets) {
    if (Object.hasOwn(shape, target) && !taken.has(target)) return target;
  }
  return key;
}

function normaliseKeys(value: unknown, schema: Schema, aliases: AliasMap, renames: Map<string, number>): unknown {
  const element = arrayElement(schema);
  if (element && Array.isArray(value)) return value.map((item) => normaliseKeys(item, element, aliases, renames));
  const shape = objectShape(schema);
  if (!shape || !isPlainObject(value)) return value;

  const entries = Object.entries(value);
  // Keys the schema already expects are placed first, so an exact `lesson_title` wins over an alias `title`.
  const taken = new Set(entries.map(([key]) => key).filter((key) => Object.hasOwn(shape, key)));
  const out: Record<string, unknown> = {};
  for (const [key, child] of entries) {
    const target = resolveKey(key, shape, taken, aliases);
    if (target !== key) {
      taken.add(target);
      const label = `${key} -> ${target}`;
      renames.set(label, (renames.get(label) ?? 0) + 1);
    }
    const childSchema = Object.hasOwn(shape, target) ? shape[target] : undefined;
    // defineProperty: a "__proto__" key from JSON.parse must stay data, not become the prototype.
    Object.defineProperty(out, target, {
      value: childSchema ? normaliseKeys(child, childSchema, aliases, renames) : child,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** `{"section": {...}}` when the schema wants the inner object: models often add such a wrapper. */
function unwrapEnvelope(value: unknown, schema: Schema, aliases: AliasMap, repairs: string[]): unknown {
  const shape = objectShape(schema);
  if (!shape || !isPlainObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1 || Object.hasOwn(shape, resolveKey(keys[0], shape, new Set(), aliases))) return value;
  const inner = value[keys[0]];
  if (!isPlainObject(inner)) return value;
  const expected = Object.keys(inner).filter((key) => Object.hasOwn(shape, resolveKey(key, shape, new Set(), aliases)));
  if (expected.length === 0) return value;
  repairs.push(`unwrapped top-level "${keys[0]}" object`);
  return inner;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
