// The course row (courses): what a user reads as the result. A completed run commits it in one transaction; a
// failed or cancelled run records its status on it; a regenerated section rewrites it under a row lock.
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../workflows/types';
import type { Database } from './database';

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

export class Courses {
  constructor(private readonly db: Database) {}

  async get(courseId: string): Promise<CourseRow | null> {
    const result = await this.db.query('SELECT * FROM courses WHERE course_id = $1', [courseId]);
    return (result.rows[0] as CourseRow | undefined) ?? null;
  }

  /** One transaction: the course row is inserted or replaced whole, so re-running a commit never duplicates. */
  async commit(row: {
    courseId: string;
    courseTitle: string;
    structure: unknown;
    metadata: unknown;
    input: unknown;
    workflowId: string;
    runId: string;
  }): Promise<void> {
    await this.db.transaction(async (client) => {
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
  async updateCommitted(
    courseId: string,
    change: (row: CourseRow) => { structure: unknown; metadata: unknown },
  ): Promise<void> {
    await this.db.transaction(async (client) => {
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
    await this.db.query(
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
}
