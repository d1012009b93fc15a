// OpenRouter's response shapes, as its API reference documents them: the error envelope with metadata ("Errors and
// Debugging"), the 200 answers that are not answers, usage with cost and token details ("Usage Accounting"), and
// the SSE stream with comment lines, a final usage-only chunk and mid-stream error events ("Streaming").
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpError } from './http-util';
import type { FaultKind, FaultRule } from './types';

/** The simulated upstream provider named in `provider` and in error metadata. */
export const SIMULATED_PROVIDER = 'SimProvider';
/** usage.cost prices (USD per token) — deliberately unlike config/prices.json, so a ledger whose cost matches the
 * sum of usage.cost provably took the provider's figure. */
const COST_PER_PROMPT_TOKEN = 0.7e-6;
const COST_PER_COMPLETION_TOKEN = 2.9e-6;

export function usageCost(prompt: number, completion: number): number {
  return Math.round((prompt * COST_PER_PROMPT_TOKEN + completion * COST_PER_COMPLETION_TOKEN) * 1e8) / 1e8;
}

export function generationId(): string {
  return `gen-${Math.floor(Date.now() / 1000)}-${randomBytes(10).toString('hex')}`;
}

/** An HTTP error with OpenRouter's body `{ error: { code, message, metadata } }` for the OpenRouter-only faults. */
export function openRouterHttpFault(kind: FaultKind, model: string): { error: HttpError; metadata?: Record<string, unknown> } | undefined {
  switch (kind) {
    case 'payment_required':
      return {
        error: new HttpError(
          402,
          'This request requires more credits, or fewer max_tokens. You requested up to 16384 tokens, but can only afford 1200. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account',
        ),
      };
    case 'moderation':
      return {
        error: new HttpError(403, `${model} requires moderation on ${SIMULATED_PROVIDER}. Your input was flagged for "harassment". No credits were charged.`),
        metadata: {
          reasons: ['harassment'],
          flagged_input: 'FLAGGED-INPUT-MUST-NOT-BE-LOGGED ... rest of the prompt',
          provider_name: SIMULATED_PROVIDER,
          model_slug: model,
        },
      };
    case 'provider_error':
      return {
        error: new HttpError(502, 'Provider returned error'),
        metadata: {
          provider_name: SIMULATED_PROVIDER,
          raw: JSON.stringify({ error: { message: "Invalid schema for response_format 'section_output': 'additionalProperties' is required to be supplied and to be false", type: 'invalid_request_error' } }),
        },
      };
    case 'no_endpoints':
      return { error: new HttpError(404, 'No endpoints found that support the requested parameters. To learn more about provider routing, visit: https://openrouter.ai/docs/guides/routing/provider-selection') };
    default:
      return undefined;
  }
}

export interface AnswerParts {
  id: string;
  model: string;
  provider?: string;
  /** The generated (possibly corrupted) answer text. */
  content: string;
  usage: Record<string, unknown> | null;
}

/** The chat-completion body of a 200 answer, shaped by the fault (if any) that replaces the happy answer. */
export function answerBody(parts: AnswerParts, fault: FaultRule | undefined, truncatedByLength: boolean): Record<string, unknown> {
  const base = {
    id: parts.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: parts.model,
    ...(parts.provider ? { provider: parts.provider } : {}),
  };
  const usage = parts.usage ? { usage: parts.usage } : {};
  const half = parts.content.slice(0, Math.max(1, Math.floor(parts.content.length / 2)));
  const choice = (message: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) => ({
    ...base,
    choices: [{ index: 0, message: { role: 'assistant', refusal: null, ...message }, logprobs: null, finish_reason: finish, native_finish_reason: finish, ...extra }],
    ...usage,
    system_fingerprint: 'llm-simulator',
  });
  switch (fault?.kind) {
    case 'error_in_200':
      return {
        ...base,
        error: { code: 502, message: 'Provider returned error', metadata: { provider_name: SIMULATED_PROVIDER, raw: 'upstream connection reset after 38 s' } },
      };
    case 'finish_error':
    case 'stream_error':
      return choice({ content: half }, 'error');
    case 'content_filter':
      return choice({ content: null }, 'content_filter');
    case 'empty_content':
      return choice({ content: null }, 'stop');
    case 'reasoning_only':
      return choice({ content: '', reasoning: parts.content }, 'stop');
    case 'refusal':
      return choice({ content: null, refusal: "I'm sorry, but I can't help with that request." }, 'stop');
    case 'no_choices':
      return { ...base, choices: [], ...usage };
    default:
      // A cut-off answer is what max_tokens produces, and real APIs report it as 'length'.
      return choice({ content: parts.content }, truncatedByLength ? 'length' : 'stop');
  }
}

