// The two model endpoints. Both follow one path: count the call, check auth, roll for a fault, wait the simulated
// latency (giving up if the client does), then answer and record exactly the usage that was sent.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JUDGE_SCHEMA_NAME, METADATA_SCHEMA_NAME, SECTION_SCHEMA_NAME } from '../workflows/schemas';
import { createCourseContent, plainAnswer } from './content';
import { lexicalEmbedding, toBase64Float32 } from './embedding';
import { corruptAnswer, isContentFault, OFF_TOPIC_PROMPT, type FaultPlan } from './faults';
import { HttpError, sendError, sendJson, tokensFor, waitUnlessClosed } from './http-util';
import { judgeVerdict } from './judge';
import { answerBody, completionText, generationId, openRouterHttpFault, SIMULATED_PROVIDER, usageCost, writeStream } from './openrouter';
import { baseLatencyMs, jittered } from './options';
import { paraphraseAnswer } from './paraphrase';
import { messageText, parsePrompt, promptText, type ChatMessage } from './prompt';
import { createRng, hashString, type Rng } from './random';
import { generateFromSchema, type JsonSchema } from './schema-gen';
import type { CallHandle, StatsRecorder } from './stats';
import type { CallKind, FaultRule, ResolvedOptions } from './types';
import { buildVocabulary } from './vocabulary';

export interface SimulatorState {
  options: ResolvedOptions;
  stats: StatsRecorder;
  faults: FaultPlan;
  /** How often each (model, prompt) was seen: retries of one request get fresh rolls for rates and jitter. */
  occurrences: Map<number, number>;
  /** One promise per model call whose response has not closed yet; close() waits for them. */
  pending: Set<Promise<void>>;
}

interface CallContext {
  state: SimulatorState;
  req: IncomingMessage;
  res: ServerResponse;
  handle: CallHandle;
  model: string;
  kind: CallKind;
  /** Per-request RNG for fault rates, jitter and fault details. */
  rng: Rng;
  /** Hash of model + prompt, the seed of the answer's wording. */
  promptHash: number;
  occurrence: number;
}

