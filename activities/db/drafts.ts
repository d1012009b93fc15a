// Validated answers kept for reuse (llm_drafts), filed under a hash of what produced them: a retried attempt of
// the same activity takes its own answer back, and a later run of the course with the same inputs takes an
// unrejected one instead of paying again. Drafts PostgreSQL cannot take because it is unreachable go to the
// worker's spool.
import type { Database } from './database';
import type { DraftEntry, DraftKind } from './entries';
import type { Spool } from './spool';

export class Drafts {
  constructor(
    private readonly db: Database,
    private readonly spool: Spool | null = null,
  ) {}

  /** Idempotent per (run, activity): a retried save of the same answer changes nothing. Spooled like a ledger row. */
  async save(draft: DraftEntry): Promise<void> {
    try {
      await this.insert(draft);
    } catch (error) {
      if (!(await this.spool?.keep({ kind: 'draft', entry: draft }, error))) throw error;
    }
  }

  /** The draft in PostgreSQL; the spool writes its drafts back through here. */
  async insert(draft: DraftEntry): Promise<void> {
    await this.db.query(
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
  async ofActivity(runId: string, activityId: string): Promise<DraftEntry | null> {
    await this.spool?.flush();
    const spooled = this.spool?.draft(runId, activityId);
    if (spooled) return spooled;
    const result = await this.db.query('SELECT * FROM llm_drafts WHERE run_id = $1 AND activity_id = $2', [runId, activityId]);
    return result.rows[0] ? draftFromRow(result.rows[0]) : null;
  }

  /** The newest unrejected draft of another run of the course produced from the same inputs, if any. */
  async reusable(key: {
    courseId: string;
    kind: DraftKind;
    sectionIndex: number | null;
    inputHash: string;
    excludeRunId: string;
  }): Promise<DraftEntry | null> {
    const result = await this.db.query(
      `SELECT * FROM llm_drafts
       WHERE course_id = $1 AND kind = $2 AND section_index = $3 AND input_hash = $4 AND run_id <> $5 AND NOT rejected
       ORDER BY created_at DESC LIMIT 1`,
      [key.courseId, key.kind, key.sectionIndex ?? -1, key.inputHash, key.excludeRunId],
    );
    return result.rows[0] ? draftFromRow(result.rows[0]) : null;
  }

  /** Marks every draft of one section's inputs as rejected (about to be repaired): no later run reuses them. */
  async reject(courseId: string, sectionIndex: number, inputHash: string): Promise<void> {
    await this.db.query(
      `UPDATE llm_drafts SET rejected = true
       WHERE course_id = $1 AND kind = 'section' AND section_index = $2 AND input_hash = $3 AND NOT rejected`,
      [courseId, sectionIndex, inputHash],
    );
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
