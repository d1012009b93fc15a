// Fault injection: which rule fires for a request, and how a faulty-but-200 answer is derived from a good one.
// Each content fault imitates a failure real models produce, so the pipeline's parser, repair and retry paths are
// exercised by the same bytes they would meet in production.
import type { Rng } from './random';
import { stringLeaves, type JsonSchema } from './schema-gen';
import type { CallKind, FaultKind, FaultRule } from './types';

export interface FaultRequest {
  model: string;
  kind: CallKind;
  prompt: string;
  /** Content faults only make sense for structured (JSON) chat answers. */
  structured: boolean;
}

const CONTENT_FAULTS: ReadonlySet<FaultKind> = new Set([
  'truncated_json',
  'fenced_json',
  'schema_invalid',
  'renamed_fields',
  'trailing_comma',
  'placeholder',
]);

/** Keeps the per-rule "times" counters; a new rule list (configure) starts them over. */
export class FaultPlan {
  private fired: number[];

  constructor(private rules: FaultRule[]) {
    this.fired = rules.map(() => 0);
  }

  setRules(rules: FaultRule[]): void {
    this.rules = rules;
    this.fired = rules.map(() => 0);
  }

  resetCounters(): void {
    this.fired = this.rules.map(() => 0);
  }

  /** First rule that matches and fires wins. The rate roll uses the request's own seeded RNG. */
  pick(request: FaultRequest, rng: Rng): FaultRule | undefined {
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i];
      if (rule.model !== undefined && rule.model !== request.model) continue;
      if (rule.callKind !== undefined && rule.callKind !== request.kind) continue;
      if (rule.match !== undefined && !request.prompt.includes(rule.match)) continue;
      if (CONTENT_FAULTS.has(rule.kind) && !request.structured) continue;
      if (rule.times !== undefined && this.fired[i] >= rule.times) continue;
      if (rule.rate !== undefined && rule.rate < 1 && rng.next() >= rule.rate) continue;
      this.fired[i]++;
      return rule;
    }
    return undefined;
  }
}

export function isContentFault(kind: FaultKind): boolean {
  return CONTENT_FAULTS.has(kind);
}

/** Serialised answer text for a content fault, built from the valid value the generator produced. */
export function corruptAnswer(kind: FaultKind, value: unknown, schema: JsonSchema, rng: Rng): string {
  switch (kind) {
    case 'truncated_json': {
      // What a max_tokens cut-off looks like: valid JSON that simply stops mid-way.
      const json = JSON.stringify(value, null, 2);
      return json.slice(0, Math.max(1, Math.floor(json.length / 2)));
    }
    case 'fenced_json':
      return `Here is the JSON you asked for:\n\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
    case 'schema_invalid':
      return JSON.stringify(breakSchema(value, schema));
    case 'renamed_fields':
      return JSON.stringify(camelCaseKeys(value));
    case 'trailing_comma':
      return withTrailingCommas(value, '');
    case 'placeholder':
      return JSON.stringify(withPlaceholder(value, schema, rng));
    default:
      return JSON.stringify(value);
  }
}

/**
 * Parses, but violates the schema twice over: the first required scalar property is removed and every required
 * array that must not be empty is emptied (for a section: no section_title, lessons: []).
 */
function breakSchema(value: unknown, schema: JsonSchema): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const s = typeof schema === 'object' ? schema : {};
  const properties = (s.properties ?? {}) as Record<string, { [k: string]: unknown }>;
  const required = (Array.isArray(s.required) ? s.required : Object.keys(out)) as string[];
  const scalar = required.find((key) => !Array.isArray(out[key]));
  if (scalar !== undefined) delete out[scalar];
  let emptied = false;
  for (const [key, v] of Object.entries(out)) {
    if (Array.isArray(v) && (Number(properties[key]?.minItems) > 0 || !properties[key])) {
      out[key] = [];
      emptied = true;
    }
  }
  // A schema with no array and a single field would otherwise come out as {} — still invalid, but add a stray key
  // so strict (additionalProperties: false) schemas are violated as well.
  if (!emptied) out.unexpected_field = true;
  return out;
}

function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()), camelCaseKeys(v)]),
  );
}

/** Pretty JSON with a trailing comma after the last member of every non-empty object and array. */
function withTrailingCommas(value: unknown, indent: string): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${inner}${withTrailingCommas(v, inner)},`).join('\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const body = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${withTrailingCommas(v, inner)},`);
    return `{\n${body.join('\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** Same shape, one string leaf (chosen by the seeded RNG among those where it fits the bounds) is a placeholder. */
function withPlaceholder(value: unknown, schema: JsonSchema, rng: Rng): unknown {
  const copy = structuredClone(value);
  const placeholders = ['[insert example here]', 'TODO'];
  const candidates = stringLeaves(schema, copy)
    .filter((slot) => slot.path.length > 0)
    .flatMap((slot) =>
    placeholders
      .filter((p) => p.length >= slot.minLength && p.length <= slot.maxLength)
      .map((text) => ({ path: slot.path, text })),
  );
  if (candidates.length === 0) return copy;
  const { path, text } = rng.pick(candidates);
  let parent = copy as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  parent[path[path.length - 1]] = text;
  return copy;
}
