// Defaults, merging and validation of simulator options, plus the latency each call gets.
import { z } from 'zod';
import { FAULT_KINDS, type CallKind, type LatencyTable, type ResolvedOptions, type SimulatorOptions } from './types';

/** Latencies observed on the real system (median per call), so timeFactor 1 reproduces production pacing. */
// The judge: a short verdict (~150 tokens) from OSS 120B, a few seconds.
export const DEFAULT_LATENCY_MS: LatencyTable = { metadata: 20000, section: 75000, judge: 5000, embedding: 300, default: 1000 };

export function resolveOptions(options: SimulatorOptions = {}): ResolvedOptions {
  return {
    port: options.port ?? 0,
    quiet: options.quiet ?? false,
    apiKey: options.apiKey,
    latencyMs: { ...DEFAULT_LATENCY_MS, ...options.latencyMs },
    modelLatencyMs: options.modelLatencyMs ?? {},
    timeFactor: options.timeFactor ?? 1,
    jitter: clamp(options.jitter ?? 0, 0, 1),
    seed: options.seed ?? 1,
    faults: options.faults ?? [],
    embeddingDimensions: options.embeddingDimensions ?? 256,
    openRouter: options.openRouter ?? false,
    servedModels: options.servedModels ?? {},
  };
}

/** configure(): shallow merge, except latencyMs which merges per kind. port and quiet only matter at start. */
export function mergeOptions(current: ResolvedOptions, partial: Partial<SimulatorOptions>): ResolvedOptions {
  const next: ResolvedOptions = { ...current };
  if ('apiKey' in partial) next.apiKey = partial.apiKey;
  if (partial.latencyMs) next.latencyMs = { ...current.latencyMs, ...partial.latencyMs };
  if (partial.modelLatencyMs) next.modelLatencyMs = partial.modelLatencyMs;
  if (partial.timeFactor !== undefined) next.timeFactor = partial.timeFactor;
  if (partial.jitter !== undefined) next.jitter = clamp(partial.jitter, 0, 1);
  if (partial.seed !== undefined) next.seed = partial.seed;
  if (partial.faults) next.faults = partial.faults;
  if (partial.embeddingDimensions !== undefined) next.embeddingDimensions = partial.embeddingDimensions;
  if (partial.openRouter !== undefined) next.openRouter = partial.openRouter;
  if (partial.servedModels) next.servedModels = partial.servedModels;
  return next;
}

/** Latency for one call before jitter: per-model override, else per-kind default, times timeFactor. */
export function baseLatencyMs(options: ResolvedOptions, model: string, kind: CallKind): number {
  const perModel = options.modelLatencyMs[model]?.[kind];
  return Math.max(0, (perModel ?? options.latencyMs[kind]) * options.timeFactor);
}

/** Apply ±jitter using a uniform draw in [0, 1). */
export function jittered(ms: number, jitter: number, draw: number): number {
  return Math.max(0, ms * (1 + jitter * (2 * draw - 1)));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

// ---- Validation of options arriving over HTTP (POST /__simulator/config) or from a --faults file.

const latencyPartial = z
  .object({
    metadata: z.number().min(0),
    section: z.number().min(0),
    judge: z.number().min(0),
    embedding: z.number().min(0),
    default: z.number().min(0),
  })
  .partial()
  .strict();

export const FaultRuleSchema = z.strictObject({
  kind: z.enum(FAULT_KINDS),
  model: z.string().optional(),
  callKind: z.enum(['metadata', 'section', 'judge', 'embedding']).optional(),
  match: z.string().optional(),
  schema: z.string().optional(),
  rate: z.number().min(0).max(1).optional(),
  times: z.number().int().min(0).optional(),
  inFlightAbove: z.number().int().min(0).optional(),
  retryAfterSeconds: z.number().min(0).optional(),
  retryAfterMs: z.number().min(0).optional(),
  rateLimitResetInMs: z.number().min(0).optional(),
  payloads: z.array(z.string().min(1)).min(1).optional(),
  position: z.enum(['append', 'prepend']).optional(),
  echoKey: z.enum(['full', 'masked']).optional(),
  share: z.number().min(0).max(1).optional(),
});

export const ConfigPatchSchema = z.strictObject({
  // null clears the key (JSON has no undefined).
  apiKey: z.string().nullable().optional(),
  latencyMs: latencyPartial.optional(),
  modelLatencyMs: z.record(z.string(), latencyPartial).optional(),
  timeFactor: z.number().min(0).optional(),
  jitter: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
  faults: z.array(FaultRuleSchema).optional(),
  embeddingDimensions: z.number().int().min(8).max(4096).optional(),
  openRouter: z.boolean().optional(),
  servedModels: z.record(z.string(), z.string()).optional(),
});
