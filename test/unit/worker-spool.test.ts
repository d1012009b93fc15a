// The worker's spool (activities/db/spool.ts) and the ledger's and drafts' use of it: entries survive a new process,
// a flush writes each once and keeps what PostgreSQL did not take, a flush repeated after a crash cannot duplicate a
// row, a file that is not a valid entry is set aside, and only an unreachable database (not a refused row) spools.
import { ApplicationFailure } from '@temporalio/common';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { Database, isDatabaseUnreachable } from '../../activities/db/database';
import type { DraftEntry, LedgerEntry } from '../../activities/db/entries';
import { Spool, type SpoolWriter } from '../../activities/db/spool';
import { createStores } from '../../activities/db/stores';

const row = (attempt: number, activityId = 'section-1'): LedgerEntry => ({
  courseId: '00000000-0000-4000-8000-000000000001',
  workflowId: 'course-1',
  runId: 'run-1',
  activityId,
  phase: 'section',
  sectionIndex: 0,
  attempt,
  model: 'openai/gpt-oss-120b',
  promptTokens: 100,
  completionTokens: 50,
  costUsd: 0.001,
  costSource: 'price_table',
  latencyMs: 2_000,
  outcome: 'ok',
  errorMessage: null,
  answerSource: 'content',
  streamed: false,
});

const draft = (activityId = 'section-1'): DraftEntry => ({
  runId: 'run-1',
  activityId,
  workflowId: 'course-1',
  courseId: '00000000-0000-4000-8000-000000000001',
  kind: 'section',
  sectionIndex: 0,
  inputHash: 'hash-1',
  model: 'openai/gpt-oss-120b',
  attempt: 1,
  payload: { section_title: 'Basics', lessons: [] },
});

const connectionRefused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** A database keyed like PostgreSQL's unique keys: a second insert of the same key changes nothing. */
function keyedDatabase() {
  const ledger = new Map<string, LedgerEntry>();
  const drafts = new Map<string, DraftEntry>();
  let failAfter = Infinity;
  const writer: SpoolWriter = {
    async ledger(entry) {
      if (failAfter-- <= 0) throw connectionRefused();
      if (!ledger.has(`${entry.runId}/${entry.activityId}/${entry.attempt}`)) ledger.set(`${entry.runId}/${entry.activityId}/${entry.attempt}`, entry);
    },
    async draft(entry) {
      if (failAfter-- <= 0) throw connectionRefused();
      if (!drafts.has(`${entry.runId}/${entry.activityId}`)) drafts.set(`${entry.runId}/${entry.activityId}`, entry);
    },
  };
  return { ledger, drafts, writer, failAfterWrites: (n: number) => (failAfter = n) };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'coursegen-spool-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('spooled ledger rows and answers are read back by a new process', async () => {
  const spool = await Spool.open(dir);
  await spool.putLedger(row(1));
  await spool.putLedger(row(2));
  await spool.putDraft(draft());
  const reopened = await Spool.open(dir);
  expect(reopened.depth()).toEqual({ ledger: 2, drafts: 1 });
  expect(reopened.draft('run-1', 'section-1')).toEqual(draft());
  expect(reopened.draft('run-1', 'section-2')).toBeNull();
  expect(reopened.ledgerOf('run-1', 'section-1').map((e) => e.attempt).sort()).toEqual([1, 2]);
  // Nothing but the entries themselves is left on disk (no temporary files).
  expect((await readdir(dir)).every((name) => /^(ledger|draft)-[0-9a-f]{32}\.json$/.test(name))).toBe(true);
});

test('a flush stops at the first write that fails with PostgreSQL unreachable and keeps the rest for the next one', async () => {
  const db = keyedDatabase();
  const spool = await Spool.open(dir);
  await spool.putLedger(row(1));
  await spool.putLedger(row(2));
  await spool.putDraft(draft());
  spool.writeBackThrough(db.writer);
  db.failAfterWrites(1);
  const first = await spool.flush();
  expect(first).toMatchObject({ ledger: 1, drafts: 0 });
  expect(first.error).toBeInstanceOf(Error);
  expect(spool.depth()).toEqual({ ledger: 1, drafts: 1 });
  expect((await Spool.open(dir)).depth()).toEqual({ ledger: 1, drafts: 1 });
  db.failAfterWrites(Infinity);
  expect(await spool.flush()).toEqual({ ledger: 1, drafts: 1 });
  expect(spool.depth()).toEqual({ ledger: 0, drafts: 0 });
  expect(await readdir(dir)).toEqual([]);
  expect(db.ledger.size).toBe(2);
  expect(db.drafts.size).toBe(1);
});

