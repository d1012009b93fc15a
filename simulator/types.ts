// Public shapes of the LLM simulator: options, fault rules and stats. Kept apart from the server so the CLI, the
// tests and a harness steering a worker process over HTTP can share them without pulling in `http`.

/** Which kind of call a request is; decides the latency profile and is what fault rules and stats key on. */
export type CallKind = 'metadata' | 'section' | 'judge' | 'embedding' | 'default';

export const FAULT_KINDS = [
  'rate_limit',
  'server_error',
  'hang',
  'truncated_json',
  'fenced_json',
  'schema_invalid',
  'unauthorized',
  'renamed_fields',
  'trailing_comma',
  'placeholder',
  'xss',
  'off_topic',
  // A section about its plan written in other words (simulator/thesaurus.ts): the lexical score drops below the
  // threshold while a reader (the simulated judge) still finds the plan's content.
  'paraphrase',
  // OpenRouter's documented non-happy responses ("Errors and Debugging", "Streaming"), with its body shapes:
  'payment_required', // 402 insufficient credits
  'moderation', // 403 with ModerationErrorMetadata { reasons, flagged_input, provider_name, model_slug }
  'provider_error', // 502 with ProviderErrorMetadata { provider_name, raw }
  'no_endpoints', // 404 "No endpoints found that support the requested parameters"
  'error_in_200', // 200 whose body is { error: { code: 502, message, metadata } } and no choices
  'finish_error', // 200, finish_reason "error", the partial answer in content
  'content_filter', // 200, finish_reason "content_filter"
  'empty_content', // 200, finish_reason "stop", content null
  'reasoning_only', // 200, content empty, the whole answer in message.reasoning
  'refusal', // 200, message.refusal set, content null
  'no_choices', // 200, choices: []
  'stream_error', // streamed: half the answer, then a data event with error and finish_reason "error"
  'stream_stall', // streamed: half the answer, then silence with the connection open (not streamed: a hang)
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  kind: FaultKind;
  /** Only requests for this model. */
  model?: string;
  /** Only this kind of call ('default' calls can never be targeted: they are not part of the pipeline). */
  callKind?: 'metadata' | 'section' | 'judge' | 'embedding';
  /** Only requests whose prompt contains this substring (case-sensitive), e.g. a section's working title. */
  match?: string;
  /**
   * Only requests asking for this structured-output schema (response_format.json_schema.name), e.g.
   * course_metadata_support: one half of hybrid metadata, whose two calls are both of call kind metadata.
   */
  schema?: string;
  /** Probability 0..1 that a matching request gets the fault; rolled on the seeded RNG. Default 1. */
  rate?: number;
  /** Fire for the first N matching requests only, then stop. Default: unlimited. */
  times?: number;
  /**
   * Only while more than this many requests of the same call kind are in flight (this one included): a provider's
   * concurrency limit, so a client that sends fewer at once provokes fewer 429s.
   */
  inFlightAbove?: number;
  /** paraphrase only: share (0–1) of the plan's words the simulator knows synonyms for that the answer rewords.
   * Default 0.7. */
  share?: number;
  /** rate_limit only: value of the Retry-After header, in seconds. */
  retryAfterSeconds?: number;
  /** rate_limit only: value of the retry-after-ms header (the openai SDK prefers it over Retry-After). */
  retryAfterMs?: number;
  /** rate_limit only: send X-RateLimit-Reset = now + this many ms, in epoch milliseconds as OpenRouter does. */
  rateLimitResetInMs?: number;
  /**
   * xss only: markup and URL payloads written into every free-text string of the answer (enums, ids and other
   * formatted strings are left alone). Successive strings (and successive answers of the same rule) take successive
   * payloads, so a list of N payloads is fully used once the rule has filled N strings. Default: a few classics.
   */
  payloads?: string[];
  /**
   * xss only: where a payload goes. 'append' (default) keeps the original text in front, so a string still has its
   * content once the markup is stripped; 'prepend' puts the payload first, where a broken tag can swallow the text.
   * The original text is shortened at a word boundary when needed to respect the schema's maxLength, never below
   * its minLength; a payload that cannot fit is skipped for the next one.
   */
  position?: 'append' | 'prepend';
  /**
   * unauthorized only: echo the presented bearer token in the 401 message, as some providers do — 'masked' like
   * OpenAI ("sk-ab***...wxyz"), 'full' as a careless proxy would. Lets a test prove the key never travels further.
   */
  echoKey?: 'full' | 'masked';
}

