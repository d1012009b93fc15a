// PostgreSQL: migrations, generation artifacts, the LLM call ledger and the atomic course commit. Every failure
// leaves as a retryable DATABASE_ERROR so an outage delays a run (Temporal retries) instead of failing it.
import { ApplicationFailure } from '@temporalio/common';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Pool, type PoolClient } from 'pg';
import { ErrorType, type LlmPhase } from '../workflows/types';
import type { Spool, SpoolKind } from './spool';

const MIGRATIONS_DIR = path.join(__dirname, '..', 'migrations');
/** Any constant works; it serialises concurrent migrators (several workers starting at once). */
const MIGRATION_LOCK_KEY = 531_105;

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

export interface LedgerRow extends LedgerEntry {
  createdAt: string;
}

/** What a stored answer is: the metadata (one call, or a half of METADATA_ROUTING=hybrid) or a section. */
export type DraftKind = 'metadata' | 'metadata_critical' | 'metadata_support' | 'section';

export interface ArtifactKey {
  runId: string;
  kind: DraftKind | 'course_structure' | 'input';
  sectionIndex?: number;
}

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

export interface CourseRow {
  course_id: string;
  course_title: string;
  generation_status: string;
  failed_phase: string | null;
  error_type: string | null;
  error_message: string | null;
  course_structure: unknown;
  generation_metadata: unknown;
  generation_input: unknown;
  workflow_id: string;
  run_id: string;
  updated_at: string;
}

/** Told of every ledger row the moment it is inserted (never of a duplicate write the unique key ignored). */
export type LlmCallObserver = (entry: LedgerEntry) => void;

/** Told when entries go to the worker's spool (PostgreSQL unreachable) and when they reach PostgreSQL from it. */
export type SpoolObserver = (event: { action: 'spooled' | 'flushed' | 'rejected'; kind: SpoolKind; count: number; depth: { ledger: number; drafts: number }; reason?: string }) => void;

export class CourseStore {
  private readonly llmCallObservers: LlmCallObserver[] = [];
  private readonly spoolObservers: SpoolObserver[] = [];
  private spool: Spool | null = null;

  constructor(private readonly pool: Pool) {}

