// Reading activity failures in the workflow: what an operator should read, and whether waiting can help.
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES, TRANSIENT_ERROR_TYPES } from './types';

export function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause;
  return undefined;
}

/** "TYPE: message" of the innermost application failure, which is what an operator needs to read. */
export function failureSummary(error: unknown): string {
  const failure = applicationFailureOf(error);
  if (failure) return `${failure.type ?? 'Error'}: ${failure.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * True when the provider may answer later: rate limits, outages, timeouts (a lost or hung call) and unusable
 * answers. Auth, payment and validation failures are not: waiting would only delay the same failure.
 */
export function isTransientFailure(error: unknown): boolean {
  const failure = applicationFailureOf(error);
  if (failure) {
    const type = failure.type ?? '';
    return TRANSIENT_ERROR_TYPES.includes(type) && !(NON_RETRYABLE_ERROR_TYPES as string[]).includes(type) && !failure.nonRetryable;
  }
  return error instanceof ActivityFailure && error.cause instanceof TimeoutFailure;
}