/** Base latency per call kind, in milliseconds of real-system time (before timeFactor). */
export interface LatencyTable {
  metadata: number;
  section: number;
  judge: number;
  embedding: number;
  default: number;
}

export interface SimulatorOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. Only read at start. */
  port?: number;
  /** Suppress the stderr banner. Only read at start. */
  quiet?: boolean;
  /** When set, requests must send exactly `Authorization: Bearer <apiKey>`; otherwise any bearer token passes. */
  apiKey?: string;
  /** Base latencies; missing kinds keep their current value. */
  latencyMs?: Partial<LatencyTable>;
  /** Per-model latency overrides, e.g. a slow fallback model. */
  modelLatencyMs?: Record<string, Partial<LatencyTable>>;
  /** Multiplies every latency: 1 = real-system timing, 0.01 = a 75 s section call takes 750 ms. */
  timeFactor?: number;
  /** 0..1: each latency varies by ±jitter·latency; with jitter > 0 the wording of answers also varies per retry. */
  jitter?: number;
  /** Seed of every random choice (jitter, fault rates, placeholder position). */
  seed?: number;
  /** Fault rules, checked in order; the first that fires wins. Setting them restarts their `times` counters. */
  faults?: FaultRule[];
  /** Default embedding width when the request does not ask for `dimensions`. */
  embeddingDimensions?: number;
  /**
   * Answer like OpenRouter: `provider` in the body, `usage.cost` and token details, an X-Generation-Id header, and
   * ": OPENROUTER PROCESSING" comment lines in streams while the first token is pending.
   */
  openRouter?: boolean;
  /** Requested model → the model id the response says served it (OpenRouter may serve another id). */
  servedModels?: Record<string, string>;
}

/** Options after defaults are applied. */
export interface ResolvedOptions {
  port: number;
  quiet: boolean;
  apiKey?: string;
  latencyMs: LatencyTable;
  modelLatencyMs: Record<string, Partial<LatencyTable>>;
  timeFactor: number;
  jitter: number;
  seed: number;
  faults: FaultRule[];
  embeddingDimensions: number;
  openRouter: boolean;
  servedModels: Record<string, string>;
}

export interface CallRecord {
  model: string;
  kind: CallKind;
  /** HTTP status sent; 0 when nothing was sent (hang, or the client gave up before the answer was ready). */
  status: number;
  fault?: FaultKind;
  /** The section's working title, for section calls. */
  sectionTitle?: string;
  /** The course title of a chat prompt ("Title: ..."), so concurrent runs of different courses can be told apart. */
  courseTitle?: string;
  /** The structured-output schema's name the request asked for (course_metadata_critical, course_section, …). */
  schema?: string;
  startedAt: number;
  endedAt?: number;
  promptTokens: number;
  completionTokens: number;
  /** usage.cost sent (openRouter mode). */
  costUsd?: number;
  /** The request asked for a stream. */
  streamed?: boolean;
  /** The latency this call was given (kind, model, timeFactor and jitter applied), so timing can be checked
   * without measuring a loaded machine's clock. */
  plannedLatencyMs?: number;
}

export interface SimulatorStats {
  requests: number;
  requestsByModel: Record<string, number>;
  requestsByKind: Record<string, number>;
  faultsInjected: Partial<Record<FaultKind, number>>;
  inFlight: number;
  maxConcurrent: number;
  maxConcurrentByKind: Record<string, number>;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Sum of the usage.cost values sent (openRouter mode). */
  costUsd: number;
  tokensByModel: Record<string, { prompt: number; completion: number }>;
  calls: CallRecord[];
}

export interface LlmSimulator {
  /** Base URL for the openai SDK, ending in /v1. */
  url: string;
  port: number;
  stats(): SimulatorStats;
  resetStats(): void;
  configure(partial: Partial<SimulatorOptions>): void;
  close(): Promise<void>;
}
