// Generic JSON Schema (draft 2020-12, as emitted by zod 4's z.toJSONSchema) → value generator. It knows nothing
// about courses: it walks the schema, honours every bound it finds, and asks a ContentProvider for the words.
// That split keeps the schema logic testable on its own and lets the content layer stay a plain vocabulary.
import type { Rng } from './random';

export type JsonSchema = boolean | { [keyword: string]: unknown };
export type SchemaPath = Array<string | number>;

export interface StringSlot {
  path: SchemaPath;
  minLength: number;
  maxLength: number;
}

export interface ContentProvider {
  /** Preferred text for the string at `path`; the generator pads or trims it to the bounds. */
  text(slot: StringSlot): string;
  /** One more on-topic sentence to pad a string that is still shorter than minLength. */
  more(slot: StringSlot, attempt: number): string;
  /** Preferred length of the array at `path`; clamped to minItems/maxItems. */
  arrayLength(path: SchemaPath, min: number, max: number): number | undefined;
  /** Preferred enum value at `path`, or undefined to let the generator pick one. */
  choose(path: SchemaPath, options: readonly unknown[]): unknown;
}

type SchemaObject = { [keyword: string]: unknown };

export function generateFromSchema(schema: JsonSchema, content: ContentProvider, rng: Rng): unknown {
  return new Generator(schema, content, rng).value(schema, []);
}

class Generator {
  constructor(
    private readonly root: JsonSchema,
    private readonly content: ContentProvider,
    private readonly rng: Rng,
  ) {}

  value(input: JsonSchema, path: SchemaPath, depth = 0): unknown {
    const schema = resolveRef(this.root, input);
    if (depth > 32) return null; // recursive schemas: stop somewhere sane
    if (schema === true || schema === false) return this.string({}, path);
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) {
      const chosen = this.content.choose(path, schema.enum);
      return schema.enum.includes(chosen) ? chosen : this.rng.pick(schema.enum);
    }
    const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
    if (Array.isArray(union) && union.length > 0) {
      // Prefer a non-null branch: a nullable field answered with null teaches the consumer nothing.
      const branch = union.find((s) => typeOf(resolveRef(this.root, s)) !== 'null') ?? union[0];
      return this.value(branch, path, depth + 1);
    }
    if (Array.isArray(schema.allOf)) {
      const merged = Object.assign({}, ...schema.allOf.map((s) => resolveRef(this.root, s as JsonSchema)), schema);
      delete merged.allOf;
      return this.value(merged, path, depth + 1);
    }
    switch (typeOf(schema)) {
      case 'object':
        return this.object(schema, path, depth);
      case 'array':
        return this.array(schema, path, depth);
      case 'integer':
        return this.number(schema, true);
      case 'number':
        return this.number(schema, false);
      case 'boolean':
        return this.rng.next() < 0.5;
      case 'null':
        return null;
      default:
        return this.string(schema, path);
    }
  }

  private object(schema: SchemaObject, path: SchemaPath, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    // Strict structured outputs list every property as required; optional ones are filled too, which is what a
    // real model does most of the time and exercises the consumer's handling of them.
    for (const [key, sub] of Object.entries(properties)) out[key] = this.value(sub, [...path, key], depth + 1);
    const extra = schema.additionalProperties;
    const minProps = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
    for (let i = Object.keys(out).length; i < minProps && extra !== false; i++) {
      const key = `item_${i + 1}`;
      out[key] = this.value(typeof extra === 'object' ? (extra as JsonSchema) : true, [...path, key], depth + 1);
    }
    return out;
  }

  private array(schema: SchemaObject, path: SchemaPath, depth: number): unknown[] {
    const min = num(schema.minItems) ?? 0;
    const max = Math.max(min, num(schema.maxItems) ?? Math.max(min, 8));
    const preferred = this.content.arrayLength(path, min, max) ?? Math.min(max, Math.max(min, 3));
    const length = Math.min(max, Math.max(min, Math.round(preferred)));
    const prefix = (Array.isArray(schema.prefixItems) ? schema.prefixItems : []) as JsonSchema[];
    const items = (schema.items ?? true) as JsonSchema;
    const out: unknown[] = [];
    for (let i = 0; i < length; i++) out.push(this.value(prefix[i] ?? items, [...path, i], depth + 1));
    return out;
  }

  private number(schema: SchemaObject, integer: boolean): number {
    const exclusiveLow = num(schema.exclusiveMinimum);
    const exclusiveHigh = num(schema.exclusiveMaximum);
    let low = num(schema.minimum) ?? exclusiveLow ?? 0;
    let high = num(schema.maximum) ?? exclusiveHigh ?? low + 100;
    if (integer) {
      low = num(schema.minimum) === undefined && exclusiveLow !== undefined ? Math.floor(low) + 1 : Math.ceil(low);
      high = num(schema.maximum) === undefined && exclusiveHigh !== undefined ? Math.ceil(high) - 1 : Math.floor(high);
    }
    if (high < low) high = low;
    // Middle of the range: deterministic and away from both edges, so exclusive bounds hold too.
    let value = low + (high - low) / 2;
    const step = num(schema.multipleOf);
    if (step && step > 0) {
      value = Math.round(value / step) * step;
      if (value < low) value += step;
      if (value > high) value -= step;
    }
    return integer ? Math.round(value) : value;
  }

  private string(schema: SchemaObject, path: SchemaPath): string {
    const minLength = num(schema.minLength) ?? 1;
    const maxLength = Math.max(minLength, num(schema.maxLength) ?? 2000);
    const formatted = formatValue(schema.format, this.rng, path);
    if (formatted !== undefined) return formatted;
    const slot: StringSlot = { path, minLength, maxLength };
    return fitText(this.content.text(slot), slot, (attempt) => this.content.more(slot, attempt));
  }
}

