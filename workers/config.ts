// The worker's configuration: read from the environment once, validated, with defaults that work offline where
// a default makes sense. A missing LLM key is a start-up error, never a silent fallback to the simulator.
import { z } from 'zod';
import { defaultSpoolDir } from '../activities/db/spool';
import { detectProvider, PROVIDER_KINDS, providerProfile, type ProviderKind } from '../activities/llm-provider';
import { DEFAULT_TASK_QUEUE, type FanoutMode, type GenerationSettings } from '../workflows/types';
import {
  describeTemporalConnection,
  loadTemporalConnection,
  PAYLOAD_CODEC_SETTINGS,
  TEMPORAL_CONNECTION_KEYS,
  TemporalConfigError,
  type TemporalConnectionConfig,
} from './temporal-connection';

export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';
/** The embedded PostgreSQL that `npm run services` and the demo start (stack/); any other via DATABASE_URL. */
export const DEFAULT_DATABASE_URL = 'postgres://coursegen:coursegen@127.0.0.1:54329/coursegen';

const modelList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.split(',').map((m) => m.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'needs at least one model'));

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined));

const EnvSchema = z.object({
  // Where Temporal is and how to authenticate is the standard client configuration (temporal-connection.ts).
  TEMPORAL_TASK_QUEUE: z.string().default(DEFAULT_TASK_QUEUE),
  DATABASE_URL: z.string().default(DEFAULT_DATABASE_URL),

  LLM_BASE_URL: z.url().default(OPENROUTER_BASE_URL),
  LLM_API_KEY: optionalString,
  // Which provider profile shapes the requests (activities/llm-provider.ts); detected from LLM_BASE_URL when unset.
  LLM_PROVIDER: z.enum(PROVIDER_KINDS).optional(),
  // Stream answers; unset = the profile's default (on for OpenRouter, see the README's measurement).
  LLM_STREAM: z.enum(['true', 'false', '1', '0']).optional(),
  // A streamed attempt that receives no chunk for this long fails as LLM_TIMEOUT. Far below the section timeout
  // (120 s): a healthy stream sends a chunk every few hundred ms once the first token is out, and reasoning
  // models stream their reasoning as chunks too; 30 s covers a slow first token.
  LLM_STREAM_IDLE_TIMEOUT_MS: ms(30_000),
  // OpenRouter app attribution (HTTP-Referer); the X-Title is always "coursegen".
  LLM_APP_URL: optionalString,
  // RT-001 ladders: attempt 1 uses the first model, each retry the next, stronger or different one.
  LLM_METADATA_MODELS: modelList('qwen/qwen3-max,openai/gpt-oss-120b,google/gemini-2.5-flash'),
  LLM_SECTION_MODELS: modelList('openai/gpt-oss-120b,qwen/qwen3-max,google/gemini-2.5-flash'),
  // Seed 001: OSS 120B is the judge; the next attempts ask other families, so one model's blind spot is not final.
  LLM_JUDGE_MODELS: modelList('openai/gpt-oss-120b,qwen/qwen3-max,google/gemini-2.5-flash'),
  // A verdict is a short answer (~150 tokens) to a prompt of one section (~3-4k tokens), about a metadata call's
  // size: the same 60 s.
  LLM_JUDGE_TIMEOUT_MS: ms(60_000),
  // RT-001 hybrid metadata: the fields that are not critical (overview, audience, difficulty, prerequisites, tags)
  // from the cheaper ladder, at the same time as the critical ones from LLM_METADATA_MODELS.
  LLM_METADATA_SUPPORT_MODELS: modelList('openai/gpt-oss-120b,qwen/qwen3-max,google/gemini-2.5-flash'),
  METADATA_ROUTING: z.enum(['hybrid', 'single']).default('hybrid'),
  // Per-call HTTP timeouts. The seeds observed ~20 s metadata and ~75 s section calls and recommend 60–120 s per
  // call: 120 s leaves a slow section 60 % headroom; 60 s is 3× a metadata call. A hung call fails within these
  // and the next attempt escalates, instead of waiting the platform's old 300 s.
  LLM_METADATA_TIMEOUT_MS: ms(60_000),
  LLM_SECTION_TIMEOUT_MS: ms(120_000),
  // The lower bound of a section's sized HTTP timeout (LLM_SECTION_TIMEOUT_MS is the upper one): a two-lesson
  // section needs ~30 s; 45 s keeps a slow first token from failing a small section.
  LLM_SECTION_TIMEOUT_MIN_MS: ms(45_000),
  // A lost worker's activity is retried after this long without a heartbeat; the activity heartbeats every
  // HEARTBEAT_TIMEOUT_MS / 4 while waiting for the model.
  HEARTBEAT_TIMEOUT_MS: ms(20_000),
  LLM_PRICES_FILE: optionalString,

  EMBEDDINGS_BASE_URL: optionalString,
  EMBEDDINGS_API_KEY: optionalString,
  EMBEDDINGS_MODEL: z.string().default('jina-embeddings-v3'),

  SECTION_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  SECTION_GROUP_DELAY_MS: z.coerce.number().int().min(0).default(2000),
  SECTION_FANOUT: z.enum(['groups', 'window', 'adaptive']).default('groups'),
  // adaptive: the narrowest window after rate limits or timeouts; one section at a time still makes progress.
  SECTION_CONCURRENCY_MIN: z.coerce.number().int().min(1).max(32).default(1),
  // Core sections first, then important, then optional (plan order within each): what a degraded provider or an
  // exhausted budget leaves generated is what matters most. The committed course keeps plan order.
  SECTION_ORDER: z.enum(['importance', 'plan']).default('importance'),
  QUALITY_THRESHOLD: z.coerce.number().min(0).max(1).default(0.75),
  // Judge-assisted quality (seed 001: embeddings first, an LLM judge where they cannot tell).
  QUALITY_JUDGE: z.enum(['on', 'off']).default('on'),
  // "below,above": embedding scores in [threshold − below, threshold + above) go to the judge. 0.15,0.05 is the
  // gap the offline calibration leaves between other plans' sections (≤ 0.56) and a section's own plan (≥ 0.80)
  // around the 0.75 threshold; recalibrate it for an embeddings endpoint.
  QUALITY_JUDGE_BAND: z.string().default('0.15,0.05').transform(parseBand),
  // Seed 001's "95 % embeddings + 5 % judge": this share of all sections is judged whatever its score.
  QUALITY_JUDGE_SAMPLE: z.coerce.number().min(0).max(1).default(0.05),
  MIN_LESSONS: z.coerce.number().int().min(1).default(10),
  MAX_COST_USD_PER_COURSE: z.coerce.number().positive().optional(),
  // One repair round turns a course with one drifted section into a completed course for the price of that
  // section; 0 fails at once as before.
  QUALITY_REPAIR_ROUNDS: z.coerce.number().int().min(0).max(5).default(1),
  // Provider outages and 429 bursts observed in production last minutes, rarely an hour: three rounds spread over
  // 21 minutes outlast most of them while a run that cannot finish still fails the same working hour.
  SECTION_PATIENCE: z.string().default('1m,5m,15m').transform(parsePatience).pipe(z.array(z.number().int().positive()).max(20)),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(200),
  // Unset: the SDK's defaults (40 workflow-task slots; a cache sized from the heap). Autoscaled pollers and the
  // resource-based tuner were measured too and cost more than they gave (docs/bench/REPORT.md, section 7).
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  // Unset: no HTTP port. Set: GET /metrics (Prometheus) and GET /healthz on this port.
  WORKER_HTTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  // Where the worker keeps ledger rows and answers PostgreSQL could not take during an outage until it is back
  // (activities/db/spool.ts). Unset: a directory per task queue under the OS temp dir; set it to a persistent volume
  // when the container's temp dir does not outlive a restart.
  WORKER_SPOOL_DIR: optionalString,
  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** "1m,5m,15m" → milliseconds per round; "off" (or empty) → no waiting. Units: ms, s, m, h. */
export function parsePatience(value: string, context: z.RefinementCtx): number[] {
  const text = value.trim().toLowerCase();
  if (text === 'off' || text === '') return [];
  const waits: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(part);
    if (!match) {
      context.addIssue({ code: 'custom', message: `"${part}" is not a wait such as 30s, 5m or 1h (or "off")` });
      return z.NEVER;
    }
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
    waits.push(Math.round(Number(match[1]) * unit));
  }
  return waits;
}

/** "0.15,0.05" → the band's two margins around the quality threshold, each in [0, 1]. */
export function parseBand(value: string, context: z.RefinementCtx): { below: number; above: number } {
  const parts = value.split(',').map((p) => p.trim());
  const numbers = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || numbers.some((n) => !Number.isFinite(n) || n < 0 || n > 1)) {
    context.addIssue({ code: 'custom', message: `"${value}" is not two margins such as 0.15,0.05 (below,above the threshold, each 0–1)` });
    return z.NEVER;
  }
  return { below: numbers[0], above: numbers[1] };
}