/** Completion characters a body carries (what its usage counts). */
export function completionText(body: Record<string, unknown>): string {
  const choice = (body.choices as Array<{ message: Record<string, unknown> }> | undefined)?.[0];
  if (!choice) return '';
  return ['content', 'reasoning', 'refusal'].map((f) => (typeof choice.message[f] === 'string' ? (choice.message[f] as string) : '')).join('');
}

export interface StreamPlan {
  res: ServerResponse;
  body: Record<string, unknown>;
  fault: FaultRule | undefined;
  /** Time until the first token, and for the rest of the answer. */
  firstTokenMs: number;
  generateMs: number;
  /** Send ": OPENROUTER PROCESSING" while the first token is pending. */
  comments: boolean;
  /** Resolves false when the client went away. */
  wait(ms: number): Promise<boolean>;
}

/**
 * Writes `body` as an SSE stream of chat.completion.chunk events: 'done' when the usage chunk was sent, 'gone' when
 * the client left, 'errored' (stream_error: an error event after half the answer, no usage ever sent) or
 * 'stalled' (stream_stall: half the answer, then silence with the connection open).
 */
export async function writeStream(plan: StreamPlan): Promise<'done' | 'gone' | 'stalled' | 'errored'> {
  const { res, body } = plan;
  if (res.headersSent || res.destroyed) return 'gone';
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (data: unknown) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);

  // OpenRouter holds the connection open with comments until the upstream's first token.
  const commentEvery = Math.max(5, Math.min(1000, plan.firstTokenMs / 4));
  const opened = performance.now();
  for (let due = commentEvery; ; due += commentEvery) {
    if (plan.comments) res.write(': OPENROUTER PROCESSING\n\n');
    const left = Math.min(due, plan.firstTokenMs) - (performance.now() - opened);
    if (!(await plan.wait(Math.max(0, left)))) return 'gone';
    if (due >= plan.firstTokenMs) break;
  }

  const head = { id: body.id, object: 'chat.completion.chunk', created: body.created, model: body.model, ...(body.provider ? { provider: body.provider } : {}) };
  if (body.error) {
    send({ ...head, error: body.error, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] });
    send('[DONE]');
    res.end();
    return 'done';
  }
  const choice = (body.choices as Array<Record<string, any>>)[0];
  const pieces: Array<[field: string, text: string]> = [];
  if (choice) {
    for (const field of ['reasoning', 'content', 'refusal']) {
      const text = choice.message[field];
      if (typeof text !== 'string' || text === '') continue;
      // About 100 chunks per answer: close to real token-by-token pacing without a timer per character.
      const size = Math.max(16, Math.ceil(text.length / 100));
      for (let i = 0; i < text.length; i += size) pieces.push([field, text.slice(i, i + size)]);
    }
  }
  const cut = plan.fault?.kind === 'stream_error' || plan.fault?.kind === 'stream_stall' ? Math.ceil(pieces.length / 2) : pieces.length;
  const gap = pieces.length > 0 ? plan.generateMs / pieces.length : plan.generateMs;
  if (choice) send({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  // Chunk i is due at start + (i + 1) × gap: waiting against the schedule, not gap after gap, keeps timer overshoot
  // from piling up, so a streamed answer ends when a plain one would.
  const start = performance.now();
  for (let i = 0; i < cut; i++) {
    const [field, text] = pieces[i];
    send({ ...head, choices: [{ index: 0, delta: { [field]: text }, finish_reason: null }] });
    if (!(await plan.wait(Math.max(0, start + (i + 1) * gap - performance.now())))) return 'gone';
  }
  if (plan.fault?.kind === 'stream_stall') return 'stalled';
  if (plan.fault?.kind === 'stream_error') {
    // "Handling Errors During Streaming": the status is already 200, so the error travels as a data event.
    send({
      ...head,
      error: { code: 502, message: 'Provider disconnected mid-stream', metadata: { provider_name: SIMULATED_PROVIDER, raw: 'upstream closed the connection' } },
      choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
    });
    res.end();
    return 'errored';
  }
  if (choice) send({ ...head, choices: [{ index: 0, delta: {}, finish_reason: choice.finish_reason }] });
  // The usage-only chunk: empty choices, usage (with cost on OpenRouter) — what the SDK's include_usage also gives.
  if (body.usage) send({ ...head, choices: [], usage: body.usage });
  send('[DONE]');
  res.end();
  return 'done';
}