/**
 * Pad with more sentences until minLength, then trim at a word boundary to maxLength. Never emits "..." or other
 * marks a placeholder detector would flag: a cut sentence just ends with a full stop.
 */
export function fitText(text: string, slot: StringSlot, more: (attempt: number) => string): string {
  let out = text.replace(/\s+/g, ' ').trim();
  for (let attempt = 0; out.length < slot.minLength && attempt < 200; attempt++) {
    out = `${out}${out && !/[.!?:]$/.test(out) ? '.' : ''} ${more(attempt)}`.trim();
  }
  if (out.length > slot.maxLength) {
    let cut = out.slice(0, slot.maxLength + 1);
    const space = cut.lastIndexOf(' ');
    cut = space > 0 ? cut.slice(0, space) : cut.slice(0, slot.maxLength);
    cut = cut.replace(/[\s,;:—–-]+$/, '');
    if (/\s/.test(cut) && !/[.!?]$/.test(cut) && cut.length + 1 <= slot.maxLength) cut += '.';
    out = cut.length >= slot.minLength ? cut : out.slice(0, slot.maxLength);
  }
  return out;
}

function formatValue(format: unknown, rng: Rng, path: SchemaPath): string | undefined {
  switch (format) {
    case 'uuid':
      return uuidFrom(rng);
    case 'date-time':
      return new Date(Date.UTC(2025, 0, 1 + rng.int(0, 364), rng.int(0, 23))).toISOString();
    case 'date':
      return new Date(Date.UTC(2025, 0, 1 + rng.int(0, 364))).toISOString().slice(0, 10);
    case 'email':
      return `learner${rng.int(1, 999)}@example.com`;
    case 'uri':
    case 'url':
      return `https://example.com/${path.filter((p) => typeof p === 'string').join('/') || 'resource'}`;
    default:
      return undefined;
  }
}

/** A syntactically valid v4 UUID drawn from the seeded RNG (so it is reproducible). */
function uuidFrom(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => rng.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = ((rng.int(0, 3) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

export function resolveRef(root: JsonSchema, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; hops < 16 && typeof current === 'object' && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref as string;
    if (!ref.startsWith('#')) return true; // remote refs: treat as "anything"
    let target: unknown = root;
    for (const part of ref.slice(1).split('/').filter(Boolean)) {
      target = (target as Record<string, unknown> | undefined)?.[decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'))];
    }
    const { $ref: _ignored, ...siblings } = current;
    current = typeof target === 'object' && target !== null ? { ...(target as SchemaObject), ...siblings } : true;
  }
  return current;
}

function typeOf(schema: JsonSchema): string | undefined {
  if (typeof schema !== 'object') return undefined;
  const type = schema.type;
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') ?? type[0]) as string;
  if (typeof type === 'string') return type;
  if (schema.properties) return 'object';
  if (schema.items || schema.prefixItems) return 'array';
  if (schema.minimum !== undefined || schema.maximum !== undefined) return 'number';
  return 'string';
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The object or array holding the leaf at `path` (non-empty, as from stringLeaves), and the leaf's key in it. */
export function leafHolder(root: unknown, path: SchemaPath): { parent: Record<string | number, unknown>; key: string | number } {
  let parent = root as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  return { parent, key: path[path.length - 1] };
}

/** Every string leaf of `value` with the bounds its schema puts on it (faults use this to stay shape-valid). */
export function stringLeaves(root: JsonSchema, value: unknown): StringSlot[] {
  const out: StringSlot[] = [];
  const walk = (schemaIn: JsonSchema, v: unknown, path: SchemaPath): void => {
    let schema = resolveRef(root, schemaIn);
    const union = typeof schema === 'object' ? ((schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined) : undefined;
    if (union) schema = union.find((s) => typeOf(resolveRef(root, s)) !== 'null') ?? true;
    const s = typeof schema === 'object' ? schema : {};
    if (typeof v === 'string') {
      if (!Array.isArray(s.enum) && s.format === undefined) {
        out.push({ path, minLength: num(s.minLength) ?? 0, maxLength: num(s.maxLength) ?? Infinity });
      }
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk((s.items ?? true) as JsonSchema, item, [...path, i]));
    } else if (v && typeof v === 'object') {
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      for (const [key, child] of Object.entries(v)) walk(props[key] ?? true, child, [...path, key]);
    }
  };
  walk(root, value, []);
  return out;
}
