import { ApplicationFailure } from '@temporalio/common';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { LengthFinishReasonError } from 'openai/error';
import { MAX_RETRY_AFTER_MS, llmOutputInvalid, retryAfterMs, toLlmFailure } from '../../activities/llm-errors';
import { ErrorType } from '../../workflows/types';

const context = { model: 'qwen/qwen3-max', phase: 'section' };
const API_KEY = 'sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef';

function apiError(status: number, headers: Record<string, string> = {}, message = 'provider says no'): APIError {
  return APIError.generate(status, { error: { message } }, undefined, new Headers(headers));
}

function durationMs(delay: unknown): number | undefined {
  // ApplicationFailure keeps the Duration as given; these tests pass numbers (milliseconds).
  return delay === undefined || delay === null ? undefined : Number(delay);
}

describe('toLlmFailure: HTTP statuses', () => {
  it.each([
    [400, ErrorType.LLM_UNAVAILABLE, false],
    [401, ErrorType.LLM_AUTH, true],
    [402, ErrorType.LLM_PAYMENT_REQUIRED, true],
    [403, ErrorType.LLM_AUTH, true],
    [404, ErrorType.LLM_UNAVAILABLE, false],
    [408, ErrorType.LLM_TIMEOUT, false],
    [409, ErrorType.LLM_UNAVAILABLE, false],
    [413, ErrorType.LLM_UNAVAILABLE, false],
    [422, ErrorType.LLM_UNAVAILABLE, false],
    [429, ErrorType.LLM_RATE_LIMITED, false],
    [500, ErrorType.LLM_UNAVAILABLE, false],
    [502, ErrorType.LLM_UNAVAILABLE, false],
    [503, ErrorType.LLM_UNAVAILABLE, false],
    [529, ErrorType.LLM_UNAVAILABLE, false],
  ])('HTTP %i → %s (nonRetryable %s)', (status, type, nonRetryable) => {
    const failure = toLlmFailure(apiError(status), context);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
    expect(failure.message).toContain('qwen/qwen3-max');
    expect(failure.message).toContain(`HTTP ${status}`);
    expect(failure.details).toEqual([{ model: 'qwen/qwen3-max', phase: 'section', status }]);
  });

  it('429 without Retry-After leaves the delay to the retry policy', () => {
    expect(toLlmFailure(apiError(429), context).nextRetryDelay).toBeUndefined();
  });

  it('429 with retry-after-ms uses it', () => {
    expect(durationMs(toLlmFailure(apiError(429, { 'retry-after-ms': '1500' }), context).nextRetryDelay)).toBe(1500);
  });

  it('429 with Retry-After in seconds converts to ms', () => {
    expect(durationMs(toLlmFailure(apiError(429, { 'retry-after': '7' }), context).nextRetryDelay)).toBe(7000);
  });

  it('429 with Retry-After as an HTTP date uses the time until then', () => {
    const when = new Date(Date.now() + 30_000).toUTCString();
    const delay = durationMs(toLlmFailure(apiError(429, { 'retry-after': when }), context).nextRetryDelay)!;
    // toUTCString drops milliseconds, and the clock moves between the two calls.
    expect(delay).toBeGreaterThan(28_000);
    expect(delay).toBeLessThanOrEqual(30_000);
  });

  it('caps a huge Retry-After at MAX_RETRY_AFTER_MS', () => {
    const failure = toLlmFailure(apiError(429, { 'retry-after': '86400' }), context);
    expect(durationMs(failure.nextRetryDelay)).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(600_000);
  });

  it('503 honours Retry-After too', () => {
    expect(durationMs(toLlmFailure(apiError(503, { 'retry-after': '2' }), context).nextRetryDelay)).toBe(2000);
  });

  it('401 ignores Retry-After: it is not retried at all', () => {
    const failure = toLlmFailure(apiError(401, { 'retry-after': '5' }), context);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.nextRetryDelay).toBeUndefined();
  });
});

describe('toLlmFailure: messages never leak secrets', () => {
  it('drops API keys and bearer tokens echoed in the provider message', () => {
    const error = APIError.generate(
      401,
      { error: { message: `Incorrect API key provided: ${API_KEY}. Header was Authorization: Bearer ${API_KEY}` } },
      undefined,
      new Headers({ authorization: `Bearer ${API_KEY}`, 'x-request-id': 'req_1' }),
    );
    const failure = toLlmFailure(error, context);
    expect(failure.message).not.toContain('0123456789abcdef');
    expect(JSON.stringify(failure.details)).not.toContain('0123456789abcdef');
    expect(failure.message).toContain('[redacted]');
    expect(failure.cause).toBeUndefined();
  });

  it('never copies request or response headers into the message', () => {
    const failure = toLlmFailure(apiError(500, { 'x-secret-header': 'do-not-leak-me' }), context);
    expect(failure.message).not.toContain('do-not-leak-me');
  });

  it('keeps messages short', () => {
    const failure = toLlmFailure(apiError(400, {}, 'context length exceeded '.repeat(100)), context);
    expect(failure.message.length).toBeLessThan(260);
    expect(failure.message).toContain('context length exceeded');
  });
});

