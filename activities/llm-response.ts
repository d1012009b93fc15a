// Classifies a chat-completion body before anything parses it. A 200 is not an answer: OpenRouter documents that
// errors raised after the model started come back as a 200 whose body is `{ error }` ("Errors and Debugging"), a
// provider that disconnected mid-answer ends with finish_reason "error" and the partial text in `content`,
// reasoning models may put everything in `message.reasoning` ("Reasoning Tokens"), and OpenAI-style refusals arrive
// in `message.refusal`. Only finish_reason "stop" with text is an answer; everything else is a typed failure of the
// attempt, so that no answer a provider marked incomplete is ever repaired into course content.
import type { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../workflows/types';
import {
  contentRefused,
  fromProviderError,
  numericCode,
  providerErrorInfo,
  providerFailure,
  safeProviderMessage,
  type LlmErrorContext,
} from './llm-errors';

/** What the provider reported about a call, whatever the call's outcome: the ledger's columns. */
export interface ProviderReport {
  /** `model` of the response: OpenRouter names the model that actually served, which can differ from the request. */
  servedModel: string | null;
  /** OpenRouter's `provider` (the upstream that served, e.g. "DeepInfra"). */
  provider: string | null;
  /** The generation id (`id` of the body, or OpenRouter's X-Generation-Id header). */
  generationId: string | null;
  promptTokens: number;
  completionTokens: number;
  /** usage.completion_tokens_details.reasoning_tokens ("Usage Accounting"). */
  reasoningTokens: number | null;
  /** usage.prompt_tokens_details.cached_tokens. */
  cachedTokens: number | null;
  /** usage.cost: what OpenRouter billed, in USD (credits). */
  providerCost: number | null;
}

export type Classified =
  | { ok: true; text: string; source: 'content' | 'reasoning' }
  | { ok: false; failure: ApplicationFailure };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const count = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : null;

export function emptyReport(): ProviderReport {
  return {
    servedModel: null,
    provider: null,
    generationId: null,
    promptTokens: 0,
    completionTokens: 0,
    reasoningTokens: null,
    cachedTokens: null,
    providerCost: null,
  };
}

/** Reads what the body reports, defensively: any field may be missing or of the wrong type. */
export function readProviderReport(body: unknown, generationIdHeader?: string | null): ProviderReport {
  const report = emptyReport();
  report.generationId = str(generationIdHeader) ?? null;
  if (!isObject(body)) return report;
  report.servedModel = str(body.model);
  report.provider = str(body.provider);
  report.generationId ??= str(body.id);
  const usage = isObject(body.usage) ? body.usage : {};
  report.promptTokens = count(usage.prompt_tokens) ?? 0;
  report.completionTokens = count(usage.completion_tokens) ?? 0;
  report.reasoningTokens = isObject(usage.completion_tokens_details) ? count(usage.completion_tokens_details.reasoning_tokens) : null;
  report.cachedTokens = isObject(usage.prompt_tokens_details) ? count(usage.prompt_tokens_details.cached_tokens) : null;
  report.providerCost = typeof usage.cost === 'number' && Number.isFinite(usage.cost) && usage.cost >= 0 ? usage.cost : null;
  return report;
}

/**
 * The answer text of a completion body, or the typed failure it amounts to. `context` names the model and phase
 * for the message and says whether a refusal may still move to another model.
 */
export function classifyCompletion(body: unknown, context: LlmErrorContext): Classified {
  const fail = (type: ErrorType, summary: string, detail?: string): Classified => ({
    ok: false,
    failure: providerFailure(type, summary, context, null, { detail }),
  });
  if (!isObject(body)) return fail(ErrorType.LLM_UNAVAILABLE, 'returned a body that is not a chat completion');

  // A 200 whose body is an error: the model started, then the provider failed. Typed by its code like a status.
  if (body.error !== undefined && body.error !== null) {
    const info = providerErrorInfo(body.error, 'provider returned an error');
    return { ok: false, failure: fromProviderError(numericCode((body.error as Json)?.code) ?? 502, info, context, 'in a 200 response') };
  }
  if (!Array.isArray(body.choices) || body.choices.length === 0) {
    return fail(ErrorType.LLM_UNAVAILABLE, 'returned no choices');
  }
  const choice = body.choices[0];
  if (!isObject(choice)) return fail(ErrorType.LLM_UNAVAILABLE, 'returned a malformed choice');
  if (choice.error !== undefined && choice.error !== null) {
    const info = providerErrorInfo(choice.error, 'provider returned an error');
    return { ok: false, failure: fromProviderError(numericCode((choice.error as Json)?.code) ?? 502, info, context, 'in choices[0]') };
  }

  const message = isObject(choice.message) ? choice.message : {};
  const refusal = str(message.refusal);
  if (refusal) return { ok: false, failure: contentRefused('refused to answer', context, null, safeProviderMessage(refusal, context.secrets)) };

  const finish = choice.finish_reason;
  switch (finish) {
    case 'stop':
      break;
    case 'length':
      return fail(ErrorType.LLM_OUTPUT_INVALID, 'answer was cut off at the token limit (finish_reason=length)');
    case 'error':
      // A provider that disconnected mid-answer: `content` holds a prefix that JSON repair would happily close.
      return fail(ErrorType.LLM_UNAVAILABLE, 'stopped with an error mid-answer (finish_reason=error); the partial answer was discarded');
    case 'content_filter':
      return { ok: false, failure: contentRefused('withheld the answer (finish_reason=content_filter)', context, null) };
    case null:
    case undefined:
      return fail(ErrorType.LLM_UNAVAILABLE, 'ended without a finish_reason; the answer may be incomplete');
    default:
      return fail(ErrorType.LLM_OUTPUT_INVALID, `ended with finish_reason=${safeProviderMessage(String(finish), [], 40)} instead of an answer`);
  }

  const content = typeof message.content === 'string' ? message.content : null;
  if (content !== null && content.trim() !== '') return { ok: true, text: content, source: 'content' };
  // Some reasoning models behind OpenRouter answer in `reasoning` with `content` null or empty. The caller accepts it
  // only when the reasoning is itself the whole valid answer (llm.ts), never JSON fished out of thoughts.
  const reasoning = str(message.reasoning);
  if (reasoning && reasoning.trim() !== '') return { ok: true, text: reasoning, source: 'reasoning' };
  return fail(ErrorType.LLM_OUTPUT_INVALID, 'answered with empty content');
}
