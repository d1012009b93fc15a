// The one place that turns outside LLM failures into typed ApplicationFailures. Workflows and retry policies branch
// on `type` (workflows/types.ts), never on messages. The openai client runs with maxRetries: 0, so every failure
// lands here once and the activity retry policy decides; each new attempt climbs the model ladder, which is why
// most request-level rejections are retryable: the next model may accept what this one refused.
import { ApplicationFailure } from '@temporalio/common';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  ContentFilterFinishReasonError,
  LengthFinishReasonError,
} from 'openai/error';
import { ErrorType } from '../workflows/types';

export interface LlmErrorContext {
  model: string;
  phase: string;
  /** Values removed from provider messages wherever they appear (the configured API keys): shape-based
   * redaction alone misses a short key without a known prefix. */
  secrets?: string[];
}

/** Upper bound for a server-requested delay. A provider asking for longer (some send hours when a daily quota is
 * spent) would otherwise park the activity past its schedule-to-close timeout; after 10 minutes the next attempt
 * moves to the next model of the ladder, which usually sits behind a different quota anyway. */
export const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

type HeaderSource = Headers | Record<string, string | string[] | undefined | null> | null | undefined;

function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined | null>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : (value ?? undefined);
}

/** Delay the server asked for, in ms: `retry-after-ms` (OpenAI / OpenRouter extension), else `retry-after` as
 * seconds or an HTTP date. Capped at MAX_RETRY_AFTER_MS; undefined when absent or unparseable. */
export function retryAfterMs(headers: HeaderSource, now: number = Date.now()): number | undefined {
  let ms: number | undefined;
  const millis = headerValue(headers, 'retry-after-ms')?.trim();
  if (millis && /^\d+(\.\d+)?$/.test(millis)) ms = Number(millis);
  const retryAfter = headerValue(headers, 'retry-after')?.trim();
  if (ms === undefined && retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) ms = Number(retryAfter) * 1000;
    else if (/[a-z]/i.test(retryAfter)) {
      // HTTP dates always name the day or month; Date.parse alone would read "-5" as a year.
      const date = Date.parse(retryAfter);
      if (!Number.isNaN(date)) ms = Math.max(0, date - now);
    }
  }
  return ms === undefined ? undefined : Math.min(Math.round(ms), MAX_RETRY_AFTER_MS);
}

// Provider messages are kept (they say "context length exceeded" or "model not found"), but shortened and with
// anything key-like removed: a 401 body can echo part of the key. Headers are never read into a message.
function safeProviderMessage(error: Error, secrets: string[] = []): string {
  let message = error.message;
  for (const secret of secrets) if (secret) message = message.split(secret).join('[redacted]');
  const text = message
    .replace(/^\d{3}\s+/, '') // APIError prefixes the status, which the message states anyway
    .replace(/^status code \(no body\)$/, '')
    .replace(/Bearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/\b(?:sk|rk|pk)-[\w*-]+/gi, '[redacted]')
    .replace(/\b[\w-]{32,}\b/g, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

function failure(
  type: ErrorType,
  summary: string,
  context: LlmErrorContext,
  status: number | null,
  options: { nonRetryable?: boolean; nextRetryDelay?: number; detail?: string } = {},
): ApplicationFailure {
  const statusText = status === null ? '' : ` (HTTP ${status})`;
  const detail = options.detail ? `: ${options.detail}` : '';
  // No `cause`: the SDK error would be serialised into history with its raw response body.
  return ApplicationFailure.create({
    type,
    message: `${context.phase}: ${context.model} ${summary}${statusText}${detail}`,
    nonRetryable: options.nonRetryable ?? false,
    nextRetryDelay: options.nextRetryDelay,
    details: [{ model: context.model, phase: context.phase, status }],
  });
}

function isTimeoutLike(error: unknown): boolean {
  // AbortSignal.timeout() rejects with a TimeoutError DOMException, an aborted fetch with AbortError. Checked by
  // name: DOMException is not always an `instanceof Error` across realms.
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}

export function toLlmFailure(error: unknown, context: LlmErrorContext): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;

  // Order matters: the timeout and abort classes extend APIConnectionError / APIError without a status.
  // APIUserAbortError is what the SDK throws when the signal we pass is aborted (our per-call timer or the
  // activity's cancellation); the caller rethrows a real activity cancellation before calling this.
  if (error instanceof APIConnectionTimeoutError || error instanceof APIUserAbortError || isTimeoutLike(error)) {
    return failure(ErrorType.LLM_TIMEOUT, 'request timed out', context, null);
  }
  if (error instanceof APIConnectionError) {
    return failure(ErrorType.LLM_UNAVAILABLE, 'connection failed', context, null);
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    return fromStatus(error, error.status, context);
  }
  // The model stopped at max_tokens or was filtered: the text is unusable, a retry (next model) may succeed.
  if (error instanceof LengthFinishReasonError) {
    return failure(ErrorType.LLM_OUTPUT_INVALID, 'output truncated at max_tokens', context, null);
  }
  if (error instanceof ContentFilterFinishReasonError) {
    return failure(ErrorType.LLM_OUTPUT_INVALID, 'output blocked by content filter', context, null);
  }
  // Anything else (a TypeError inside the SDK, a DNS failure without a wrapper) is treated as the provider being
  // unavailable: retryable, and the message keeps only the error's class name.
  const name = error instanceof Error ? error.name : typeof error;
  return failure(ErrorType.LLM_UNAVAILABLE, `call failed with ${name}`, context, null);
}

function fromStatus(error: APIError, status: number, context: LlmErrorContext): ApplicationFailure {
  const detail = safeProviderMessage(error, context.secrets);
  const delay = retryAfterMs(error.headers);
  if (status === 429) {
    return failure(ErrorType.LLM_RATE_LIMITED, 'was rate limited', context, status, { nextRetryDelay: delay, detail });
  }
  // 401/403: a bad or revoked key, or a key without access. 402 is OpenRouter's "insufficient credits". No retry
  // and no other model on the same account can fix these; a person must.
  if (status === 401 || status === 402 || status === 403) {
    const options = { nonRetryable: true, detail };
    return failure(ErrorType.LLM_AUTH, 'refused the API key or account', context, status, options);
  }
  if (status === 408) {
    return failure(ErrorType.LLM_TIMEOUT, 'request timed out', context, status, { nextRetryDelay: delay, detail });
  }
  if (status >= 500) {
    const options = { nextRetryDelay: delay, detail };
    return failure(ErrorType.LLM_UNAVAILABLE, 'returned a server error', context, status, options);
  }
  // Remaining 4xx: 404 (model id unknown or delisted), 400/413/422 (this model rejects our request: context
  // length, unsupported response_format or parameter). Retrying the same request on the same model is pointless,
  // but the next attempt uses the next model of the ladder, which may serve it; so retryable LLM_UNAVAILABLE, and
  // the policy's maximumAttempts bounds the cost when every model refuses.
  return failure(ErrorType.LLM_UNAVAILABLE, 'rejected the request', context, status, { detail });
}

/** Output that arrived but is unusable (schema problems, placeholders). Retryable: the next model may do better.
 * The message is used as given (callers already name the model); the full problem list goes into details. */
export function llmOutputInvalid(
  message: string,
  details: { model: string; phase: string; problems: string[] },
): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.LLM_OUTPUT_INVALID,
    message,
    nonRetryable: false,
    details: [details],
  });
}
