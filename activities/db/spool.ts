// The worker's spool: where it keeps what it holds and PostgreSQL cannot take right now — ledger rows of calls it
// has paid for and validated answers (drafts) — so that a database outage neither loses a ledger row nor makes the
// next attempt of the activity pay for an answer this worker already has. One JSON file per entry, written to a
// temporary name, synced and renamed, so a crash leaves either the whole entry or none. The ledger and the drafts
// keep an entry here only when the database is unreachable, and it goes back through their own inserts,
// idempotently: the ledger's unique key (run, activity, attempt) and the drafts' (run, activity) make a second
// write-back of the same entry a no-op.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { LlmPhase } from '../../workflows/types';
import { isDatabaseUnreachable } from './database';
import type { DraftEntry, LedgerEntry } from './entries';

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const LedgerEntrySchema = z.object({
  courseId: z.string(),
  workflowId: z.string(),
  runId: z.string(),
  activityId: z.string(),
  phase: z.enum(['metadata', 'metadata_support', 'section', 'validation'] satisfies LlmPhase[]),
  sectionIndex: z.number().int().nullable(),
  attempt: z.number().int().positive(),
  model: z.string(),
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  costUsd: z.number().min(0),
  costSource: z.string().nullable(),
  latencyMs: z.number().int().min(0),
  outcome: z.string(),
  errorMessage: z.string().nullable(),
  servedModel: nullable(z.string()),
  provider: nullable(z.string()),
  generationId: nullable(z.string()),
  reasoningTokens: nullable(z.number().int()),
  cachedTokens: nullable(z.number().int()),
  answerSource: nullable(z.enum(['content', 'reasoning'])),
  streamed: z.boolean().optional(),
});

const DraftEntrySchema = z.object({
  runId: z.string(),
  activityId: z.string(),
  workflowId: z.string(),
  courseId: z.string(),
  kind: z.enum(['metadata', 'metadata_critical', 'metadata_support', 'section']),
  sectionIndex: z.number().int().nullable(),
  inputHash: z.string(),
  model: z.string(),
  attempt: z.number().int().positive(),
  payload: z.unknown(),
});

const SpoolFileSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ledger'), entry: LedgerEntrySchema }),
  z.object({ kind: z.literal('draft'), entry: DraftEntrySchema }),
]);

export type SpoolKind = 'ledger' | 'draft';

/** One entry to keep, as its file holds it. */
export type SpoolRecord = { kind: 'ledger'; entry: LedgerEntry } | { kind: 'draft'; entry: DraftEntry };

/** Told when entries go to the spool (PostgreSQL unreachable) and when they reach PostgreSQL from it. */
export type SpoolObserver = (event: { action: 'spooled' | 'flushed' | 'rejected'; kind: SpoolKind; count: number; depth: { ledger: number; drafts: number }; reason?: string }) => void;

/** How far one flush got; `error` is the write that stopped it (the rest stays on disk). */
export interface FlushResult {
  ledger: number;
  drafts: number;
  /** Entries PostgreSQL answered and refused: renamed to *.rejected, kept for an operator, never retried. */
  rejected?: Array<{ file: string; reason: string }>;
  error?: unknown;
}

/** How entries go back to PostgreSQL: the ledger's and the drafts' own inserts. */
export interface SpoolWriter {
  ledger(entry: LedgerEntry): Promise<void>;
  draft(draft: DraftEntry): Promise<void>;
}

/** Default directory: per task queue under the OS temp dir, so workers of different queues never share one. */
export function defaultSpoolDir(taskQueue: string): string {
  return path.join(os.tmpdir(), 'coursegen-spool', taskQueue.replace(/[^A-Za-z0-9._-]/g, '_'));
}

const fileKey = (...parts: Array<string | number>) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
const ledgerFile = (e: Pick<LedgerEntry, 'runId' | 'activityId' | 'attempt'>) => `ledger-${fileKey(e.runId, e.activityId, e.attempt)}.json`;
const draftFile = (runId: string, activityId: string) => `draft-${fileKey(runId, activityId)}.json`;

export class Spool {
  private readonly ledgerRows = new Map<string, LedgerEntry>();
  private readonly drafts = new Map<string, DraftEntry>();
  private readonly observers: SpoolObserver[] = [];
  private writer: SpoolWriter | null = null;
  private flushing: Promise<FlushResult> | null = null;

  private constructor(readonly dir: string) {}

  /**
   * Opens (creates) the directory and reads what an earlier process left there. A file that is not a whole,
   * valid entry (a foreign file, a disk error) is renamed to *.corrupt — kept for an operator, never flushed —
   * and reported through `onCorrupt`; leftovers of an interrupted write (*.tmp) are removed.
   */
  static async open(dir: string, onCorrupt: (file: string, reason: string) => void = () => undefined): Promise<Spool> {
    const spool = new Spool(dir);
    await mkdir(dir, { recursive: true });
    for (const name of (await readdir(dir)).sort()) {
      const file = path.join(dir, name);
      if (name.endsWith('.tmp')) {
        await unlink(file).catch(() => undefined);
        continue;
      }
      if (!name.endsWith('.json')) continue;
      let parsed: z.infer<typeof SpoolFileSchema>;
      try {
        parsed = SpoolFileSchema.parse(JSON.parse(await readFile(file, 'utf8')));
      } catch (error) {
        await rename(file, `${file}.corrupt`);
        onCorrupt(name, error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message);
        continue;
      }
      if (parsed.kind === 'ledger') spool.ledgerRows.set(ledgerFile(parsed.entry), parsed.entry as LedgerEntry);
      else spool.drafts.set(draftFile(parsed.entry.runId, parsed.entry.activityId), parsed.entry as DraftEntry);
    }
    return spool;
  }

