// Named activity option profiles. Every number carries its reason; the LLM timeouts come from the worker's
// configuration (read once through loadSettingsActivity) so operators can size them to their provider.
import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/common';
import { NON_RETRYABLE_ERROR_TYPES, type GenerationSettings, type QualityJudgeSettings } from './types';

/**
 * RT-004: three attempts, exponential backoff 1 s → 2 s (→ 4 s cap). The activity picks its model from the attempt
 * number, so each retry escalates to the next model of the ladder: more attempts than models would only repeat
 * the strongest one. Non-retryable types (auth, payment, validation) fail at once. LLM_CONTENT_REFUSED is not in
 * the list: it is retryable so the next attempt asks the next model, and the activity itself marks it
 * non-retryable once the ladder is exhausted (a further attempt would ask the model that refused).
 */
const LLM_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '4s',
  maximumAttempts: 3,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

/**
 * A cancelled run waits for its in-flight LLM calls to stop (they abort their HTTP request on the next heartbeat
 * and write a CANCELLED ledger row) before it closes: no call keeps spending after an operator said stop.
 */
const WAIT_FOR_CANCELLED_CALLS = { cancellationType: 'WAIT_CANCELLATION_COMPLETED' } as const;

export function llmMetadataOptions(settings: GenerationSettings): ActivityOptions {
  return {
    ...WAIT_FOR_CANCELLED_CALLS,
    startToCloseTimeout: settings.metadataActivityTimeoutMs,
    // The activity heartbeats every few seconds while it waits for the model, so a lost worker's call is retried
    // after this timeout instead of after the whole start-to-close.
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    retry: LLM_RETRY,
  };
}

/**
 * METADATA_ROUTING=hybrid, support half: its own stub and retry policy, so its failures escalate on its own ladder
 * (LLM_METADATA_SUPPORT_MODELS) and never re-run the critical call. Same timeouts: it answers a metadata prompt.
 */
export function llmMetadataSupportOptions(settings: GenerationSettings): ActivityOptions {
  return { ...llmMetadataOptions(settings), retry: { ...LLM_RETRY } };
}

export function llmSectionOptions(settings: GenerationSettings): ActivityOptions {
  return {
    ...WAIT_FOR_CANCELLED_CALLS,
    startToCloseTimeout: settings.sectionActivityTimeoutMs,
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    retry: LLM_RETRY,
  };
}

/**
 * The quality judge: one short structured answer per section, the LLM retry shape (each attempt the next model of
 * LLM_JUDGE_MODELS). Its start-to-close is the judge's own HTTP timeout plus the activity margin.
 */
export function llmJudgeOptions(settings: GenerationSettings, judge: QualityJudgeSettings): ActivityOptions {
  return {
    ...WAIT_FOR_CANCELLED_CALLS,
    startToCloseTimeout: judge.activityTimeoutMs,
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    retry: LLM_RETRY,
  };
}

/** Before the settings are read (a failure that early), the worker's default heartbeat timeout applies. */
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 20_000;

/**
 * Embeddings for quality validation: short calls, the same retry shape (the model does not change). These
 * activities heartbeat too, so a lost worker's attempt is retried after the heartbeat timeout.
 */
export function qualityOptions(settings: GenerationSettings): ActivityOptions {
  return {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    retry: { ...LLM_RETRY, maximumInterval: '10s' },
  };
}

/**
 * PostgreSQL work (assembly, sanitising, commit, failure records). A database outage should delay the run, not
 * fail it: keep retrying with backoff capped at 30 s for about ten minutes of outage before giving up.
 */
export function databaseOptions(settings?: GenerationSettings): ActivityOptions {
  return {
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: settings?.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: 25,
      nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
    },
  };
}

/** Settings and ledger reads are fast, local to the worker, and recorded in history once. */
export const localOptions: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5 },
};
