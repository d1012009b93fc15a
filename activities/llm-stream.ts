// Streamed chat completions through the openai SDK's streaming API. A 75 s section answered in one silent response
// is what proxies and edge timeouts cut; streamed, bytes flow from the first token and a stalled provider shows as
// silence that an idle timer (much shorter than the whole call's timeout) turns into a failed attempt.
//
// What OpenRouter's stream can contain ("Streaming"): SSE comment lines (": OPENROUTER PROCESSING") while the
// upstream warms up — the SDK's SSE decoder skips them, so they neither reset the idle timer nor reach JSON.parse;
// chunks with `delta.content` / `delta.reasoning`; a final usage-only chunk with empty `choices` (cost included,
// "Usage Accounting"); and a mid-stream error, a `data:` event with `error` and finish_reason "error", which the SDK
// throws as an APIError without status (typed by llm-errors.ts). The chunks are folded back into one
// chat-completion body so that the same classifier judges streamed and plain answers.
import type { ApplicationFailure } from '@temporalio/common';
import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { ErrorType } from '../workflows/types';
import { providerFailure, type LlmErrorContext } from './llm-errors';

export interface StreamProgress {
  chunks: number;
  /** Characters of answer (content and reasoning) received so far. */
  characters: number;
  /** ceil(characters / 4): the usual estimate, until the final usage chunk gives the real count. */
  approxTokens: number;
}

export interface RawCompletion {
  /** The response body, or for a stream the chunks folded into one body. Untrusted. */
  body: unknown;
  /** OpenRouter's X-Generation-Id header, when sent. */
  generationId: string | null;
}

export interface StreamOptions {
  timeoutMs: number;
  idleTimeoutMs: number;
  signal: AbortSignal;
  context: LlmErrorContext;
  onProgress(progress: StreamProgress): void;
}

type Json = Record<string, any>;

export async function streamCompletion(
  client: OpenAI,
  params: ChatCompletionCreateParamsNonStreaming & Record<string, unknown>,
  options: StreamOptions,
): Promise<RawCompletion> {
  const controller = new AbortController();
  let stopped: ApplicationFailure | null = null;
  const stop = (failure: ApplicationFailure) => {
    stopped ??= failure;
    controller.abort();
  };
  const onCancel = () => controller.abort();
  options.signal.addEventListener('abort', onCancel, { once: true });
  // The SDK's own timeout ends when the headers arrive; the body of a stream needs its own deadline.
  const deadline = setTimeout(
    () => stop(providerFailure(ErrorType.LLM_TIMEOUT, `did not finish streaming within ${options.timeoutMs} ms`, options.context, null)),
    options.timeoutMs,
  );
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(
      () => stop(providerFailure(ErrorType.LLM_TIMEOUT, `sent nothing for ${options.idleTimeoutMs} ms while streaming`, options.context, null)),
      options.idleTimeoutMs,
    );
  };

  const body: Json = { object: 'chat.completion', choices: [] as Json[] };
  const progress: StreamProgress = { chunks: 0, characters: 0, approxTokens: 0 };
  let generationId: string | null = null;
  try {
    armIdle();
    const { data: stream, response } = await client.chat.completions
      .create({ ...params, stream: true }, { timeout: options.timeoutMs, signal: controller.signal })
      .withResponse();
    generationId = response.headers.get('x-generation-id');
    for await (const chunk of stream) {
      armIdle();
      fold(body, chunk as unknown as Json, progress);
      options.onProgress({ ...progress });
    }
  } catch (error) {
    // Our own stop (idle, deadline) surfaces from the SDK as an abort: report why we stopped instead.
    if (stopped && !options.signal.aborted) throw stopped;
    throw error;
  } finally {
    clearTimeout(idle);
    clearTimeout(deadline);
    options.signal.removeEventListener('abort', onCancel);
  }
  if (stopped && !options.signal.aborted) throw stopped;
  return { body, generationId };
}

/** Adds one chunk to the body being rebuilt. Every field is optional; nothing here trusts a chunk's shape. */
function fold(body: Json, chunk: Json, progress: StreamProgress): void {
  progress.chunks++;
  if (typeof chunk.id === 'string') body.id ??= chunk.id;
  if (typeof chunk.model === 'string') body.model = chunk.model;
  if (typeof chunk.provider === 'string') body.provider = chunk.provider;
  // The usage-only chunk comes last with `choices: []`; a provider may also repeat usage on every chunk.
  if (chunk.usage && typeof chunk.usage === 'object') body.usage = chunk.usage;
  if (chunk.error !== undefined && chunk.error !== null) body.error = chunk.error;
  if (!Array.isArray(chunk.choices)) return;
  for (const delta of chunk.choices as Json[]) {
    if (!delta || typeof delta !== 'object') continue;
    const index = typeof delta.index === 'number' ? delta.index : 0;
    const choice = (body.choices[index] ??= { index, message: { role: 'assistant', content: null }, finish_reason: null });
    const message = choice.message;
    for (const field of ['content', 'reasoning', 'refusal'] as const) {
      const text = delta.delta?.[field];
      if (typeof text !== 'string' || text === '') continue;
      message[field] = (message[field] ?? '') + text;
      if (field !== 'refusal') progress.characters += text.length;
    }
    if (delta.finish_reason !== undefined && delta.finish_reason !== null) choice.finish_reason = delta.finish_reason;
    if (delta.error !== undefined && delta.error !== null) choice.error = delta.error;
  }
  progress.approxTokens = Math.ceil(progress.characters / 4);
}
