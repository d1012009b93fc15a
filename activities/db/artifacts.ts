// A run's working results (generation_artifacts), keyed by run, kind and section: LLM outputs stay in PostgreSQL
// and the workflow passes receipts, so large outputs never enter its history.
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../workflows/types';
import type { Database } from './database';
import type { DraftKind } from './entries';

export interface ArtifactKey {
  runId: string;
  kind: DraftKind | 'course_structure' | 'input';
  sectionIndex?: number;
}

export class Artifacts {
  constructor(private readonly db: Database) {}

  async save(
    key: ArtifactKey & { workflowId: string; courseId: string; model?: string; attempt?: number },
    payload: unknown,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO generation_artifacts (run_id, kind, section_index, workflow_id, course_id, model, attempt, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (run_id, kind, section_index)
       DO UPDATE SET payload = EXCLUDED.payload, model = EXCLUDED.model, attempt = EXCLUDED.attempt, created_at = now()`,
      [key.runId, key.kind, key.sectionIndex ?? -1, key.workflowId, key.courseId, key.model ?? null, key.attempt ?? null, payload],
    );
  }

  async load<T>(key: ArtifactKey): Promise<T> {
    const result = await this.db.query(
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
}
