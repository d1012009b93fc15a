// Every HTTP call leaves its ledger row, whatever happens after it: a body of the wrong shape, an answer found only
// in `reasoning`, or a throw nobody expected. callStructured runs in a mock activity context with a recording ledger.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type OpenAI from 'openai';
import { z } from 'zod';
import { callStructured, type LlmDeps } from '../../activities/llm';
import { providerProfile } from '../../activities/llm-provider';
import type { LedgerEntry } from '../../activities/db/entries';
import type { Ledger } from '../../activities/db/ledger';
import { ErrorType } from '../../workflows/types';

const Schema = z.object({ title: z.string().min(3) });

function fakeClient(respond: () => unknown): OpenAI {
  const create = () => ({
    withResponse: async () => ({ data: respond(), response: new Response(null, { headers: { 'x-generation-id': 'gen-header' } }) }),
  });
  return { apiKey: 'sk-test-key-0123456789', chat: { completions: { create } } } as unknown as OpenAI;
}

function recordingLedger(rows: LedgerEntry[]): Ledger {
  return {
    recordLlmCall: async (entry: LedgerEntry) => void rows.push(entry),
    activitySpend: async () => ({ tokens: 0, costUsd: 0 }),
  } as unknown as Ledger;
}

async function call(respond: () => unknown, attempt = 1) {
  const rows: LedgerEntry[] = [];
  const deps: LlmDeps = {
    client: fakeClient(respond),
    ledger: recordingLedger(rows),
    prices: { default: { input: 1, output: 2 } },
    heartbeatIntervalMs: 1_000,
    profile: providerProfile('openrouter'),
  };
  // Failed attempts are the point of these tests; the SDK's warning per failed activity would only be noise.
  const env = new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') });
  const result = await env
    .run(() =>
      callStructured(deps, {
        phase: 'section',
        courseId: '00000000-0000-4000-8000-000000000000',
        sectionIndex: 0,
        models: ['model-a', 'model-b'],
        timeoutMs: 1_000,
        schemaName: 'test',
        schema: Schema,
        buildMessages: () => [{ role: 'user', content: 'hi' }],
      }),
    )
    .then(
      (value) => ({ value: value as { value: unknown; costUsd: number }, error: undefined }),
      (error: Error & { type?: string }) => ({ value: undefined, error }),
    );
  return { ...result, rows };
}

const usage = { prompt_tokens: 10, completion_tokens: 20, cost: 0.0005, completion_tokens_details: { reasoning_tokens: 20 } };

test('an unexpected throw from the client still writes the row', async () => {
  const { error, rows } = await call(() => {
    throw new TypeError("Cannot read properties of undefined (reading '0')");
  });
  expect(error?.type).toBe(ErrorType.LLM_UNAVAILABLE);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ outcome: ErrorType.LLM_UNAVAILABLE, model: 'model-a', promptTokens: 0, streamed: false });
});

test('a 200 error body without choices: classified, accounted for, no TypeError', async () => {
  const { error, rows } = await call(() => ({ error: { code: 502, message: 'Provider returned error', metadata: { raw: 'boom' } } }));
  expect(error?.type).toBe(ErrorType.LLM_UNAVAILABLE);
  expect(rows).toHaveLength(1);
  expect(rows[0].errorMessage).toContain('upstream said: boom');
});

test('a failed answer that reported usage keeps its tokens and the provider cost in the row', async () => {
  const { error, rows } = await call(() => ({
    model: 'model-a',
    provider: 'P',
    choices: [{ message: { content: '{"title": "Cut o' }, finish_reason: 'error' }],
    usage,
  }));
  expect(error?.type).toBe(ErrorType.LLM_UNAVAILABLE);
  expect(rows[0]).toMatchObject({ promptTokens: 10, completionTokens: 20, costUsd: 0.0005, costSource: 'provider', provider: 'P' });
});

test('an answer only in reasoning is used when it is the whole valid answer, and the row says so', async () => {
  const { value, rows } = await call(() => ({
    id: 'gen-body',
    model: 'model-a:free',
    provider: 'P',
    choices: [{ message: { content: null, reasoning: '{"title": "Negotiation"}' }, finish_reason: 'stop' }],
    usage,
  }));
  expect(value?.value).toEqual({ title: 'Negotiation' });
  expect(value?.costUsd).toBe(0.0005);
  expect(rows[0]).toMatchObject({
    outcome: 'ok',
    answerSource: 'reasoning',
    servedModel: 'model-a:free',
    generationId: 'gen-header',
    reasoningTokens: 20,
  });
});

test('reasoning that only contains JSON among thoughts fails the attempt', async () => {
  const { error, rows } = await call(() => ({
    choices: [{ message: { content: '', reasoning: 'Let me think. {"title": "Negotiation"} looks right.' }, finish_reason: 'stop' }],
  }));
  expect(error?.type).toBe(ErrorType.LLM_OUTPUT_INVALID);
  expect(error?.message).toContain('message.reasoning');
  expect(rows[0].answerSource).toBeNull();
});

test('without usage.cost the served model is priced; a refusal on the last model of the ladder is final', async () => {
  const { error, rows } = await call(
    () => ({ model: 'model-b', choices: [{ message: { refusal: 'No.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1_000_000, completion_tokens: 0 } }),
    2,
  );
  expect(error?.type).toBe(ErrorType.LLM_CONTENT_REFUSED);
  expect((error as { nonRetryable?: boolean }).nonRetryable).toBe(true);
  expect(rows[0]).toMatchObject({ model: 'model-b', costUsd: 1, costSource: 'price_table' });
});