/** Every environment variable the worker reads (the compose file is checked against it). */
export const CONFIG_KEYS = [...TEMPORAL_CONNECTION_KEYS, ...PAYLOAD_CODEC_SETTINGS, ...Object.keys(EnvSchema.shape)];

export interface WorkerConfig {
  temporal: TemporalConnectionConfig & { taskQueue: string };
  databaseUrl: string;
  llm: {
    baseURL: string;
    apiKey: string;
    provider: ProviderKind;
    stream: boolean;
    streamIdleTimeoutMs: number;
    appUrl?: string;
    metadataModels: string[];
    /** LLM_METADATA_SUPPORT_MODELS: the support half of METADATA_ROUTING=hybrid. */
    metadataSupportModels: string[];
    sectionModels: string[];
    judgeModels: string[];
    metadataTimeoutMs: number;
    sectionTimeoutMs: number;
    judgeTimeoutMs: number;
    heartbeatIntervalMs: number;
    pricesFile?: string;
  };
  embeddings: { baseURL: string; apiKey: string; model: string } | null;
  settings: GenerationSettings;
  maxConcurrentActivities: number;
  /** Worker tuning; undefined = the SDK's default. */
  tuning: {
    maxConcurrentWorkflowTasks?: number;
    maxCachedWorkflows?: number;
  };
  /** Port of /metrics and /healthz; null when unset. */
  httpPort: number | null;
  /** WORKER_SPOOL_DIR; absent: defaultSpoolDir(task queue). */
  spoolDir?: string;
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

export class ConfigError extends Error {}

/** Time an activity gets beyond its HTTP timeout: parsing, validation and the ledger write. */
const ACTIVITY_MARGIN_MS = 30_000;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (!e.LLM_API_KEY) {
    throw new ConfigError(
      `LLM_API_KEY is not set. The worker calls ${e.LLM_BASE_URL} and needs its API key ` +
        '(an OpenRouter key for the default endpoint). For a local run without a key use `npm run demo`, ' +
        'which starts the LLM simulator and points LLM_BASE_URL at it.',
    );
  }
  const fanoutMode: FanoutMode = e.SECTION_FANOUT;
  const provider = e.LLM_PROVIDER ?? detectProvider(e.LLM_BASE_URL);
  let temporal: TemporalConnectionConfig;
  try {
    temporal = loadTemporalConnection(env);
  } catch (error) {
    if (error instanceof TemporalConfigError) throw new ConfigError(error.message);
    throw error;
  }
  return {
    temporal: { ...temporal, taskQueue: e.TEMPORAL_TASK_QUEUE },
    databaseUrl: e.DATABASE_URL,
    llm: {
      baseURL: e.LLM_BASE_URL,
      apiKey: e.LLM_API_KEY,
      provider,
      stream: e.LLM_STREAM === undefined ? providerProfile(provider).streamByDefault : e.LLM_STREAM === 'true' || e.LLM_STREAM === '1',
      streamIdleTimeoutMs: e.LLM_STREAM_IDLE_TIMEOUT_MS,
      appUrl: e.LLM_APP_URL,
      metadataModels: e.LLM_METADATA_MODELS,
      metadataSupportModels: e.LLM_METADATA_SUPPORT_MODELS,
      sectionModels: e.LLM_SECTION_MODELS,
      judgeModels: e.LLM_JUDGE_MODELS,
      metadataTimeoutMs: e.LLM_METADATA_TIMEOUT_MS,
      sectionTimeoutMs: e.LLM_SECTION_TIMEOUT_MS,
      judgeTimeoutMs: e.LLM_JUDGE_TIMEOUT_MS,
      heartbeatIntervalMs: Math.max(200, Math.floor(e.HEARTBEAT_TIMEOUT_MS / 4)),
      pricesFile: e.LLM_PRICES_FILE,
    },
    embeddings: e.EMBEDDINGS_BASE_URL
      ? { baseURL: e.EMBEDDINGS_BASE_URL, apiKey: e.EMBEDDINGS_API_KEY ?? e.LLM_API_KEY, model: e.EMBEDDINGS_MODEL }
      : null,
    settings: {
      sectionConcurrency: e.SECTION_CONCURRENCY,
      sectionConcurrencyMin: Math.min(e.SECTION_CONCURRENCY_MIN, e.SECTION_CONCURRENCY),
      sectionGroupDelayMs: e.SECTION_GROUP_DELAY_MS,
      fanoutMode,
      qualityThreshold: e.QUALITY_THRESHOLD,
      minLessons: e.MIN_LESSONS,
      maxCostUsd: e.MAX_COST_USD_PER_COURSE ?? null,
      metadataActivityTimeoutMs: e.LLM_METADATA_TIMEOUT_MS + ACTIVITY_MARGIN_MS,
      sectionActivityTimeoutMs: e.LLM_SECTION_TIMEOUT_MS + ACTIVITY_MARGIN_MS,
      heartbeatTimeoutMs: e.HEARTBEAT_TIMEOUT_MS,
      sectionTimeoutMinMs: e.LLM_SECTION_TIMEOUT_MIN_MS,
      sectionTimeoutMaxMs: e.LLM_SECTION_TIMEOUT_MS,
      qualityRepairRounds: e.QUALITY_REPAIR_ROUNDS,
      sectionPatienceMs: e.SECTION_PATIENCE,
      sectionOrder: e.SECTION_ORDER,
      qualityJudge:
        e.QUALITY_JUDGE === 'on'
          ? {
              bandBelow: e.QUALITY_JUDGE_BAND.below,
              bandAbove: e.QUALITY_JUDGE_BAND.above,
              sample: e.QUALITY_JUDGE_SAMPLE,
              activityTimeoutMs: e.LLM_JUDGE_TIMEOUT_MS + ACTIVITY_MARGIN_MS,
            }
          : null,
      metadataRouting: e.METADATA_ROUTING,
    },
    maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
    tuning: {
      maxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    },
    httpPort: e.WORKER_HTTP_PORT ?? null,
    spoolDir: e.WORKER_SPOOL_DIR ?? defaultSpoolDir(e.TEMPORAL_TASK_QUEUE),
    logLevel: e.LOG_LEVEL,
  };
}

/** What is safe to print: everything but the keys. */
export function describeConfig(config: WorkerConfig): Record<string, unknown> {
  return {
    temporal: { ...describeTemporalConnection(config.temporal), taskQueue: config.temporal.taskQueue },
    database: config.databaseUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'),
    llm: { ...config.llm, apiKey: '***' },
    embeddings: config.embeddings ? { ...config.embeddings, apiKey: '***' } : 'offline lexical similarity',
    settings: config.settings,
    spoolDir: config.spoolDir,
    worker: { maxConcurrentActivities: config.maxConcurrentActivities, ...config.tuning },
  };
}
