// The LLM call ledger (llm_calls): one row per LLM or embeddings HTTP call, failed or not, and what a run or an
// activity has spent. Rows PostgreSQL cannot take because it is unreachable go to the worker's spool.
import type { Database } from './database';
import type { LedgerEntry } from './entries';
import type { Spool } from './spool';

export interface LedgerRow extends LedgerEntry {
  createdAt: string;
}

/** Told of every ledger row the moment it is inserted (never of a duplicate write the unique key ignored). */
export type LlmCallObserver = (entry: LedgerEntry) => void;

export class Ledger {
  private readonly observers: LlmCallObserver[] = [];

  constructor(
    private readonly db: Database,
    private readonly spool: Spool | null = null,
  ) {}

  /**
   * Every ledger row passes through here, so the worker's LLM metrics and logs observe this one place and agree with
   * the ledger exactly. An observer's own failure must never fail the call it describes.
   */
  observe(observer: LlmCallObserver): void {
    this.observers.push(observer);
  }

  /**
   * Idempotent per (run, activity, attempt): a retried write of the same call changes nothing. With a spool, a
   * row PostgreSQL cannot take (unreachable) is spooled and resolves: the call is on record, on this worker's disk.
   */
  async recordLlmCall(entry: LedgerEntry): Promise<void> {
    try {
      await this.insert(entry);
    } catch (error) {
      if (!(await this.spool?.keep({ kind: 'ledger', entry }, error))) throw error;
    }
  }

  /** The row in PostgreSQL, observed once inserted; the spool writes its rows back through here. */
  async insert(entry: LedgerEntry): Promise<void> {
    const result = await this.db.query(
      `INSERT INTO llm_calls (course_id, workflow_id, run_id, activity_id, phase, section_index, attempt, model,
         prompt_tokens, completion_tokens, cost_usd, cost_source, latency_ms, outcome, error_message,
         served_model, provider, generation_id, reasoning_tokens, cached_tokens, answer_source, streamed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
       ON CONFLICT (run_id, activity_id, attempt) DO NOTHING`,
      [
        entry.courseId, entry.workflowId, entry.runId, entry.activityId, entry.phase, entry.sectionIndex,
        entry.attempt, entry.model, entry.promptTokens, entry.completionTokens, entry.costUsd, entry.costSource,
        entry.latencyMs, entry.outcome, entry.errorMessage, entry.servedModel ?? null, entry.provider ?? null,
        entry.generationId ?? null, entry.reasoningTokens ?? null, entry.cachedTokens ?? null, entry.answerSource ?? null,
        entry.streamed ?? false,
      ],
    );
    if (result.rowCount !== 1) return;
    for (const observer of this.observers) {
      try {
        observer(entry);
      } catch {
        // Metrics and logs are best effort; the ledger row is the record.
      }
    }
  }

  /** The ledger row of an answer taken from an earlier run: no tokens, no cost, the paying run named. */
  async recordReusedAnswer(
    entry: Pick<LedgerEntry, 'courseId' | 'workflowId' | 'runId' | 'activityId' | 'phase' | 'sectionIndex' | 'attempt' | 'model'>,
    fromRunId: string,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO llm_calls (course_id, workflow_id, run_id, activity_id, phase, section_index, attempt, model,
         latency_ms, outcome, reused_from_run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 'reused', $9)
       ON CONFLICT (run_id, activity_id, attempt) DO NOTHING`,
      [entry.courseId, entry.workflowId, entry.runId, entry.activityId, entry.phase, entry.sectionIndex, entry.attempt, entry.model, fromRunId],
    );
  }

  /** Every call of one run, in the order they were made. */
  async ofRun(runId: string): Promise<LedgerRow[]> {
    const result = await this.db.query(
      `SELECT course_id, workflow_id, run_id, activity_id, phase, section_index, attempt, model, prompt_tokens,
              completion_tokens, cost_usd::float8 AS cost_usd, cost_source, latency_ms, outcome, error_message, created_at,
              served_model, provider, generation_id, reasoning_tokens, cached_tokens, answer_source, streamed
       FROM llm_calls WHERE run_id = $1 ORDER BY created_at, id`,
      [runId],
    );
    return result.rows.map((r) => ({
      courseId: r.course_id,
      workflowId: r.workflow_id,
      runId: r.run_id,
      activityId: r.activity_id,
      phase: r.phase,
      sectionIndex: r.section_index,
      attempt: r.attempt,
      model: r.model,
      promptTokens: r.prompt_tokens,
      completionTokens: r.completion_tokens,
      costUsd: r.cost_usd,
      costSource: r.cost_source,
      latencyMs: r.latency_ms,
      outcome: r.outcome,
      errorMessage: r.error_message,
      servedModel: r.served_model,
      provider: r.provider,
      generationId: r.generation_id,
      reasoningTokens: r.reasoning_tokens,
      cachedTokens: r.cached_tokens,
      answerSource: r.answer_source,
      streamed: r.streamed,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  /** Tokens and cost of one activity's calls, all attempts (so a receipt includes failed attempts). */
  async activitySpend(runId: string, activityId: string): Promise<{ tokens: number; costUsd: number }> {
    await this.spool?.flush();
    const result = await this.db.query(
      `SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0)::int AS tokens, COALESCE(SUM(cost_usd), 0)::float8 AS cost
       FROM llm_calls WHERE run_id = $1 AND activity_id = $2`,
      [runId, activityId],
    );
    // Rows the flush above could not write yet (a row PostgreSQL refused stays spooled) still count.
    const pending = this.spool?.ledgerOf(runId, activityId) ?? [];
    return {
      tokens: result.rows[0].tokens + pending.reduce((sum, e) => sum + e.promptTokens + e.completionTokens, 0),
      costUsd: result.rows[0].cost + pending.reduce((sum, e) => sum + e.costUsd, 0),
    };
  }

  /** Attempts of one activity that ended in a rate limit or a timeout: what adaptive concurrency reacts to. */
  async throttledAttempts(runId: string, activityId: string): Promise<number> {
    const result = await this.db.query(
      `SELECT COUNT(*)::int AS n FROM llm_calls
       WHERE run_id = $1 AND activity_id = $2 AND outcome IN ('LLM_RATE_LIMITED', 'LLM_TIMEOUT')`,
      [runId, activityId],
    );
    return result.rows[0].n;
  }

  async spentCost(runId: string): Promise<number> {
    const result = await this.db.query('SELECT COALESCE(SUM(cost_usd), 0)::float8 AS cost FROM llm_calls WHERE run_id = $1', [
      runId,
    ]);
    return result.rows[0].cost;
  }
}