export async function handleChat(state: SimulatorState, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const streamed = body.stream === true;
  const messages = (Array.isArray(body.messages) ? body.messages : []) as ChatMessage[];
  const prompt = promptText(messages);
  const format = body.response_format as { type?: string; json_schema?: { name?: string; schema?: JsonSchema } } | undefined;
  const jsonSchema = format?.type === 'json_schema' ? format.json_schema : undefined;
  // Both halves of hybrid metadata (course_metadata_critical, course_metadata_support) are metadata calls.
  const kind: CallKind = jsonSchema?.name?.startsWith(METADATA_SCHEMA_NAME)
    ? 'metadata'
    : jsonSchema?.name === SECTION_SCHEMA_NAME
      ? 'section'
      : jsonSchema?.name === JUDGE_SCHEMA_NAME
        ? 'judge'
        : 'default';
  const facts = parsePrompt(prompt);
  const sectionTitle = kind === 'section' || kind === 'judge' ? facts.workingTitle : undefined;
  const ctx = beginCall(state, req, res, body, kind, prompt, sectionTitle, facts.title);
  if (!ctx) return;
  if (streamed) ctx.handle.record.streamed = true;
  if (jsonSchema?.name) ctx.handle.record.schema = jsonSchema.name;
  if (messages.length === 0) return failCall(ctx, new HttpError(400, "Missing required parameter: 'messages'."));

  const structured = jsonSchema !== undefined || format?.type === 'json_object';
  const fault = state.faults.pick(
    { model: ctx.model, kind, prompt, structured, inFlight: state.stats.inFlightOf(kind), schema: jsonSchema?.name },
    ctx.rng,
  );
  if (fault) state.stats.fault(ctx.handle, fault.kind);
  if (fault && !isContentFault(fault.kind)) return injectHttpFault(ctx, fault);
  // Not streamed, a stalled stream is a request that never answers.
  if (fault?.kind === 'stream_stall' && !streamed) return injectHttpFault(ctx, { ...fault, kind: 'hang' });
  const latencyMs = latencyFor(ctx);
  // A stream starts at once and spends the latency producing tokens (a fifth waiting for the first one).
  if (!streamed && !(await waitUnlessClosed(latencyMs, ctx.res))) return;

  const contentRng = createRng(
    state.options.jitter > 0 ? hashString(`${state.options.seed}:${ctx.occurrence}:content`, ctx.promptHash) : ctx.promptHash,
  );
  const offTopic = fault?.kind === 'off_topic';
  const vocabulary = offTopic
    ? buildVocabulary({ ...parsePrompt(OFF_TOPIC_PROMPT), lessonCount: facts.lessonCount }, OFF_TOPIC_PROMPT)
    : buildVocabulary(facts, prompt);
  let content: string;
  if (structured) {
    const schema: JsonSchema = jsonSchema?.schema ?? { type: 'object', properties: { answer: { type: 'string' } } };
    // The judge's answer is a verdict worked out from the prompt; any other answer is written from the vocabulary.
    const generated = kind === 'judge' ? judgeVerdict(prompt) : generateFromSchema(schema, createCourseContent(vocabulary, kind, contentRng), contentRng);
    const value = fault?.kind === 'paraphrase' ? paraphraseAnswer(generated, schema, facts, fault.share) : generated;
    content = fault
      ? corruptAnswer(fault.kind, value, schema, ctx.rng, fault, state.faults.payloadRotation(fault))
      : JSON.stringify(value);
  } else {
    content = plainAnswer(vocabulary);
  }

  const openRouter = state.options.openRouter;
  const parts = {
    id: openRouter ? generationId() : `chatcmpl-sim${randomBytes(9).toString('hex')}`,
    model: state.options.servedModels[ctx.model] ?? ctx.model,
    provider: openRouter ? SIMULATED_PROVIDER : undefined,
    content,
    usage: null as Record<string, unknown> | null,
  };
  const draft = answerBody(parts, fault, fault?.kind === 'truncated_json');
  const promptChars = messages.reduce((sum, m) => sum + messageText(m).length, 0);
  // An error body carries no usage; every other answer, failed or not, reports (and on OpenRouter bills) its tokens.
  const usage = draft.error ? undefined : { prompt: tokensFor(promptChars), completion: tokensFor(completionText(draft).length) };
  const cost = usage && openRouter ? usageCost(usage.prompt, usage.completion) : undefined;
  if (usage) {
    parts.usage = {
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
      total_tokens: usage.prompt + usage.completion,
      ...(openRouter
        ? {
            cost,
            prompt_tokens_details: { cached_tokens: Math.floor(usage.prompt / 4) },
            completion_tokens_details: { reasoning_tokens: fault?.kind === 'reasoning_only' ? usage.completion : 0 },
          }
        : {}),
    };
  }
  const responseBody = answerBody(parts, fault, fault?.kind === 'truncated_json');
  const headers: Record<string, string> = openRouter ? { 'x-generation-id': parts.id } : {};

  if (streamed) {
    for (const [name, value] of Object.entries(headers)) ctx.res.setHeader(name, value);
    const sent = await writeStream({
      res: ctx.res,
      body: responseBody,
      fault,
      firstTokenMs: latencyMs * 0.2,
      generateMs: latencyMs * 0.8,
      comments: openRouter,
      wait: (ms) => waitUnlessClosed(ms, ctx.res),
    });
    // A stalled stream stays open until the client gives up; its 'close' records "nothing complete sent".
    if (sent === 'done') state.stats.finish(ctx.handle, 200, usage ? { ...usage, costUsd: cost } : undefined);
    // An error event carries no usage: nothing was reported to the client, so nothing is counted.
    if (sent === 'errored') state.stats.finish(ctx.handle, 200);
    return;
  }
  state.stats.finish(ctx.handle, 200, usage ? { ...usage, costUsd: cost } : undefined);
  sendJson(res, 200, responseBody, headers);
}

