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
  /** True when the next attempt would use this same model again (the ladder is exhausted). A refusal is retried
   * only on another model, so there it becomes non-retryable. */
  lastModel?: boolean;
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

/** Delay the server asked for, in ms: `retry-after-ms` (OpenAI extension), else `retry-after` as seconds or an
 * HTTP date, else `x-ratelimit-reset` — the instant the window reopens, which OpenRouter sends on a 429 in epoch
 * milliseconds (docs: "Limits", X-RateLimit-* headers); epoch seconds are accepted too. Capped at
 * MAX_RETRY_AFTER_MS; undefined when absent or unparseable. */
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
  const reset = headerValue(headers, 'x-ratelimit-reset')?.trim();
  if (ms === undefined && reset && /^\d+(\.\d+)?$/.test(reset)) {
    const value = Number(reset);
    // 1e12 ms is 2001 and 1e9 s is 2001: anything smaller is a relative number of seconds.
    if (value >= 1e12) ms = Math.max(0, value - now);
    else if (value >= 1e9) ms = Math.max(0, value * 1000 - now);
    else ms = value * 1000;
  }
  return ms === undefined ? undefined : Math.min(Math.round(ms), MAX_RETRY_AFTER_MS);
}

// Provider messages are kept (they say "context length exceeded" or "model not found"), but shortened and with
// anything key-like removed: a 401 body can echo part of the key. Headers are never read into a message.
export function safeProviderMessage(raw: string, secrets: string[] = [], max = 160): string {
  let message = raw;
  for (const secret of secrets) if (secret) message = message.split(secret).join('[redacted]');
  const text = message
    .replace(/^\d{3}\s+/, '') // APIError prefixes the status, which the message states anyway
    .replace(/^status code \(no body\)$/, '')
    .replace(/Bearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/\b(?:sk|rk|pk)-[\w*-]+/gi, '[redacted]')
    .replace(/\b[\w-]{32,}\b/g, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function failure(
  type: ErrorType,
  summary: string,
  context: LlmErrorContext,
  status: number | null,
  options: { nonRetryable?: boolean; nextRetryDelay?: number; detail?: string } = {},
): ApplicationFailure {
  return providerFailure(type, summary, context, status, options);
}

/** The one constructor of typed LLM failures; the response classifier (llm-response.ts) uses it too. */
export function providerFailure(
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
    return fromProviderError(error.status, providerErrorInfo(error.error, error.message, error.headers), context);
  }
  // The SDK throws an APIError without status for an SSE `data:` event carrying `error` — OpenRouter's mid-stream
  // failure ("Handling Errors During Streaming": the HTTP status is already 200, the code is in error.code).
  if (error instanceof APIError && error.error && typeof error.error === 'object') {
    const info = providerErrorInfo(error.error, error.message, error.headers);
    const code = numericCode((error.error as { code?: unknown }).code);
    return fromProviderError(code ?? 502, info, context, 'mid-stream');
  }
  // The model stopped at max_tokens or was filtered: the text is unusable, a retry (next model) may succeed.
  if (error instanceof LengthFinishReasonError) {
    return failure(ErrorType.LLM_OUTPUT_INVALID, 'output truncated at max_tokens', context, null);
  }
  if (error instanceof ContentFilterFinishReasonError) {
    return contentRefused('output blocked by content filter', context, null);
  }
  // Anything else (a TypeError inside the SDK, a DNS failure without a wrapper) is treated as the provider being
  // unavailable: retryable, and the message keeps only the error's class name.
  const name = error instanceof Error ? error.name : typeof error;
  return failure(ErrorType.LLM_UNAVAILABLE, `call failed with ${name}`, context, null);
}

export interface ProviderErrorInfo {
  /** The provider's message, not yet redacted. */
  message: string;
  metadata: Record<string, unknown> | null;
  headers?: HeaderSource;
}

export function numericCode(code: unknown): number | null {
  if (typeof code === 'number' && Number.isInteger(code)) return code;
  if (typeof code === 'string' && /^\d{3}$/.test(code)) return Number(code);
  return null;
}

/** OpenRouter's error object `{ code, message, metadata? }` (docs: "Errors and Debugging"), or anything else. */
export function providerErrorInfo(body: unknown, fallbackMessage: string, headers?: HeaderSource): ProviderErrorInfo {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const metadata = record.metadata && typeof record.metadata === 'object' ? (record.metadata as Record<string, unknown>) : null;
  const message = typeof record.message === 'string' ? record.message : fallbackMessage;
  return { message, metadata, headers };
}

/**
 * What the provider said, for the operator: its message plus, from OpenRouter's metadata, the upstream provider's
 * own words (`metadata.raw`, e.g. "Invalid schema for response_format") and its name (`provider_name`), or a
 * moderation's `reasons`. `flagged_input` is the user's text and is never copied. Secrets are redacted.
 */
function describeProviderError(info: ProviderErrorInfo, secrets: string[] = []): string {
  const parts = [safeProviderMessage(info.message, secrets)];
  const meta = info.metadata ?? {};
  if (Array.isArray(meta.reasons) && meta.reasons.length > 0) {
    parts.push(safeProviderMessage(`flagged for ${meta.reasons.map(String).join(', ')}`, secrets, 80));
  }
  if (typeof meta.provider_name === 'string') parts.push(safeProviderMessage(`provider ${meta.provider_name}`, secrets, 60));
  if (meta.raw !== undefined && meta.raw !== null) {
    const raw = typeof meta.raw === 'string' ? meta.raw : JSON.stringify(meta.raw);
    parts.push(safeProviderMessage(`upstream said: ${raw}`, secrets, 200));
  }
  return parts.filter(Boolean).join('; ');
}

const MODERATION = /moderation|flagged|guardrail|content[ _-]?(policy|filter|management)|safety system|prohibited content/i;

/** Was the request refused for its content (rather than for the key)? OpenRouter's 403 covers both. */
function isContentRefusal(status: number, info: ProviderErrorInfo): boolean {
  const meta = info.metadata ?? {};
  if (Array.isArray(meta.reasons)) return true; // ModerationErrorMetadata
  return (status === 403 || status === 400) && MODERATION.test(info.message);
}

/**
 * A failure by HTTP status, or by the `code` of an error object that came inside a 200 (OpenRouter sends errors
 * that happen after the model started in the body or as an SSE event, with the status it would have used).
 */
export function fromProviderError(
  status: number,
  info: ProviderErrorInfo,
  context: LlmErrorContext,
  where?: 'in a 200 response' | 'mid-stream' | 'in choices[0]',
): ApplicationFailure {
  const detail = describeProviderError(info, context.secrets) + (where ? ` (${where})` : '');
  const delay = retryAfterMs(info.headers);
  if (status === 429) {
    return failure(ErrorType.LLM_RATE_LIMITED, 'was rate limited', context, status, { nextRetryDelay: delay, detail });
  }
  // 402: "Your account or API key has insufficient credits" — the key works; rotating it fixes nothing and no
  // retry can either: someone must add credits or raise the key's credit limit.
  if (status === 402) {
    return failure(
      ErrorType.LLM_PAYMENT_REQUIRED,
      'refused for lack of credits: add credits to the account or raise the key\'s credit limit (the key itself is valid)',
      context,
      status,
      { nonRetryable: true, detail },
    );
  }
  // 403 moderation / guardrail ("your input was flagged", for one model on one provider) and 400 content policy:
  // another model of the ladder may serve the same request, the same model never will.
  if (isContentRefusal(status, info)) return contentRefused('refused the request for its content', context, status, detail);
  // 401: a bad, disabled or revoked key; 403 otherwise: the key lacks permission. A person must fix the key.
  if (status === 401 || status === 403) {
    return failure(ErrorType.LLM_AUTH, 'refused the API key or account', context, status, { nonRetryable: true, detail });
  }
  if (status === 408) {
    return failure(ErrorType.LLM_TIMEOUT, 'request timed out', context, status, { nextRetryDelay: delay, detail });
  }
  // 5xx: 502 "model is down or returned an invalid response", 503 "no provider meets your routing requirements",
  // 524 / 529 (edge timeout, provider overloaded).
  if (status >= 500) {
    const options = { nextRetryDelay: delay, detail };
    return failure(ErrorType.LLM_UNAVAILABLE, 'returned a server error', context, status, options);
  }
  // Remaining 4xx: 404 ("No endpoints found that support the requested parameters" — with require_parameters a
  // model whose providers cannot honour response_format — or a delisted id), 400/413/422 (this model rejects our
  // request: context length, unsupported parameter). Retrying the same request on the same model is pointless,
  // but the next attempt uses the next model of the ladder, which may serve it; so retryable LLM_UNAVAILABLE, and
  // the policy's maximumAttempts bounds the cost when every model refuses.
  return failure(ErrorType.LLM_UNAVAILABLE, 'rejected the request', context, status, { detail });
}

/**
 * LLM_CONTENT_REFUSED: retryable so that the next attempt moves to the next model of the ladder (the activity picks
 * its model by attempt number) — but non-retryable once the ladder is exhausted, because the next attempt would
 * ask the model that just refused.
 */
export function contentRefused(summary: string, context: LlmErrorContext, status: number | null, detail?: string): ApplicationFailure {
  const next = context.lastModel ? '; no other model left in the ladder' : '; the next attempt uses the next model';
  return failure(ErrorType.LLM_CONTENT_REFUSED, summary, context, status, {
    nonRetryable: context.lastModel === true,
    detail: `${detail ?? ''}${next}`.replace(/^; /, ''),
  });
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
