// The response classifier and the OpenRouter error typing: every documented shape, one assertion set each.
import { APIError } from 'openai';
import { z } from 'zod';
import { fromProviderError, retryAfterMs, toLlmFailure, MAX_RETRY_AFTER_MS } from '../../activities/llm-errors';
import { detectProvider, providerProfile } from '../../activities/llm-provider';
import { classifyCompletion, readProviderReport } from '../../activities/llm-response';
import { ErrorType } from '../../workflows/types';

const KEY = 'sk-or-v1-feedfacefeedfacefeedfacefeedfacefeedfacefeedface';
const context = { model: 'openai/gpt-oss-120b', phase: 'section', secrets: [KEY], lastModel: false };

function completion(choice: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { id: 'gen-1', model: 'openai/gpt-oss-120b', choices: [{ index: 0, ...choice }], ...extra };
}

function failureOf(body: unknown, ctx = context) {
  const result = classifyCompletion(body, ctx);
  if (result.ok) throw new Error(`expected a failure, got an answer from ${result.source}`);
  return result.failure;
}

describe('classifyCompletion', () => {
  it('finish_reason stop with text is the only answer', () => {
    expect(classifyCompletion(completion({ message: { content: '{"a":1}' }, finish_reason: 'stop' }), context)).toEqual({
      ok: true,
      text: '{"a":1}',
      source: 'content',
    });
  });

  it.each([
    ['length', ErrorType.LLM_OUTPUT_INVALID, 'finish_reason=length'],
    ['error', ErrorType.LLM_UNAVAILABLE, 'partial answer was discarded'],
    ['content_filter', ErrorType.LLM_CONTENT_REFUSED, 'content_filter'],
    [null, ErrorType.LLM_UNAVAILABLE, 'without a finish_reason'],
    [undefined, ErrorType.LLM_UNAVAILABLE, 'without a finish_reason'],
    ['tool_calls', ErrorType.LLM_OUTPUT_INVALID, 'finish_reason=tool_calls'],
    ['something_new', ErrorType.LLM_OUTPUT_INVALID, 'finish_reason=something_new'],
  ])('finish_reason %s with a (partial) answer in content → %s', (finish, type, text) => {
    const failure = failureOf(completion({ message: { content: '{"section_title": "Half an ans' }, finish_reason: finish }));
    expect(failure.type).toBe(type);
    expect(failure.message).toContain(text);
    expect(failure.message).not.toContain('Half an ans');
  });

  it('a 200 whose body is an error, with no choices: typed by its code, the upstream cause kept', () => {
    const failure = failureOf({
      error: { code: 502, message: 'Provider returned error', metadata: { provider_name: 'DeepInfra', raw: `bad gateway for ${KEY}` } },
    });
    expect(failure.type).toBe(ErrorType.LLM_UNAVAILABLE);
    expect(failure.message).toContain('Provider returned error');
    expect(failure.message).toContain('provider DeepInfra');
    expect(failure.message).toContain('upstream said: bad gateway');
    expect(failure.message).toContain('in a 200 response');
    expect(failure.message).not.toContain(KEY);
  });

  it('a 200 error body with code 402 is a payment failure, not retryable', () => {
    const failure = failureOf({ error: { code: 402, message: 'Insufficient credits' } });
    expect(failure.type).toBe(ErrorType.LLM_PAYMENT_REQUIRED);
    expect(failure.nonRetryable).toBe(true);
  });

  it.each([
    ['missing choices', { id: 'x' }],
    ['empty choices', { choices: [] }],
    ['a choice that is not an object', { choices: ['text'] }],
  ])('%s → LLM_UNAVAILABLE', (_name, body) => {
    expect(failureOf(body).type).toBe(ErrorType.LLM_UNAVAILABLE);
  });

  it.each([null, 'text', 42, []])('a body that is not an object (%p) → LLM_UNAVAILABLE', (body) => {
    expect(failureOf(body).type).toBe(ErrorType.LLM_UNAVAILABLE);
  });

  it('choices[0].error is a failure even with finish_reason stop', () => {
    const failure = failureOf(completion({ message: { content: '{}' }, finish_reason: 'stop', error: { code: 503, message: 'overloaded' } }));
    expect(failure.type).toBe(ErrorType.LLM_UNAVAILABLE);
    expect(failure.message).toContain('overloaded');
  });

  it.each([null, '', '   \n'])('content %p without reasoning → LLM_OUTPUT_INVALID', (content) => {
    const failure = failureOf(completion({ message: { content }, finish_reason: 'stop' }));
    expect(failure.type).toBe(ErrorType.LLM_OUTPUT_INVALID);
    expect(failure.message).toContain('empty content');
  });

  it('content empty and the answer in message.reasoning: offered as a reasoning answer', () => {
    const result = classifyCompletion(completion({ message: { content: '', reasoning: '{"a":1}' }, finish_reason: 'stop' }), context);
    expect(result).toEqual({ ok: true, text: '{"a":1}', source: 'reasoning' });
  });

  it('a refusal is LLM_CONTENT_REFUSED, retryable on the next model, its text in the message', () => {
    const failure = failureOf(completion({ message: { content: null, refusal: "I can't help with that." }, finish_reason: 'stop' }));
    expect(failure.type).toBe(ErrorType.LLM_CONTENT_REFUSED);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain("I can't help with that.");
    expect(failure.message).toContain('next model');
  });

  it('a refusal on the last model of the ladder is not retryable: the same model would be asked again', () => {
    const failure = failureOf(completion({ message: { refusal: 'no' }, finish_reason: 'stop' }), { ...context, lastModel: true });
    expect(failure.type).toBe(ErrorType.LLM_CONTENT_REFUSED);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('no other model left');
  });
});