test('a flush repeated after a crash (written, files not yet removed) cannot duplicate a row', async () => {
  const db = keyedDatabase();
  const spool = await Spool.open(dir);
  await spool.putLedger(row(1));
  await spool.putDraft(draft());
  const copy = `${dir}-copy`;
  await cp(dir, copy, { recursive: true });
  spool.writeBackThrough(db.writer);
  await spool.flush();
  // The process died after the inserts and before the unlinks: the next start finds the same files.
  const restarted = await Spool.open(copy);
  expect(restarted.depth()).toEqual({ ledger: 1, drafts: 1 });
  restarted.writeBackThrough(db.writer);
  expect(await restarted.flush()).toEqual({ ledger: 1, drafts: 1 });
  expect(db.ledger.size).toBe(1);
  expect(db.drafts.size).toBe(1);
  await rm(copy, { recursive: true, force: true });
});

test('an entry PostgreSQL refuses on the way back is set aside as *.rejected and does not hold back the others', async () => {
  const db = keyedDatabase();
  const spool = await Spool.open(dir);
  await spool.putLedger(row(1));
  await spool.putLedger(row(2));
  const refused = Object.assign(new Error('value too long'), { code: '22001' });
  spool.writeBackThrough({
    ...db.writer,
    ledger: async (entry) => (entry.attempt === 1 ? Promise.reject(refused) : db.writer.ledger(entry)),
  });
  const result = await spool.flush();
  expect(result).toMatchObject({ ledger: 1, drafts: 0, rejected: [{ reason: 'value too long' }] });
  expect(result.error).toBeUndefined();
  expect(spool.depth()).toEqual({ ledger: 0, drafts: 0 });
  expect([...db.ledger.values()].map((e) => e.attempt)).toEqual([2]);
  expect((await readdir(dir)).map((n) => n.endsWith('.json.rejected'))).toEqual([true]);
  expect((await Spool.open(dir)).depth()).toEqual({ ledger: 0, drafts: 0 });
});

test('observers hear of a flush once, however many callers wait for it', async () => {
  const db = keyedDatabase();
  const spool = await Spool.open(dir);
  await spool.putLedger(row(1));
  await spool.putDraft(draft());
  spool.writeBackThrough(db.writer);
  const events: string[] = [];
  spool.observe((e) => events.push(`${e.action} ${e.kind} ${e.count}`));
  const [first, second] = await Promise.all([spool.flush(), spool.flush()]);
  expect(second).toBe(first);
  expect(events).toEqual(['flushed ledger 1', 'flushed draft 1']);
});

test('a file that is not a whole, valid entry is set aside as *.corrupt and the valid ones still load', async () => {
  const spool = await Spool.open(dir);
  await spool.putLedger(row(1));
  await writeFile(path.join(dir, 'ledger-truncated.json'), '{"kind":"ledger","entry":{"courseId":');
  await writeFile(path.join(dir, 'draft-wrong-shape.json'), JSON.stringify({ kind: 'draft', entry: { runId: 'run-1' } }));
  await writeFile(path.join(dir, 'ledger-interrupted.json.1234.tmp'), '{"kind":');
  const corrupt: string[] = [];
  const reopened = await Spool.open(dir, (file) => corrupt.push(file));
  expect(corrupt.sort()).toEqual(['draft-wrong-shape.json', 'ledger-truncated.json']);
  expect(reopened.depth()).toEqual({ ledger: 1, drafts: 0 });
  const names = (await readdir(dir)).sort();
  expect(names.filter((n) => n.endsWith('.corrupt'))).toEqual(['draft-wrong-shape.json.corrupt', 'ledger-truncated.json.corrupt']);
  expect(names.some((n) => n.endsWith('.tmp'))).toBe(false);
  // A set-aside file is never read again as an entry.
  expect((await Spool.open(dir)).depth()).toEqual({ ledger: 1, drafts: 0 });
});

