// What a test reads back: conditions polled with deadlines, workflow histories, simulator calls, PostgreSQL rows.
// Jest-free, so the history recorder uses it too; `report` prints a measured figure and keeps it in .stack/.
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Client as PgClient } from 'pg';
import type { SimulatorStats } from '../../simulator/types';
import type { GenerationResult } from '../../workflows/types';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * Polls `check` until it returns something other than null/undefined/false, and returns that. Throws after
 * `timeoutMs` with `what` and the last value seen, so a stuck condition fails with a readable message.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== null && value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message ?? lastError})` : '';
      throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/** Simulator calls per section working title. */
export function sectionCallCounts(stats: SimulatorStats): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of stats.calls) {
    if (call.kind === 'section' && call.sectionTitle) counts[call.sectionTitle] = (counts[call.sectionTitle] ?? 0) + 1;
  }
  return counts;
}

/**
 * The whole history as searchable JSON text, with every byte field (payload data, metadata) decoded as UTF-8 rather
 * than base64 — historyToJSON's base64 would hide a secret inside a payload from a plain search (and it cannot run
 * inside jest, whose typed arrays come from another realm). Walks the proto objects itself: their own toJSON would
 * base64 the bytes first.
 */
export async function historySearchText(handle: WorkflowHandle): Promise<string> {
  const history = await handle.fetchHistory();
  const plain = (value: unknown, depth = 0): unknown => {
    if (value === null || typeof value !== 'object' || depth > 64) return value;
    if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
    if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = plain(v, depth + 1);
    return out;
  };
  return JSON.stringify(plain(history));
}

export async function historyEvents(handle: WorkflowHandle): Promise<HistoryEvent[]> {
  const history = await handle.fetchHistory();
  return history.events ?? [];
}

function decode(payload: Payload | null | undefined): unknown {
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

export interface ActivityRecord {
  scheduledEventId: number;
  activityType: string;
  /** Section index of a generateSectionActivity (from its input). */
  sectionIndex?: number;
  completed: boolean;
  /** Attempt that completed or failed for good (ActivityTaskStarted.attempt), if the activity has ended. */
  finalAttempt?: number;
  /** How the attempt before the final one ended, when there was one: a timeout's type (`HEARTBEAT`,
   * `START_TO_CLOSE`…) or `failed`. A lost worker shows as a heartbeat or start-to-close timeout. */
  previousAttemptEnded?: string;
  scheduledAt: number;
}

/** Every activity the workflow scheduled, with whether it completed (in this history) and its final attempt. */
export function activities(events: HistoryEvent[]): ActivityRecord[] {
  const byId = new Map<number, ActivityRecord>();
  for (const event of events) {
    const id = Number(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const input = decode(scheduled.input?.payloads?.[0] as Payload) as { sectionIndex?: number } | undefined;
      byId.set(id, {
        scheduledEventId: id,
        activityType: scheduled.activityType?.name ?? '',
        sectionIndex: typeof input?.sectionIndex === 'number' ? input.sectionIndex : undefined,
        completed: false,
        scheduledAt: eventTime(event),
      });
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const record = byId.get(Number(started.scheduledEventId));
      if (record) {
        record.finalAttempt = started.attempt ?? undefined;
        const last = started.lastFailure;
        if (last) {
          const timeoutType = last.timeoutFailureInfo?.timeoutType;
          record.previousAttemptEnded =
            timeoutType === undefined || timeoutType === null
              ? 'failed'
              : temporal.api.enums.v1.TimeoutType[timeoutType].replace(/^TIMEOUT_TYPE_/, '');
        }
      }
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) {
      const record = byId.get(Number(completed.scheduledEventId));
      if (record) record.completed = true;
    }
  }
  return [...byId.values()];
}

export function eventTime(event: HistoryEvent): number {
  const t = event.eventTime;
  if (!t) return 0;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** Section indexes whose generateSectionActivity has an ActivityTaskCompleted event in `events`. */
export function completedSections(events: HistoryEvent[]): number[] {
  return activities(events)
    .filter((a) => a.activityType === 'generateSectionActivity' && a.completed && a.sectionIndex !== undefined)
    .map((a) => a.sectionIndex!)
    .sort((a, b) => a - b);
}

export function timerStarts(events: HistoryEvent[]): { at: number; durationMs: number }[] {
  return events
    .filter((e) => e.timerStartedEventAttributes)
    .map((e) => {
      const d = e.timerStartedEventAttributes!.startToFireTimeout;
      return { at: eventTime(e), durationMs: Number(d?.seconds ?? 0) * 1000 + Math.floor((d?.nanos ?? 0) / 1e6) };
    });
}

export function timersFired(events: HistoryEvent[]): number {
  return events.filter((e) => e.timerFiredEventAttributes).length;
}

/** Runs `work` with a short-lived PostgreSQL client. */
export async function withPg<T>(databaseUrl: string, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new PgClient({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface PersistedCounts {
  courseRows: number;
  ledgerRows: number;
  /** Ledger rows minus distinct (run, activity, attempt): 0 when no call was recorded twice. */
  ledgerDuplicates: number;
  /** Stored artifacts per kind (metadata, section, course_structure, ...) over all runs of the course. */
  artifacts: Record<string, number>;
}

/** What PostgreSQL holds for one course, and whether anything was written twice. */
export async function persistedCounts(databaseUrl: string, courseId: string): Promise<PersistedCounts> {
  return withPg(databaseUrl, async (pg) => {
    const one = async (sql: string) => Number((await pg.query(sql, [courseId])).rows[0].n);
    return {
      courseRows: await one('SELECT count(*) AS n FROM courses WHERE course_id = $1'),
      ledgerRows: await one('SELECT count(*) AS n FROM llm_calls WHERE course_id = $1'),
      ledgerDuplicates: await one(
        `SELECT count(*) - count(DISTINCT (run_id, activity_id, attempt)) AS n FROM llm_calls WHERE course_id = $1`,
      ),
      artifacts: Object.fromEntries(
        (
          await pg.query('SELECT kind, count(*) AS n FROM generation_artifacts WHERE course_id = $1 GROUP BY kind', [courseId])
        ).rows.map((r) => [r.kind, Number(r.n)]),
      ),
    };
  });
}

/** Measured figures of the last chaos runs, one JSON line per figure (.stack is git-ignored). */
export const CHAOS_REPORT_FILE = path.resolve(__dirname, '..', '..', '.stack', 'chaos-report.jsonl');

/** Prints a one-line figure in the test output and appends it to CHAOS_REPORT_FILE. */
export function report(label: string, figures: Record<string, unknown>): void {
  const text = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('  ');
  console.log(`[chaos] ${label}: ${text}`);
  try {
    fs.mkdirSync(path.dirname(CHAOS_REPORT_FILE), { recursive: true });
    fs.appendFileSync(CHAOS_REPORT_FILE, `${JSON.stringify({ at: new Date().toISOString(), label, ...figures })}\n`);
  } catch {
    // the figure is in the test output anyway
  }
}

/** handle.result(), retried while the server is unreachable (the client's own retries give up after a while). */
export async function resultWithin(handle: WorkflowHandle, timeoutMs: number): Promise<GenerationResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await handle.result()) as GenerationResult;
    } catch (error) {
      const transient = /unavailable|connect|deadline|ECONNREFUSED|14 /i.test(String((error as Error)?.message ?? error));
      if (!transient || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