describe('readProviderReport', () => {
  it('reads served model, provider, generation id, tokens, reasoning and cached tokens, cost', () => {
    const report = readProviderReport(
      {
        id: 'gen-body',
        model: 'openai/gpt-oss-120b:nitro',
        provider: 'Groq',
        usage: {
          prompt_tokens: 100,
          completion_tokens: 50,
          cost: 0.00123,
          prompt_tokens_details: { cached_tokens: 40 },
          completion_tokens_details: { reasoning_tokens: 20 },
        },
      },
      'gen-header',
    );
    expect(report).toEqual({
      servedModel: 'openai/gpt-oss-120b:nitro',
      provider: 'Groq',
      generationId: 'gen-header',
      promptTokens: 100,
      completionTokens: 50,
      reasoningTokens: 20,
      cachedTokens: 40,
      providerCost: 0.00123,
    });
  });

  it('trusts no field: wrong types and negative numbers read as absent', () => {
    const report = readProviderReport({ model: 7, provider: {}, usage: { prompt_tokens: '12', completion_tokens: -3, cost: 'free' } });
    expect(report).toMatchObject({ servedModel: null, provider: null, promptTokens: 0, completionTokens: 0, providerCost: null });
    expect(readProviderReport('not a body').promptTokens).toBe(0);
  });
});

