// Fault injection: which rule fires for a request, and how a faulty-but-200 answer is derived from a good one.
// Each content fault imitates a failure real models produce, so the pipeline's parser, repair and retry paths are
// exercised by the same bytes they would meet in production.
import type { Rng } from './random';
import { leafHolder, stringLeaves, type JsonSchema } from './schema-gen';
import type { CallKind, FaultKind, FaultRule } from './types';

export interface FaultRequest {
  model: string;
  kind: CallKind;
  prompt: string;
  /** Content faults only make sense for structured (JSON) chat answers. */
  structured: boolean;
  /** Requests of this call kind in flight, this one included. */
  inFlight?: number;
  /** The structured-output schema's name (response_format.json_schema.name), when the request sent one. */
  schema?: string;
}

const CONTENT_FAULTS: ReadonlySet<FaultKind> = new Set([
  'truncated_json',
  'fenced_json',
  'schema_invalid',
  'renamed_fields',
  'trailing_comma',
  'placeholder',
  'xss',
  'off_topic',
  'paraphrase',
  // Faults in the shape of a 200 answer: they are built from a generated answer after the simulated latency.
  'error_in_200',
  'finish_error',
  'content_filter',
  'empty_content',
  'reasoning_only',
  'refusal',
  'no_choices',
  'stream_error',
  'stream_stall',
]);

/**
 * What an `off_topic` answer is written about instead of the prompt's plan: a schema-valid, well-formed answer
 * about another subject, the drift quality validation exists to catch. Same labelled lines as a real prompt, so the
 * content generator reads it like one; the lesson count of the real prompt is kept.
 */
export const OFF_TOPIC_PROMPT = [
  'Title: "Sourdough Bread Baking at Home"',
  'Topic: home sourdough bread baking',
  'Key concepts: starter feeding; autolyse; hydration; bulk fermentation; oven spring',
  'Working title: Sourdough Bread Baking at Home',
  'Learning objectives:',
  '- Maintain a healthy sourdough starter',
  '- Shape and score a country loaf',
  'Key topics:',
  '- starter feeding schedule',
  '- autolyse and hydration',
  '- bulk fermentation',
  '- oven spring and scoring',
].join('\n');

/** Payloads of an `xss` rule that names none: one per family (tag, event handler, scheme, entity-encoded). */
export const DEFAULT_XSS_PAYLOADS: readonly string[] = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:alert(1)">more</a>',
  '&lt;svg onload=alert(1)&gt;',
];

/** Keeps the per-rule "times" counters; a new rule list (configure) starts them over. */
export class FaultPlan {
  private fired: number[];
  /** xss: index of the next payload per rule, so successive answers continue the rotation. */
  private payloadCursor: number[];

  constructor(private rules: FaultRule[]) {
    this.fired = rules.map(() => 0);
    this.payloadCursor = rules.map(() => 0);
  }

  setRules(rules: FaultRule[]): void {
    this.rules = rules;
    this.fired = rules.map(() => 0);
    this.payloadCursor = rules.map(() => 0);
  }

  resetCounters(): void {
    this.fired = this.rules.map(() => 0);
    this.payloadCursor = this.rules.map(() => 0);
  }

  /** Where the payload rotation of `rule` stands, and a way to move it on by the payloads an answer used. */
  payloadRotation(rule: FaultRule): { start: number; advance(used: number): void } {
    const i = this.rules.indexOf(rule);
    return {
      start: i >= 0 ? this.payloadCursor[i] : 0,
      advance: (used) => {
        if (i >= 0) this.payloadCursor[i] += used;
      },
    };
  }

  /** First rule that matches and fires wins. The rate roll uses the request's own seeded RNG. */
  pick(request: FaultRequest, rng: Rng): FaultRule | undefined {
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i];
      if (rule.model !== undefined && rule.model !== request.model) continue;
      if (rule.callKind !== undefined && rule.callKind !== request.kind) continue;
      if (rule.match !== undefined && !request.prompt.includes(rule.match)) continue;
      if (rule.schema !== undefined && rule.schema !== request.schema) continue;
      if (CONTENT_FAULTS.has(rule.kind) && !request.structured) continue;
      if (rule.times !== undefined && this.fired[i] >= rule.times) continue;
      if (rule.inFlightAbove !== undefined && (request.inFlight ?? 0) <= rule.inFlightAbove) continue;
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

/** Serialised answer text for a content fault, built from the valid value the generator produced. `rule` and
 * `rotation` are only read by `xss` (its payloads and where their rotation stands). */
export function corruptAnswer(
  kind: FaultKind,
  value: unknown,
  schema: JsonSchema,
  rng: Rng,
  rule?: FaultRule,
  rotation?: { start: number; advance(used: number): void },
): string {
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
    case 'xss': {
      const payloads = rule?.payloads?.length ? rule.payloads : DEFAULT_XSS_PAYLOADS;
      const injected = withPayloads(value, schema, payloads, rotation?.start ?? 0, rule?.position ?? 'append');
      rotation?.advance(injected.used);
      return JSON.stringify(injected.value);
    }
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
  const { parent, key } = leafHolder(copy, path);
  parent[key] = text;
  return copy;
}

/**
 * Same shape and still schema-valid: every free-text string leaf gets one payload (in rotation from `start`), after or
 * before its text. The text is cut at a word boundary when the payload would break maxLength, but never below
 * minLength, so the string keeps a valid length even if a sanitiser later removes the whole payload.
 */
export function withPayloads(
  value: unknown,
  schema: JsonSchema,
  payloads: readonly string[],
  start: number,
  position: 'append' | 'prepend',
): { value: unknown; used: number } {
  const copy = structuredClone(value);
  let cursor = start;
  for (const slot of stringLeaves(schema, copy)) {
    if (slot.path.length === 0) continue;
    const { parent, key } = leafHolder(copy, slot.path);
    const text = String(parent[key]);
    for (let tried = 0; tried < payloads.length; tried++) {
      const payload = payloads[(cursor + tried) % payloads.length];
      const base = cutAtWord(text, slot.maxLength - payload.length - 1);
      if (base.length < Math.max(1, slot.minLength)) continue;
      parent[key] = position === 'append' ? `${base} ${payload}` : `${payload} ${base}`;
      cursor += tried + 1;
      break;
    }
  }
  return { value: copy, used: cursor - start };
}

/** `text` if it fits in `max` characters, else its longest word-boundary prefix that does (may be empty). */
function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const cut = text.slice(0, max + 1);
  const space = cut.lastIndexOf(' ');
  return (space > 0 ? cut.slice(0, space) : '').replace(/[\s,;:]+$/, '');
}
