// generation_metadata is computed from the ledger, so tokens and cost include failed attempts: what a course
// really cost, not what its successful calls cost.
import type { CommitRequest, GenerationMetadata } from '../workflows/types';
import type { LedgerRow } from './db/ledger';

export function mostFrequent(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? '';
}

export function buildGenerationMetadata(
  ledger: LedgerRow[],
  request: CommitRequest,
  ids: { workflowId: string; runId: string },
  now: Date,
): GenerationMetadata {
  const tokensOf = (phase: string) =>
    ledger.filter((r) => r.phase === phase).reduce((sum, r) => sum + r.promptTokens + r.completionTokens, 0);
  // The support half of METADATA_ROUTING=hybrid is metadata too: total = metadata + sections + validation holds.
  const tokens = {
    metadata: tokensOf('metadata') + tokensOf('metadata_support'),
    sections: tokensOf('section'),
    validation: tokensOf('validation'),
  };
  const support = request.metadataSupportReceipt;
  const perSection = request.sectionReceipts.map((r) => r.model);
  const cost = ledger.reduce((sum, r) => sum + r.costUsd, 0);
  // A reused answer has a ledger row (naming the run that paid for it) but made no call.
  const calls = ledger.filter((r) => r.outcome !== 'reused');
  const reused = [request.metadataReceipt, ...(support ? [support] : []), ...request.sectionReceipts]
    .filter((r) => r.reusedFromRunId)
    .map((r) => ({
      section_number: r.sectionIndex === null ? null : r.sectionIndex + 1,
      from_run_id: r.reusedFromRunId!,
      model: r.model,
      ...(r.part ? { part: r.part } : {}),
    }));
  return {
    model_used: {
      metadata: request.metadataReceipt.model,
      ...(support ? { metadata_support: support.model } : {}),
      sections: mostFrequent(perSection),
      per_section: perSection,
    },
    total_tokens: { ...tokens, total: tokens.metadata + tokens.sections + tokens.validation },
    cost_usd: Math.round(cost * 1e8) / 1e8,
    duration_ms: request.durations,
    quality_scores: {
      metadata_similarity: request.qualityScores.metadata_similarity,
      sections_similarity: request.qualityScores.sections_similarity,
      overall: request.qualityScores.overall,
    },
    quality_backend: request.qualityScores.backend,
    ...(request.judged?.length ? { quality_judged: request.judged } : {}),
    batch_count: request.batchCount,
    retry_count: {
      metadata: request.metadataReceipt.attempt - 1,
      ...(support ? { metadata_support: support.attempt - 1 } : {}),
      sections: request.sectionReceipts.map((r) => r.attempt - 1),
    },
    llm_calls: { total: calls.length, failed: calls.filter((r) => r.outcome !== 'ok').length },
    created_at: now.toISOString(),
    workflow_id: ids.workflowId,
    run_id: ids.runId,
    repairs: request.repairs ?? [],
    patience: request.waits ?? [],
    reused,
  };
}
