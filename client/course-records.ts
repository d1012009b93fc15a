// What the CLI reads from PostgreSQL: a course row (the result, or why there is none) and the ledger of one run.
// Reads only; the worker alone writes them.
import { Courses, type CourseRow } from '../activities/db/courses';
import { Database } from '../activities/db/database';
import { Ledger, type LedgerRow } from '../activities/db/ledger';

export class CourseRecords {
  private readonly courses: Courses;
  private readonly calls: Ledger;

  private constructor(private readonly database: Database) {
    this.courses = new Courses(database);
    this.calls = new Ledger(database);
  }

  static open(databaseUrl: string): CourseRecords {
    return new CourseRecords(Database.fromUrl(databaseUrl));
  }

  course(courseId: string): Promise<CourseRow | null> {
    return this.courses.get(courseId);
  }

  /** Every LLM call of the run, in the order they were made. */
  ledger(runId: string): Promise<LedgerRow[]> {
    return this.calls.ofRun(runId);
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}