describe('toLlmFailure: errors without a status', () => {
  it('connection timeout → LLM_TIMEOUT retryable', () => {
    const failure = toLlmFailure(new APIConnectionTimeoutError(), context);
    expect(failure.type).toBe(ErrorType.LLM_TIMEOUT);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.details).toEqual([{ model: 'qwen/qwen3-max', phase: 'section', status: null }]);
  });

  it('aborted request (our timeout signal) → LLM_TIMEOUT', () => {
    expect(toLlmFailure(new APIUserAbortError(), context).type).toBe(ErrorType.LLM_TIMEOUT);
  });

  it('DOMException TimeoutError / AbortError → LLM_TIMEOUT', () => {
    const timeout = new DOMException('signal timed out', 'TimeoutError');
    expect(toLlmFailure(timeout, context).type).toBe(ErrorType.LLM_TIMEOUT);
    expect(toLlmFailure(new DOMException('aborted', 'AbortError'), context).type).toBe(ErrorType.LLM_TIMEOUT);
  });

  it('connection error → LLM_UNAVAILABLE retryable', () => {
    const failure = toLlmFailure(new APIConnectionError({ cause: new Error('ECONNREFUSED') }), context);
    expect(failure.type).toBe(ErrorType.LLM_UNAVAILABLE);
    expect(failure.nonRetryable).toBe(false);
  });

  it('APIError.generate without headers is a connection error', () => {
    const error = APIError.generate(undefined, new Error('socket hang up'), undefined, undefined);
    const failure = toLlmFailure(error, context);
    expect(failure.type).toBe(ErrorType.LLM_UNAVAILABLE);
  });

  it('finish_reason=length from the SDK helpers → LLM_OUTPUT_INVALID retryable', () => {
    const failure = toLlmFailure(new LengthFinishReasonError(), context);
    expect(failure.type).toBe(ErrorType.LLM_OUTPUT_INVALID);
    expect(failure.nonRetryable).toBe(false);
  });

  it('unknown errors → LLM_UNAVAILABLE, naming only the error class', () => {
    const failure = toLlmFailure(new TypeError(`boom with ${API_KEY}`), context);
    expect(failure.type).toBe(ErrorType.LLM_UNAVAILABLE);
    expect(failure.message).toContain('TypeError');
    expect(failure.message).not.toContain(API_KEY);
    expect(toLlmFailure('a string', context).type).toBe(ErrorType.LLM_UNAVAILABLE);
  });

  it('passes an ApplicationFailure through unchanged', () => {
    const original = ApplicationFailure.nonRetryable('budget', ErrorType.BUDGET_EXCEEDED);
    expect(toLlmFailure(original, context)).toBe(original);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads a Headers object and a plain record, case-insensitively', () => {
    expect(retryAfterMs(new Headers({ 'Retry-After': '3' }), now)).toBe(3000);
    expect(retryAfterMs({ 'Retry-After': '3' }, now)).toBe(3000);
    expect(retryAfterMs({ 'retry-after-ms': ['250', '999'] }, now)).toBe(250);
  });

  it('prefers retry-after-ms over retry-after', () => {
    expect(retryAfterMs({ 'retry-after-ms': '120', 'retry-after': '9' }, now)).toBe(120);
  });

  it('accepts fractional seconds and HTTP dates', () => {
    expect(retryAfterMs({ 'retry-after': '1.5' }, now)).toBe(1500);
    expect(retryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:42 GMT' }, now)).toBe(42_000);
  });

  it('treats a date in the past as no wait', () => {
    expect(retryAfterMs({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }, now)).toBe(0);
  });

  it('caps long waits', () => {
    expect(retryAfterMs({ 'retry-after': '3600' }, now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs({ 'retry-after-ms': '99999999' }, now)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('returns undefined when absent or unparseable', () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': '-5' }, now)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after-ms': 'NaN' }, now)).toBeUndefined();
  });
});

describe('llmOutputInvalid', () => {
  it('is a retryable LLM_OUTPUT_INVALID with the problems in details', () => {
    const details = { model: 'openai/gpt-oss-120b', phase: 'metadata', problems: ['course_title: too short'] };
    const failure = llmOutputInvalid('openai/gpt-oss-120b answered with unusable JSON', details);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(ErrorType.LLM_OUTPUT_INVALID);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toBe('openai/gpt-oss-120b answered with unusable JSON');
    expect(failure.details).toEqual([details]);
  });
});
