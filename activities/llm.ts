// OpenAI-compatible structured calls: model chosen from the ladder by the activity's attempt number, the SDK's
// own retries off (Temporal owns retrying), heartbeats while waiting, every HTTP call written to the ledger.
import { Context } from '@temporalio/activity';
import { currentRun } from './current-run';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { LlmPhase } from '../workflows/types';
import { llmOutputInvalid, toLlmFailure } from './llm-errors';
import { parseLlmOutput } from './llm-output';
import { computeCostUsd, type PriceTable } from './pricing';
import type { CourseStore } from './store';

export interface LlmClientConfig {
  baseURL: string;
  apiKey: string;
  heartbeatIntervalMs: number;
}

export function createOpenAiClient(config: { baseURL: string; apiKey: string }): OpenAI {
  // maxRetries 0: a retry inside the SDK would hide the attempt from Temporal, the ledger and the model ladder.
  return new OpenAI({ baseURL: config.baseURL, apiKey: config.apiKey, maxRetries: 0 });
}

/** attempt 1 → first model; later attempts escalate; past the end of the ladder, stay on the last model. */
export function modelForAttempt(models: string[], attempt: number): string {
  return models[Math.min(Math.max(attempt, 1), models.length) - 1];
}

export interface StructuredCallRequest<T> {
  phase: Exclude<LlmPhase, 'validation'>;
  courseId: string;
  sectionIndex: number | null;
  models: string[];
  timeoutMs: number;
  schemaName: string;
  schema: z.ZodType<T>;
  buildMessages: (attempt: number) => ChatCompletionMessageParam[];
}

export interface StructuredCallResult<T> {
  value: T;
  model: string;
  attempt: number;
  repairs: string[];
  /** Spend of this activity so far, every attempt included (from the ledger). */
  tokens: number;
  costUsd: number;
}

export interface LlmDeps {
  client: OpenAI;
  store: CourseStore;
  prices: PriceTable;
  heartbeatIntervalMs: number;
}

/** JSON Schema for response_format, generated from the same zod schema that validates the answer. */
export function responseFormatFor(name: string, schema: z.ZodType) {
  const jsonSchema = z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown>;
  delete jsonSchema.$schema;
  return { type: 'json_schema' as const, json_schema: { name, strict: true, schema: jsonSchema } };
}

export async function callStructured<T>(deps: LlmDeps, request: StructuredCallRequest<T>): Promise<StructuredCallResult<T>> {
  const context = Context.current();
  const { attempt, activityId } = context.info;
  const workflowExecution = currentRun();
  const model = modelForAttempt(request.models, attempt);
  const ledgerBase = {
    courseId: request.courseId,
    workflowId: workflowExecution.workflowId,
    runId: workflowExecution.runId,
    activityId,
    phase: request.phase,
    sectionIndex: request.sectionIndex,
    attempt,
    model,
  };

  const heartbeat = setInterval(() => context.heartbeat({ model, attempt }), deps.heartbeatIntervalMs);
  const started = Date.now();
  let response: OpenAI.Chat.Completions.ChatCompletion;
  try {
    context.heartbeat({ model, attempt });
    response = await deps.client.chat.completions.create(
      {
        model,
        messages: request.buildMessages(attempt),
        response_format: responseFormatFor(request.schemaName, request.schema),
      },
      { timeout: request.timeoutMs, signal: context.cancellationSignal },
    );
  } catch (error) {
    const cancelled = context.cancellationSignal.aborted;
    const failure = cancelled ? null : toLlmFailure(error, { model, phase: request.phase, secrets: [deps.client.apiKey] });
    await deps.store.recordLlmCall({
      ...ledgerBase,
      promptTokens: 0,
      completionTokens: 0,
      costUsd: 0,
      costSource: null,
      latencyMs: Date.now() - started,
      outcome: failure?.type ?? 'CANCELLED',
      errorMessage: failure?.message ?? 'cancelled',
    });
    throw failure ?? new CancelledFailure('Activity cancelled while waiting for the model');
  } finally {
    clearInterval(heartbeat);
  }

  const latencyMs = Date.now() - started;
  const usage = response.usage as (OpenAI.CompletionUsage & { cost?: number }) | undefined;
  const promptTokens = usage?.prompt_tokens ?? 0;
  const completionTokens = usage?.completion_tokens ?? 0;
  const { costUsd, source } = computeCostUsd(deps.prices, model, promptTokens, completionTokens, usage?.cost);
  const choice = response.choices[0];
  const parsed =
    choice?.finish_reason === 'length'
      ? { ok: false as const, problems: ['the answer was cut off at the token limit (finish_reason=length)'] }
      : parseLlmOutput(choice?.message?.content ?? '', request.schema);

  const failure: ApplicationFailure | null = parsed.ok
    ? null
    : llmOutputInvalid(`${model} answered with unusable JSON: ${parsed.problems.slice(0, 3).join('; ')}`, {
        model,
        phase: request.phase,
        problems: parsed.problems,
      });
  await deps.store.recordLlmCall({
    ...ledgerBase,
    promptTokens,
    completionTokens,
    costUsd,
    costSource: source,
    latencyMs,
    outcome: failure ? (failure.type ?? 'LLM_OUTPUT_INVALID') : 'ok',
    errorMessage: failure?.message ?? null,
  });
  if (!parsed.ok) throw failure;

  const spend = await deps.store.activitySpend(ledgerBase.runId, activityId);
  return { value: parsed.value, model, attempt, repairs: parsed.repairs, ...spend };
}
