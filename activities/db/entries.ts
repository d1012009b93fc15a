// What a worker writes and must not lose: one ledger entry per LLM or embeddings call (llm_calls) and one draft
// per validated answer (llm_drafts). The ledger and the drafts store them; the spool keeps them while PostgreSQL
// is unreachable.
import type { LlmPhase } from '../../workflows/types';

export interface LedgerEntry {
  courseId: string;
  workflowId: string;
  runId: string;
  activityId: string;
  phase: LlmPhase;
  sectionIndex: number | null;
  attempt: number;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  costSource: string | null;
  latencyMs: number;
  /** 'ok' or the ApplicationFailure type of the call. */
  outcome: string;
  errorMessage: string | null;
  /** What the provider reported (migration 003); null when it said nothing (or for embeddings calls). */
  servedModel?: string | null;
  provider?: string | null;
  generationId?: string | null;
  reasoningTokens?: number | null;
  cachedTokens?: number | null;
  /** 'content', or 'reasoning' when the answer was taken from message.reasoning; null when there was none. */
  answerSource?: 'content' | 'reasoning' | null;
  streamed?: boolean;
}

/** What a stored answer is: the metadata (one call, or a half of METADATA_ROUTING=hybrid) or a section. */
export type DraftKind = 'metadata' | 'metadata_critical' | 'metadata_support' | 'section';

/** A validated answer kept for reuse (llm_drafts). */
export interface DraftEntry {
  runId: string;
  activityId: string;
  workflowId: string;
  courseId: string;
  kind: DraftKind;
  sectionIndex: number | null;
  inputHash: string;
  model: string;
  attempt: number;
  payload: unknown;
}