test('an unreachable database is told apart from a refused statement', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  const duplicate = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
  expect(isDatabaseUnreachable(refused)).toBe(true);
  expect(isDatabaseUnreachable(shutdown)).toBe(true);
  expect(isDatabaseUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(isDatabaseUnreachable(new Error('timeout exceeded when trying to connect'))).toBe(true);
  expect(isDatabaseUnreachable(ApplicationFailure.create({ message: 'PostgreSQL: connect', type: 'DATABASE_ERROR', cause: refused }))).toBe(true);
  expect(isDatabaseUnreachable(duplicate)).toBe(false);
  expect(isDatabaseUnreachable(ApplicationFailure.create({ message: 'PostgreSQL: duplicate', type: 'DATABASE_ERROR', cause: duplicate }))).toBe(false);
  expect(isDatabaseUnreachable(new Error('invalid input syntax for type uuid'))).toBe(false);
});

/** A pool whose queries fail with `failure` while it is set, and otherwise report one inserted row. */
function switchablePool() {
  const state: { failure: Error | null; statements: string[] } = { failure: null, statements: [] };
  const pool = {
    async query(sql: string) {
      if (state.failure) throw state.failure;
      state.statements.push(sql.trim().split(/\s+/).slice(0, 3).join(' '));
      return { rowCount: 1, rows: [{ tokens: 0, cost: 0 }] };
    },
  } as unknown as Pool;
  return { pool, state };
}

test('the ledger and the drafts spool while PostgreSQL is unreachable, the answer is served from the spool, and both are flushed once back', async () => {
  const { pool, state } = switchablePool();
  const spool = await Spool.open(dir);
  const { ledger, drafts } = createStores(new Database(pool), spool);
  const events: string[] = [];
  spool.observe((e) => events.push(`${e.action} ${e.kind} ${e.count}`));
  const inserted: LedgerEntry[] = [];
  ledger.observe((e) => inserted.push(e));

  state.failure = connectionRefused();
  await expect(ledger.recordLlmCall(row(1))).resolves.toBeUndefined();
  await expect(drafts.save(draft())).resolves.toBeUndefined();
  expect(spool.depth()).toEqual({ ledger: 1, drafts: 1 });
  // The next attempt finds the answer without PostgreSQL (the flush before the lookup fails and keeps it).
  await expect(drafts.ofActivity('run-1', 'section-1')).resolves.toEqual(draft());
  expect(events).toEqual(['spooled ledger 1', 'spooled draft 1']);

  state.failure = null;
  // The spend read flushes first: the spooled row counts once, from PostgreSQL.
  await ledger.activitySpend('run-1', 'section-1');
  expect(spool.depth()).toEqual({ ledger: 0, drafts: 0 });
  expect(state.statements.filter((s) => s.startsWith('INSERT INTO'))).toEqual(['INSERT INTO llm_calls', 'INSERT INTO llm_drafts']);
  expect(inserted.map((e) => e.attempt)).toEqual([1]);
  expect(events).toEqual(['spooled ledger 1', 'spooled draft 1', 'flushed ledger 1', 'flushed draft 1']);
});

test('a row PostgreSQL refuses (not unreachable) is not spooled: the error reaches the caller', async () => {
  const { pool, state } = switchablePool();
  const spool = await Spool.open(dir);
  const { ledger, drafts } = createStores(new Database(pool), spool);
  state.failure = Object.assign(new Error('value too long for type character varying'), { code: '22001' });
  await expect(ledger.recordLlmCall(row(1))).rejects.toMatchObject({ type: 'DATABASE_ERROR' });
  await expect(drafts.save(draft())).rejects.toMatchObject({ type: 'DATABASE_ERROR' });
  expect(spool.depth()).toEqual({ ledger: 0, drafts: 0 });
});