  /** Where flush writes entries back; until it is set, they stay on disk. */
  writeBackThrough(writer: SpoolWriter): void {
    this.writer = writer;
  }

  observe(observer: SpoolObserver): void {
    this.observers.push(observer);
  }

  depth(): { ledger: number; drafts: number } {
    return { ledger: this.ledgerRows.size, drafts: this.drafts.size };
  }

  /** The answer an earlier attempt of this activity left here (not yet in PostgreSQL), if any. */
  draft(runId: string, activityId: string): DraftEntry | null {
    return this.drafts.get(draftFile(runId, activityId)) ?? null;
  }

  /** Ledger rows of one activity still here: their spend counts as much as the rows in PostgreSQL. */
  ledgerOf(runId: string, activityId: string): LedgerEntry[] {
    return [...this.ledgerRows.values()].filter((e) => e.runId === runId && e.activityId === activityId);
  }

  /**
   * Keeps `record` when `error` says PostgreSQL is unreachable; false (nothing kept) when it answered and refused
   * the entry, which the caller then reports as its own failure.
   */
  async keep(record: SpoolRecord, error: unknown): Promise<boolean> {
    if (!isDatabaseUnreachable(error)) return false;
    if (record.kind === 'ledger') await this.putLedger(record.entry);
    else await this.putDraft(record.entry);
    this.notify('spooled', record.kind, 1, error instanceof Error ? error.message : String(error));
    return true;
  }

  async putLedger(entry: LedgerEntry): Promise<void> {
    const name = ledgerFile(entry);
    await this.write(name, { kind: 'ledger', entry });
    this.ledgerRows.set(name, entry);
  }

  async putDraft(draft: DraftEntry): Promise<void> {
    const name = draftFile(draft.runId, draft.activityId);
    await this.write(name, { kind: 'draft', entry: draft });
    this.drafts.set(name, draft);
  }

  /**
   * Writes every entry back, ledger rows first, removing each file once its write succeeded; stops at the first
   * write that finds PostgreSQL unreachable. One flush at a time: a caller arriving during a flush waits for that
   * one. Never throws; what it cannot write stays spooled.
   */
  flush(): Promise<FlushResult> {
    const writer = this.writer;
    if (!writer || this.ledgerRows.size + this.drafts.size === 0) return Promise.resolve({ ledger: 0, drafts: 0 });
    this.flushing ??= this.flushAll(writer).finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushAll(writer: SpoolWriter): Promise<FlushResult> {
    const result: FlushResult = { ledger: 0, drafts: 0 };
    const rejected: Array<{ kind: SpoolKind; file: string; reason: string }> = [];
    // A refused entry is set aside so that it cannot hold back the entries after it; an unreachable database stops the flush.
    const writeOne = async <T>(kind: SpoolKind, entries: Map<string, T>, name: string, write: () => Promise<void>): Promise<boolean> => {
      try {
        await write();
        await this.remove(name);
      } catch (error) {
        if (isDatabaseUnreachable(error)) throw error;
        await rename(path.join(this.dir, name), path.join(this.dir, `${name}.rejected`));
        rejected.push({ kind, file: name, reason: error instanceof Error ? error.message : String(error) });
        entries.delete(name);
        return false;
      }
      entries.delete(name);
      return true;
    };
    try {
      for (const [name, entry] of [...this.ledgerRows]) {
        if (await writeOne('ledger', this.ledgerRows, name, () => writer.ledger(entry))) result.ledger++;
      }
      for (const [name, draft] of [...this.drafts]) {
        if (await writeOne('draft', this.drafts, name, () => writer.draft(draft))) result.drafts++;
      }
    } catch (error) {
      result.error = error;
    }
    if (rejected.length > 0) result.rejected = rejected.map(({ file, reason }) => ({ file, reason }));
    // Told here, once per flush, however many callers wait for it.
    if (result.ledger > 0) this.notify('flushed', 'ledger', result.ledger);
    if (result.drafts > 0) this.notify('flushed', 'draft', result.drafts);
    for (const { kind, file, reason } of rejected) this.notify('rejected', kind, 1, `${file}: ${reason}`);
    return result;
  }

  private notify(action: 'spooled' | 'flushed' | 'rejected', kind: SpoolKind, count: number, reason?: string): void {
    const depth = this.depth();
    for (const observer of this.observers) {
      try {
        observer({ action, kind, count, depth, ...(reason ? { reason } : {}) });
      } catch {
        // Metrics and logs are best effort; the spool file is the record.
      }
    }
  }

  private async write(name: string, content: z.infer<typeof SpoolFileSchema>): Promise<void> {
    const target = path.join(this.dir, name);
    const temporary = `${target}.${randomUUID()}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(JSON.stringify(content));
      // Synced before the rename: after a power loss the entry is there whole, or not at all.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  }

  private async remove(name: string): Promise<void> {
    await unlink(path.join(this.dir, name)).catch((error: NodeJS.ErrnoException) => {
      // Another process sharing the directory flushed it first: the entry is in PostgreSQL either way.
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