  static fromUrl(databaseUrl: string): CourseStore {
    // Small pool: activities hold a connection for milliseconds; a burst of sections needs a handful at most.
    const pool = new Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 5_000 });
    // An idle client dropped by the server (restart, outage) must not crash the worker process.
    pool.on('error', () => undefined);
    return new CourseStore(pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Applies migrations/*.sql in name order, each once, under an advisory lock. Returns the names applied now. */
  async migrate(): Promise<string[]> {
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
    return this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set((await client.query('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
      const applied: string[] = [];
      for (const file of files.filter((f) => !done.has(f))) {
        await client.query(await readFile(path.join(MIGRATIONS_DIR, file), 'utf8'));
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        applied.push(file);
      }
      return applied;
    });
  }

  async saveArtifact(
    key: ArtifactKey & { workflowId: string; courseId: string; model?: string; attempt?: number },
    payload: unknown,
  ): Promise<void> {
    await this.query(
      `INSERT INTO generation_artifacts (run_id, kind, section_index, workflow_id, course_id, model, attempt, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (run_id, kind, section_index)
       DO UPDATE SET payload = EXCLUDED.payload, model = EXCLUDED.model, attempt = EXCLUDED.attempt, created_at = now()`,
      [key.runId, key.kind, key.sectionIndex ?? -1, key.workflowId, key.courseId, key.model ?? null, key.attempt ?? null, payload],
    );
  }

  async loadArtifact<T>(key: ArtifactKey): Promise<T> {
    const result = await this.query(
      'SELECT payload FROM generation_artifacts WHERE run_id = $1 AND kind = $2 AND section_index = $3',
      [key.runId, key.kind, key.sectionIndex ?? -1],
    );
    if (result.rowCount === 0) {
      throw ApplicationFailure.nonRetryable(
        `Missing ${key.kind} artifact${key.sectionIndex !== undefined ? ` for section ${key.sectionIndex + 1}` : ''} of run ${key.runId}`,
        ErrorType.DATABASE_ERROR,
      );
    }
    return result.rows[0].payload as T;
  }

  /**
   * Every ledger row passes through here, so the worker's LLM metrics and logs observe this one place and agree with
   * the ledger exactly. An observer's own failure must never fail the call it describes.
   */
  observeLlmCalls(observer: LlmCallObserver): void {
    this.llmCallObservers.push(observer);
  }

  /**
   * From now on, a ledger row or a draft that PostgreSQL cannot take because it is unreachable (not because it
   * refused the row) is kept in `spool` instead, and flushed back by flushSpool (before each activity's first
   * read and on the worker's timer).
   */
  useSpool(spool: Spool): void {
    this.spool = spool;
  }

  observeSpool(observer: SpoolObserver): void {
    this.spoolObservers.push(observer);
  }

  spoolDepth(): { ledger: number; drafts: number } | null {
    return this.spool?.depth() ?? null;
  }

  /** Writes the spooled entries to PostgreSQL (idempotent); what it cannot write stays spooled. Never throws. */
  async flushSpool(): Promise<{ ledger: number; drafts: number; error?: unknown }> {
    if (!this.spool) return { ledger: 0, drafts: 0 };
    const result = await this.spool.flush({
      ledger: (entry) => this.insertLlmCall(entry),
      draft: (draft) => this.insertDraft(draft),
      unreachable: isDatabaseUnreachable,
    });
    if (result.ledger > 0) this.notifySpool('flushed', 'ledger', result.ledger);
    if (result.drafts > 0) this.notifySpool('flushed', 'draft', result.drafts);
    for (const { file, reason } of result.rejected ?? []) this.notifySpool('rejected', file.startsWith('ledger') ? 'ledger' : 'draft', 1, `${file}: ${reason}`);
    return result;
  }

  /** For health checks: resolves when PostgreSQL answers a trivial query. */
  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  /**
   * Idempotent per (run, activity, attempt): a retried write of the same call changes nothing. With a spool, a
   * row PostgreSQL cannot take (unreachable) is spooled and resolves: the call is on record, on this worker's disk.
   */
  async recordLlmCall(entry: LedgerEntry): Promise<void> {
    try {
      await this.insertLlmCall(entry);
    } catch (error) {
      if (!(await this.spooled(error, 'ledger', () => this.spool!.putLedger(entry)))) throw error;
    }
  }

  private async insertLlmCall(entry: LedgerEntry): Promise<void> {
    const result = await this.query(
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
    for (const observer of this.llmCallObservers) {
      try {
        observer(entry);
      } catch {
        // Metrics and logs are best effort; the ledger row is the record.
      }
    }
  }

  /** Idempotent per (run, activity): a retried save of the same answer changes nothing. Spooled like a ledger row. */
  async saveDraft(draft: DraftEntry): Promise<void> {
    try {
      await this.insertDraft(draft);
    } catch (error) {
      if (!(await this.spooled(error, 'draft', () => this.spool!.putDraft(draft)))) throw error;
    }
  }

  /** Spools with `put` when the failure is PostgreSQL being unreachable and a spool is in use; false otherwise. */
  private async spooled(error: unknown, kind: SpoolKind, put: () => Promise<void>): Promise<boolean> {
    if (!this.spool || !isDatabaseUnreachable(error)) return false;
    await put();
    this.notifySpool('spooled', kind, 1, error instanceof Error ? error.message : String(error));
    return true;
  }

  private notifySpool(action: 'spooled' | 'flushed' | 'rejected', kind: SpoolKind, count: number, reason?: string): void {
    const depth = this.spool!.depth();
    for (const observer of this.spoolObservers) {
      try {
        observer({ action, kind, count, depth, ...(reason ? { reason } : {}) });
      } catch {
        // Metrics and logs are best effort; the spool file is the record.
      }
    }
  }

  private async insertDraft(draft: DraftEntry): Promise<void> {
    await this.query(
      `INSERT INTO llm_drafts (run_id, activity_id, workflow_id, course_id, kind, section_index, input_hash, model, attempt, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (run_id, activity_id) DO NOTHING`,
      [
        draft.runId, draft.activityId, draft.workflowId, draft.courseId, draft.kind, draft.sectionIndex ?? -1,
        draft.inputHash, draft.model, draft.attempt, draft.payload,
      ],
    );
  }

  /** The answer an earlier attempt of this very activity stored (the worker died before reporting it), if any. */
  async draftOfActivity(runId: string, activityId: string): Promise<DraftEntry | null> {
    await this.flushSpool();
    const spooled = this.spool?.draft(runId, activityId);
    if (spooled) return spooled;
    const result = await this.query('SELECT * FROM llm_drafts WHERE run_id = $1 AND activity_id = $2', [runId, activityId]);
    return result.rows[0] ? draftFromRow(result.rows[0]) : null;
  }

  /** The newest unrejected draft of another run of the course produced from the same inputs, if any. */
  async reusableDraft(key: {
    courseId: string;
    kind: DraftKind;
    sectionIndex: number | null;
    inputHash: string;
    excludeRunId: string;
  }): Promise<DraftEntry | null> {
    const result = await this.query(
      `SELECT * FROM llm_drafts
       WHERE course_id = $1 AND kind = $2 AND section_index = $3 AND input_hash = $4 AND run_id <> $5 AND NOT rejected
       ORDER BY created_at DESC LIMIT 1`,
      [key.courseId, key.kind, key.sectionIndex ?? -1, key.inputHash, key.excludeRunId],
    );
    return result.rows[0] ? draftFromRow(result.rows[0]) : null;
  }

  /** Marks every draft of one section's inputs as rejected (about to be repaired): no later run reuses them. */
  async rejectDrafts(courseId: string, sectionIndex: number, inputHash: string): Promise<void> {
    await this.query(
      `UPDATE llm_drafts SET rejected = true
       WHERE course_id = $1 AND kind = 'section' AND section_index = $2 AND input_hash = $3 AND NOT rejected`,
      [courseId, sectionIndex, inputHash],
    );
  }

  /** The ledger row of an answer taken from an earlier run: no tokens, no cost, the paying run named. */
  async recordReusedAnswer(
    entry: Pick<LedgerEntry, 'courseId' | 'workflowId' | 'runId' | 'activityId' | 'phase' | 'sectionIndex' | 'attempt' | 'model'>,
    fromRunId: string,
  ): Promise<void> {
    await this.query(
      `INSERT INTO llm_calls (course_id, workflow_id, run_id, activity_id, phase, section_index, attempt, model,
         latency_ms, outcome, reused_from_run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 'reused', $9)
       ON CONFLICT (run_id, activity_id, attempt) DO NOTHING`,
      [entry.courseId, entry.workflowId, entry.runId, entry.activityId, entry.phase, entry.sectionIndex, entry.attempt, entry.model, fromRunId],
    );
  }

  async ledger(runId: string): Promise<LedgerRow[]> {
    const result = await this.query(
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
    await this.flushSpool();
    const result = await this.query(
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
    const result = await this.query(
      `SELECT COUNT(*)::int AS n FROM llm_calls
       WHERE run_id = $1 AND activity_id = $2 AND outcome IN ('LLM_RATE_LIMITED', 'LLM_TIMEOUT')`,
      [runId, activityId],
    );
    return result.rows[0].n;
  }

  async spentCost(runId: string): Promise<number> {
    const result = await this.query('SELECT COALESCE(SUM(cost_usd), 0)::float8 AS cost FROM llm_calls WHERE run_id = $1', [
      runId,
    ]);
    return result.rows[0].cost;
  }

  /** One transaction: the course row is inserted or replaced whole, so re-running a commit never duplicates. */
  async commitCourse(row: {
    courseId: string;
    courseTitle: string;
    structure: unknown;
    metadata: unknown;
    input: unknown;
    workflowId: string;
    runId: string;
  }): Promise<void> {
    await this.transaction(async (client) => {
      await client.query(
        `INSERT INTO courses (course_id, course_title, generation_status, course_structure, generation_metadata,
           generation_input, workflow_id, run_id)
         VALUES ($1, $2, 'completed', $3, $4, $5, $6, $7)
         ON CONFLICT (course_id) DO UPDATE SET
           course_title = EXCLUDED.course_title, generation_status = 'completed', failed_phase = NULL,
           error_type = NULL, error_message = NULL, course_structure = EXCLUDED.course_structure,
           generation_metadata = EXCLUDED.generation_metadata, generation_input = EXCLUDED.generation_input,
           workflow_id = EXCLUDED.workflow_id, run_id = EXCLUDED.run_id, updated_at = now()`,
        [row.courseId, row.courseTitle, row.structure, row.metadata, row.input, row.workflowId, row.runId],
      );
    });
  }

  /**
   * Read-modify-write of a committed course under a row lock, in one transaction: concurrent section
   * regenerations of the same course never overwrite each other's sections.
   */
  async updateCommittedCourse(
    courseId: string,
    change: (row: CourseRow) => { structure: unknown; metadata: unknown },
  ): Promise<void> {
    await this.transaction(async (client) => {
      const result = await client.query('SELECT * FROM courses WHERE course_id = $1 FOR UPDATE', [courseId]);
      const row = result.rows[0] as CourseRow | undefined;
      if (!row || row.generation_status !== 'completed') {
        throw ApplicationFailure.nonRetryable(`Course ${courseId} has no committed structure`, ErrorType.VALIDATION_FAILED);
      }
      const next = change(row);
      await client.query(
        'UPDATE courses SET course_structure = $2, generation_metadata = $3, updated_at = now() WHERE course_id = $1',
        [courseId, next.structure, next.metadata],
      );
    });
  }

  /** The latest run's failure; a previously committed structure stays as it was. */
  async recordFailure(row: {
    courseId: string;
    courseTitle: string;
    status: 'failed' | 'cancelled';
    phase: string;
    errorType: string;
    message: string;
    workflowId: string;
    runId: string;
  }): Promise<void> {
    await this.query(
      `INSERT INTO courses (course_id, course_title, generation_status, failed_phase, error_type, error_message,
         workflow_id, run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (course_id) DO UPDATE SET
         generation_status = EXCLUDED.generation_status, failed_phase = EXCLUDED.failed_phase,
         error_type = EXCLUDED.error_type, error_message = EXCLUDED.error_message,
         workflow_id = EXCLUDED.workflow_id, run_id = EXCLUDED.run_id, updated_at = now()`,
      [row.courseId, row.courseTitle, row.status, row.phase, row.errorType, row.message.slice(0, 4000), row.workflowId, row.runId],
    );
  }

  async getCourse(courseId: string): Promise<CourseRow | null> {
    const result = await this.query('SELECT * FROM courses WHERE course_id = $1', [courseId]);
    return (result.rows[0] as CourseRow | undefined) ?? null;
  }

  private async query(sql: string, params: unknown[] = []) {
    try {
      return await this.pool.query(sql, params);
    } catch (error) {
      throw asDatabaseFailure(error);
    }
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asDatabaseFailure(error);
    }
    // A checked-out client has no pool listener: without this one, a connection lost mid-transaction is an
    // unhandled 'error' event that kills the worker process. The failing query rejects on its own.
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (!lost) await client.query('ROLLBACK').catch(() => undefined);
      throw asDatabaseFailure(error);
    } finally {
      client.off('error', onError);
      // A broken connection is destroyed instead of going back to the pool.
      client.release(lost);
    }
  }
}

function draftFromRow(r: Record<string, unknown>): DraftEntry {
  return {
    runId: r.run_id as string,
    activityId: r.activity_id as string,
    workflowId: r.workflow_id as string,
    courseId: r.course_id as string,
    kind: r.kind as DraftKind,
    sectionIndex: (r.section_index as number) < 0 ? null : (r.section_index as number),
    inputHash: r.input_hash as string,
    model: r.model as string,
    attempt: r.attempt as number,
    payload: r.payload,
  };
}

function asDatabaseFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  // The driver's error stays as the cause: isDatabaseUnreachable reads its code.
  return ApplicationFailure.create({ message: `PostgreSQL: ${message}`, type: ErrorType.DATABASE_ERROR, cause: error instanceof Error ? error : undefined });
}

/** SQLSTATEs of a server that is going away or not taking connections (class 08 is checked as a prefix). */
const UNREACHABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNREACHABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** What node-postgres says when the socket is gone or a connection could not be had in time. */
const UNREACHABLE_MESSAGE = /connection terminated|timeout exceeded when trying to connect|connection error|not queryable|Connection ended/i;

/**
 * True when PostgreSQL could not be reached (down, restarting, connection lost or refused); false when it answered
 * and refused the statement (a constraint, a bad value): only the first is worth keeping an entry for until it is back.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (code.startsWith('08') || UNREACHABLE_SQLSTATES.has(code) || UNREACHABLE_SOCKET_CODES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code)) return false;
    }
    if (!(e instanceof ApplicationFailure) && e instanceof Error && UNREACHABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}