export async function handleEmbeddings(state: SimulatorState, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const inputs = embeddingInputs(body.input);
  const prompt = inputs.join('\n');
  const ctx = beginCall(state, req, res, body, 'embedding', prompt);
  if (!ctx) return;
  if (inputs.length === 0) return failCall(ctx, new HttpError(400, "Missing required parameter: 'input'."));

  const fault = state.faults.pick({ model: ctx.model, kind: 'embedding', prompt, structured: false }, ctx.rng);
  if (fault) {
    state.stats.fault(ctx.handle, fault.kind);
    return injectHttpFault(ctx, fault);
  }
  if (!(await waitLatency(ctx))) return;

  const dims = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.floor(body.dimensions) : state.options.embeddingDimensions;
  const base64 = body.encoding_format === 'base64';
  const promptTokens = tokensFor(inputs.reduce((sum, text) => sum + text.length, 0));
  state.stats.finish(ctx.handle, 200, { prompt: promptTokens, completion: 0 });
  sendJson(res, 200, {
    object: 'list',
    data: inputs.map((text, index) => {
      const vector = lexicalEmbedding(text, dims);
      return { object: 'embedding', index, embedding: base64 ? toBase64Float32(vector) : vector };
    }),
    model: ctx.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

/** Counts the call and checks auth; returns undefined when the request has already been answered. */
function beginCall(
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  body: Record<string, unknown>,
  kind: CallKind,
  prompt: string,
  sectionTitle?: string,
  courseTitle?: string,
): CallContext | undefined {
  const model = typeof body.model === 'string' && body.model ? body.model : 'unknown';
  const handle = state.stats.begin(model, kind, sectionTitle, courseTitle);
  // Whatever happens next, a response that closes without an answer counts as "nothing sent".
  const closed = new Promise<void>((resolve) =>
    res.once('close', () => {
      state.stats.finish(handle, 0);
      state.pending.delete(closed);
      resolve();
    }),
  );
  state.pending.add(closed);
  const promptHash = hashString(`${model}\n${prompt}`);
  const occurrence = state.occurrences.get(promptHash) ?? 0;
  state.occurrences.set(promptHash, occurrence + 1);
  const rng = createRng(hashString(`${state.options.seed}:${occurrence}`, promptHash));
  const ctx: CallContext = { state, req, res, handle, model, kind, rng, promptHash, occurrence };

  const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!auth) {
    failCall(ctx, new HttpError(401, "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", 'invalid_request_error', 'missing_api_key'));
    return undefined;
  }
  if (state.options.apiKey !== undefined && auth[1].trim() !== state.options.apiKey) {
    failCall(ctx, new HttpError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
    return undefined;
  }
  if (body.model === undefined) {
    failCall(ctx, new HttpError(400, 'You must provide a model parameter.'));
    return undefined;
  }
  return ctx;
}

function failCall(ctx: CallContext, error: HttpError, headers: Record<string, string> = {}): void {
  ctx.state.stats.finish(ctx.handle, error.status);
  sendError(ctx.res, error.status, error.message, error.type, error.code, headers);
}

/** Faults that replace the answer with an HTTP failure (or with silence). They come back without latency. */
function injectHttpFault(ctx: CallContext, fault: FaultRule): void {
  switch (fault.kind) {
    case 'rate_limit': {
      const headers: Record<string, string> = {
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '0',
      };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      if (fault.rateLimitResetInMs !== undefined) headers['x-ratelimit-reset'] = String(Date.now() + fault.rateLimitResetInMs);
      const wait = fault.retryAfterSeconds !== undefined ? ` Please try again in ${fault.retryAfterSeconds}s.` : '';
      return failCall(ctx, new HttpError(429, `Rate limit reached for ${ctx.model} (simulated).${wait}`, 'requests', 'rate_limit_exceeded'), headers);
    }
    case 'unauthorized': {
      const presented = /^Bearer\s+(.+)$/i.exec(ctx.req.headers.authorization ?? '')?.[1].trim() ?? '';
      const shown = fault.echoKey === 'full' ? presented : `${presented.slice(0, 5)}***...${presented.slice(-4)}`;
      const echo = fault.echoKey ? `: ${shown}` : ' (simulated)';
      return failCall(ctx, new HttpError(401, `Incorrect API key provided${echo}.`, 'invalid_request_error', 'invalid_api_key'));
    }
    case 'payment_required':
    case 'moderation':
    case 'provider_error':
    case 'no_endpoints': {
      // OpenRouter's envelope: { error: { code, message, metadata? } } with the HTTP status in `code`.
      const { error, metadata } = openRouterHttpFault(fault.kind, ctx.model)!;
      ctx.state.stats.finish(ctx.handle, error.status);
      return sendJson(ctx.res, error.status, { error: { code: error.status, message: error.message, ...(metadata ? { metadata } : {}) } });
    }
    case 'hang':
      // Say nothing. The socket stays open until the client times out or close() destroys it; the 'close'
      // listener from beginCall then records status 0 with no tokens.
      return;
    default:
      return failCall(ctx, new HttpError(500, 'The server had an error while processing your request (simulated).', 'server_error', 'server_error'));
  }
}

function latencyFor(ctx: CallContext): number {
  const { options } = ctx.state;
  const latencyMs = jittered(baseLatencyMs(options, ctx.model, ctx.kind), options.jitter, ctx.rng.next());
  ctx.handle.record.plannedLatencyMs = latencyMs;
  return latencyMs;
}

async function waitLatency(ctx: CallContext): Promise<boolean> {
  return waitUnlessClosed(latencyFor(ctx), ctx.res);
}

/** OpenAI accepts a string, an array of strings, or token arrays; token arrays are turned into text here. */
function embeddingInputs(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return [];
  if (input.every((x) => typeof x === 'number')) return [input.join(' ')];
  return input.map((x) => (typeof x === 'string' ? x : Array.isArray(x) ? x.join(' ') : String(x)));
}
