// OpenAI-compatible structured calls: model chosen from the ladder by the activity's attempt number, the SDK's
// own retries off (Temporal owns retrying), heartbeats while waiting (with the tokens streamed so far), the
// response classified before it is parsed (llm-response.ts), and every HTTP call written to the ledger whatever
// happens — the write sits in a `finally`, so even an unexpected throw leaves its row (in the worker's spool when
// PostgreSQL is unreachable: db/ledger.ts, db/spool.ts).
import { Context } from '@temporalio/activity';
import { currentRun } from './current-run';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { ErrorType, type LlmPhase } from '../workflows/types';
import { llmOutputInvalid, toLlmFailure, type LlmErrorContext } from './llm-errors';
import { parseLlmOutput } from './llm-output';
import { providerProfile, responseFormatFor, type ProviderKind, type ProviderProfile } from './llm-provider';
import { classifyCompletion, emptyReport, readProviderReport, type ProviderReport } from './llm-response';
import { streamCompletion, type RawCompletion, type StreamProgress } from './llm-stream';
import { computeCostUsd, type PriceTable } from './pricing';
import { isDatabaseUnreachable } from './db/database';
import type { Ledger } from './db/ledger';

export { responseFormatFor };

export interface LlmClientConfig {
  baseURL: string;
  apiKey: string;
  heartbeatIntervalMs: number;
}

export function createOpenAiClient(config: { baseURL: string; apiKey: string; provider?: ProviderKind; appUrl?: string }): OpenAI {
  const headers = config.provider ? providerProfile(config.provider, { appUrl: config.appUrl }).headers : {};
  // maxRetries 0: a retry inside the SDK would hide the attempt from Temporal, the ledger and the model ladder.
  return new OpenAI({ baseURL: config.baseURL, apiKey: config.apiKey, maxRetries: 0, defaultHeaders: headers });
}

/** attempt 1 → first model; later attempts escalate; past the end of the ladder, stay on the last model. */
export function modelForAttempt(models: string[], attempt: number): string {
  return models[Math.min(Math.max(attempt, 1), models.length) - 1];
}

export interface StructuredCallRequest<T> {
  phase: LlmPhase;
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
  /**
   * PostgreSQL could not be reached for the earlier attempts' spend: tokens and cost are this call's alone. The
   * answer is valid; a caller that keeps it (a draft) still fails the attempt, so the next one reports the spend.
   */
  spendUnknown?: true;
}

export interface LlmDeps {
  client: OpenAI;
  ledger: Ledger;
  prices: PriceTable;
  heartbeatIntervalMs: number;
  /** What the endpoint needs in a request; the generic profile when absent. */
  profile?: ProviderProfile;
  /** Stream answers (LLM_STREAM). */
  stream?: boolean;
  /** A streamed attempt that receives nothing for this long fails (LLM_STREAM_IDLE_TIMEOUT_MS). */
  streamIdleTimeoutMs?: number;
}

const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 30_000;

/** The attempt fails after all (retryable): its answer could be used, but the spend it reports could not be read. */
export function spendUnreadable(): ApplicationFailure {
  return ApplicationFailure.create({
    message: 'PostgreSQL unreachable: the answer is kept, the spend of the earlier attempts could not be read',
    type: ErrorType.DATABASE_ERROR,
  });
}

