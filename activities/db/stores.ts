// The stores of one PostgreSQL database, sharing its pool. With the worker's spool, ledger rows and drafts that
// PostgreSQL cannot take are kept on disk and written back through the same inserts that would have taken them.
import { Artifacts } from './artifacts';
import { Courses } from './courses';
import type { Database } from './database';
import { Drafts } from './drafts';
import { Ledger } from './ledger';
import type { Spool } from './spool';

export interface Stores {
  database: Database;
  ledger: Ledger;
  drafts: Drafts;
  artifacts: Artifacts;
  courses: Courses;
}

export function createStores(database: Database, spool: Spool | null = null): Stores {
  const ledger = new Ledger(database, spool);
  const drafts = new Drafts(database, spool);
  spool?.writeBackThrough({ ledger: (entry) => ledger.insert(entry), draft: (draft) => drafts.insert(draft) });
  return { database, ledger, drafts, artifacts: new Artifacts(database), courses: new Courses(database) };
}