describe('OpenRouter errors by status', () => {
  const info = (message: string, metadata: Record<string, unknown> | null = null) => ({ message, metadata });

  it('402: LLM_PAYMENT_REQUIRED, not retryable, says the key is valid', () => {
    const failure = fromProviderError(402, info('Insufficient credits'), context);
    expect(failure.type).toBe(ErrorType.LLM_PAYMENT_REQUIRED);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('add credits');
    expect(failure.message).toContain('key itself is valid');
  });

  it('403 moderation: LLM_CONTENT_REFUSED with the reasons, never the flagged input', () => {
    const metadata = { reasons: ['violence', 'harassment'], flagged_input: 'SECRET USER TEXT', provider_name: 'OpenAI', model_slug: 'x' };
    const failure = fromProviderError(403, info('Your input was flagged', metadata), context);
    expect(failure.type).toBe(ErrorType.LLM_CONTENT_REFUSED);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('violence, harassment');
    expect(failure.message).toContain('provider OpenAI');
    expect(failure.message).not.toContain('SECRET USER TEXT');
  });

  it('403 without moderation is the key lacking permission: LLM_AUTH', () => {
    expect(fromProviderError(403, info('Forbidden'), context).type).toBe(ErrorType.LLM_AUTH);
  });

  it('400 content policy is a refusal; another 400 is a rejected request for the next model', () => {
    expect(fromProviderError(400, info('Request blocked by content policy'), context).type).toBe(ErrorType.LLM_CONTENT_REFUSED);
    const other = fromProviderError(400, info('Provider returned error', { provider_name: 'Azure', raw: 'Invalid schema for response_format' }), context);
    expect(other.type).toBe(ErrorType.LLM_UNAVAILABLE);
    expect(other.message).toContain('Invalid schema for response_format');
    expect(other.message).toContain('provider Azure');
  });

  it.each([404, 408, 500, 502, 503, 524, 529])('%i is retryable', (status) => {
    expect(fromProviderError(status, info('x'), context).nonRetryable).toBe(false);
  });

  it('a mid-stream error event (APIError without status) is typed by its code', () => {
    const error = new APIError(undefined, { code: 502, message: 'Provider disconnected', metadata: { provider_name: 'Together' } }, undefined, new Headers());
    const failure = toLlmFailure(error, context);
    expect(failure.type).toBe(ErrorType.LLM_UNAVAILABLE);
    expect(failure.message).toContain('mid-stream');
    expect(failure.message).toContain('provider Together');
  });
});

describe('X-RateLimit-Reset', () => {
  const now = 1_800_000_000_000;
  it('epoch milliseconds (OpenRouter) → the time until then', () => {
    expect(retryAfterMs(new Headers({ 'x-ratelimit-reset': String(now + 4_000) }), now)).toBe(4_000);
  });
  it('epoch seconds are accepted too, and Retry-After wins when both are sent', () => {
    expect(retryAfterMs(new Headers({ 'x-ratelimit-reset': String(now / 1000 + 3) }), now)).toBe(3_000);
    expect(retryAfterMs(new Headers({ 'x-ratelimit-reset': String(now + 9_000), 'retry-after': '1' }), now)).toBe(1_000);
  });
  it('is capped', () => {
    expect(retryAfterMs(new Headers({ 'x-ratelimit-reset': String(now + 86_400_000) }), now)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('provider profiles', () => {
  it.each([
    ['https://openrouter.ai/api/v1', 'openrouter'],
    ['https://api.openai.com/v1', 'openai'],
    ['http://127.0.0.1:11434/v1', 'ollama'],
    ['http://gpu-box:8000/v1', 'vllm'],
    ['http://127.0.0.1:8787/v1', 'generic'],
    ['not a url', 'generic'],
  ])('%s → %s', (url, kind) => {
    expect(detectProvider(url)).toBe(kind);
  });

  it('OpenRouter requires every parameter to be honoured and names the app', () => {
    const profile = providerProfile('openrouter');
    const fields = profile.requestFields('s', z.object({ a: z.string() }));
    expect(fields.provider).toEqual({ require_parameters: true });
    expect(fields.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 's', strict: true } });
    expect(profile.headers['X-Title']).toBe('coursegen');
  });

  it('Ollama gets a json_schema without strict; OpenAI-style servers are asked for usage in streams', () => {
    const fields = providerProfile('ollama').requestFields('s', z.object({ a: z.string() }));
    expect((fields.response_format as { json_schema: Record<string, unknown> }).json_schema.strict).toBeUndefined();
    expect(fields.provider).toBeUndefined();
    expect(providerProfile('vllm').streamFields).toEqual({ stream_options: { include_usage: true } });
  });
});