export async function callStructured<T>(deps: LlmDeps, request: StructuredCallRequest<T>): Promise<StructuredCallResult<T>> {
  const context = Context.current();
  const { attempt, activityId } = context.info;
  const workflowExecution = currentRun();
  const model = modelForAttempt(request.models, attempt);
  const profile = deps.profile ?? providerProfile('generic');
  const streamed = deps.stream === true;
  const errorContext: LlmErrorContext = {
    model,
    phase: request.phase,
    secrets: [deps.client.apiKey],
    lastModel: attempt >= request.models.length,
  };

  let progress: StreamProgress | undefined;
  const beat = () => context.heartbeat(progress ? { model, attempt, streamed: progress } : { model, attempt });
  const heartbeat = setInterval(beat, deps.heartbeatIntervalMs);
  const started = Date.now();
  let report: ProviderReport = emptyReport();
  let outcome: string = ErrorType.UNEXPECTED_ERROR;
  let errorMessage: string | null = 'the call ended before it was classified';
  let answerSource: 'content' | 'reasoning' | null = null;
  try {
    beat();
    const params = {
      model,
      messages: request.buildMessages(attempt),
      ...profile.requestFields(request.schemaName, request.schema),
    };
    let raw: RawCompletion;
    if (streamed) {
      raw = await streamCompletion(deps.client, { ...params, ...profile.streamFields }, {
        timeoutMs: request.timeoutMs,
        idleTimeoutMs: deps.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
        signal: context.cancellationSignal,
        context: errorContext,
        onProgress: (next) => {
          progress = next;
        },
      });
    } else {
      const { data, response } = await deps.client.chat.completions
        .create(params as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming, {
          timeout: request.timeoutMs,
          signal: context.cancellationSignal,
        })
        .withResponse();
      raw = { body: data as unknown, generationId: response.headers.get('x-generation-id') };
    }
    report = readProviderReport(raw.body, raw.generationId);

    const classified = classifyCompletion(raw.body, errorContext);
    if (!classified.ok) throw classified.failure;
    const parsed = parseLlmOutput(classified.text, request.schema);
    // An answer found only in `reasoning` is used when the reasoning is exactly that answer — valid as it stands,
    // nothing extracted or repaired — and the ledger says so; thoughts that merely contain JSON fail the attempt.
    const usable = parsed.ok && (classified.source === 'content' || parsed.repairs.length === 0);
    if (!usable) {
      const problems = parsed.ok ? [`the answer was only in message.reasoning and needed repairs (${parsed.repairs.join(', ')})`] : parsed.problems;
      const where = classified.source === 'reasoning' ? ' (in message.reasoning, content empty)' : '';
      throw llmOutputInvalid(`${model} answered with unusable JSON${where}: ${problems.slice(0, 3).join('; ')}`, {
        model,
        phase: request.phase,
        problems,
      });
    }
    answerSource = classified.source;
    outcome = 'ok';
    errorMessage = null;
    // The answer is paid for and valid: a database outage must not throw it away (the caller may keep it).
    const spendBefore = await deps.ledger.activitySpend(workflowExecution.runId, activityId).catch((error: unknown) => {
      if (isDatabaseUnreachable(error)) return null;
      throw error;
    });
    const cost = costOf(deps.prices, model, report);
    return {
      value: parsed.value,
      model,
      attempt,
      repairs: parsed.repairs,
      // This call's row is written in `finally`, after the return value is computed: add it here.
      tokens: (spendBefore?.tokens ?? 0) + report.promptTokens + report.completionTokens,
      costUsd: (spendBefore?.costUsd ?? 0) + cost.costUsd,
      ...(spendBefore ? {} : { spendUnknown: true as const }),
    };
  } catch (error) {
    const cancelled = context.cancellationSignal.aborted;
    const failure = cancelled ? null : toLlmFailure(error, errorContext);
    outcome = failure?.type ?? 'CANCELLED';
    errorMessage = failure?.message ?? 'cancelled';
    throw failure ?? new CancelledFailure('Activity cancelled while waiting for the model');
  } finally {
    clearInterval(heartbeat);
    const cost = costOf(deps.prices, model, report);
    await deps.ledger.recordLlmCall({
      courseId: request.courseId,
      workflowId: workflowExecution.workflowId,
      runId: workflowExecution.runId,
      activityId,
      phase: request.phase,
      sectionIndex: request.sectionIndex,
      attempt,
      model,
      promptTokens: report.promptTokens,
      completionTokens: report.completionTokens,
      costUsd: cost.costUsd,
      costSource: report.promptTokens + report.completionTokens > 0 || report.providerCost !== null ? cost.source : null,
      latencyMs: Date.now() - started,
      outcome,
      errorMessage,
      servedModel: report.servedModel,
      provider: report.provider,
      generationId: report.generationId,
      reasoningTokens: report.reasoningTokens,
      cachedTokens: report.cachedTokens,
      answerSource,
      streamed,
    });
  }
}

/** usage.cost when the provider reported it; otherwise the price of the model that actually served (OpenRouter
 * may serve another id than the one asked for), falling back to the requested model's price. */
function costOf(prices: PriceTable, model: string, report: ProviderReport) {
  const priced = report.servedModel && Object.hasOwn(prices, report.servedModel) ? report.servedModel : model;
  return computeCostUsd(prices, priced, report.promptTokens, report.completionTokens, report.providerCost);
}
