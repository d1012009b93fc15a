// One run's state, assembled for `status` (and the end of `cancel`). While the run is open the workflow itself
// answers (getProgress query). A closed run has no worker to answer queries, so the report is rebuilt from what
// outlives it: describe() (status, search attributes), the first history event (the job input: section plan),
// and PostgreSQL — the course row and the run's LLM-call ledger (model and attempt of every call).
import { WorkflowNotFoundError, type Client, type WorkflowExecutionStatusName } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { CourseRow } from '../../activities/db/courses';
import type { LedgerRow } from '../../activities/db/ledger';
import { getProgressQuery } from '../../workflows/messages';
import { GenerationJobInputSchema, type CourseStructure } from '../../workflows/schemas';
import { CourseCostUsdKey, CourseIdKey, CoursePhaseKey } from '../../workflows/search-attributes';
import type { GenerationProgress } from '../../workflows/types';
import { workflowUiLink, type ClientConfig } from '../config';
import { CourseRecords } from '../course-records';
import { courseIdOf } from './shared';

/** A query waits for a worker; without one the server would hold it until the RPC deadline. */
const QUERY_TIMEOUT_MS = 5_000;

export type SectionState = 'pending' | 'running' | 'waiting' | 'done' | 'failed' | 'cancelled';

export interface SectionReport {
  number: number;
  title: string | null;
  status: SectionState;
  model?: string;
  attempt?: number;
  error?: string;
  /** Waiting for its provider (SECTION_PATIENCE): when the next round starts and how many remain after it. */
  next_try_at?: string;
  rounds_left?: number;
  rounds_total?: number;
  /** Taken from an earlier run's draft instead of generated again. */
  reused_from_run_id?: string;
}

export interface RunReport {
  workflow_id: string;
  run_id: string;
  course_id: string | null;
  status: WorkflowExecutionStatusName;
  phase: string | null;
  /** live-query: the workflow answered; records: rebuilt from history and PostgreSQL. */
  source: 'live-query' | 'records';
  started_at: string;
  closed_at: string | null;
  sections: { total: number | null; done: number; running: number; failed: number; waiting?: number; list: SectionReport[] };
  tokens: number | null;
  cost_usd: number | null;
  error: { type: string; message: string } | null;
  /** The course row as PostgreSQL has it; same_run says whether this run wrote it last. */
  course_row: {
    title: string;
    generation_status: string;
    failed_phase: string | null;
    error_type: string | null;
    error_message: string | null;
    same_run: boolean;
  } | null;
  ui_link: string;
  notes: string[];
}

export class RunNotFoundError extends Error {}

/** The latest run of `workflowId`, or the given run. */
export async function buildRunReport(client: Client, config: ClientConfig, workflowId: string, runId?: string): Promise<RunReport> {
  let description;
  try {
    description = await client.workflow.getHandle(workflowId, runId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new RunNotFoundError(`No run with workflow id ${workflowId}`);
    throw error;
  }
  const attributes = description.typedSearchAttributes;
  const report: RunReport = {
    workflow_id: workflowId,
    run_id: description.runId,
    course_id: attributes.get(CourseIdKey) ?? courseIdOf(workflowId),
    status: description.status.name,
    phase: attributes.get(CoursePhaseKey) ?? null,
    source: 'records',
    started_at: description.startTime.toISOString(),
    closed_at: description.closeTime?.toISOString() ?? null,
    sections: { total: null, done: 0, running: 0, failed: 0, list: [] },
    tokens: null,
    cost_usd: attributes.get(CourseCostUsdKey) ?? null,
    error: null,
    course_row: null,
    ui_link: workflowUiLink(config, workflowId, description.runId),
    notes: [],
  };

  if (report.status === 'RUNNING') {
    const handle = client.workflow.getHandle(workflowId, description.runId);
    try {
      const progress = await client.connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(getProgressQuery));
      return fromProgress(report, progress);
    } catch (error) {
      report.notes.push(`No worker answered the progress query (${(error as Error).message}); showing recorded state.`);
    }
  }
  await addRecords(client, config, report);
  return report;
}

function fromProgress(report: RunReport, progress: GenerationProgress): RunReport {
  const list = progress.sections.map((s) => ({
    number: s.index + 1,
    title: s.title,
    status: s.status,
    ...(s.model ? { model: s.model } : {}),
    ...(s.attempt ? { attempt: s.attempt } : {}),
    ...(s.error ? { error: s.error } : {}),
    ...(s.nextTryAt ? { next_try_at: s.nextTryAt, rounds_left: s.roundsLeft, rounds_total: s.roundsTotal } : {}),
    ...(s.reusedFromRunId ? { reused_from_run_id: s.reusedFromRunId } : {}),
  }));
  return {
    ...report,
    source: 'live-query',
    phase: progress.phase,
    sections: {
      total: progress.sectionsTotal,
      done: progress.sectionsDone,
      running: progress.sectionsRunning,
      failed: progress.sectionsFailed,
      waiting: progress.sectionsWaiting ?? 0,
      list,
    },
    tokens: progress.tokens,
    cost_usd: progress.costUsd,
    error: progress.error ?? null,
  };
}

async function addRecords(client: Client, config: ClientConfig, report: RunReport): Promise<void> {
  const plan = await readSectionPlan(client, report.workflow_id, report.run_id).catch(() => null);
  let row: CourseRow | null = null;
  let ledger: LedgerRow[] = [];
  const records = CourseRecords.open(config.databaseUrl);
  try {
    row = report.course_id ? await records.course(report.course_id) : null;
    ledger = await records.ledger(report.run_id);
  } catch (error) {
    report.notes.push(`PostgreSQL could not be read (${(error as Error).message}); course row and ledger are missing.`);
  } finally {
    await records.close();
  }

  const sameRun = row?.run_id === report.run_id;
  if (row) {
    report.course_row = {
      title: row.course_title,
      generation_status: row.generation_status,
      failed_phase: row.failed_phase,
      error_type: row.error_type,
      error_message: row.error_message,
      same_run: sameRun,
    };
    if (!sameRun) report.notes.push(`The course row was last written by run ${row.run_id}, not this one.`);
    if (sameRun && row.error_type) report.error = { type: row.error_type, message: row.error_message ?? '' };
  }
  // The committed structure has the generated section titles; otherwise fall back to the plan's areas.
  const committed = sameRun && row?.generation_status === 'completed' ? (row.course_structure as CourseStructure) : null;
  const titles = committed?.sections.map((s) => s.section_title) ?? plan;
  report.sections = sectionsFromLedger(ledger, titles);
  if (ledger.length > 0 || row) {
    report.tokens = ledger.reduce((sum, r) => sum + r.promptTokens + r.completionTokens, 0);
    // The ledger stores numeric(16,8); round the float sum back to that precision, as generation_metadata does.
    report.cost_usd = Math.round(ledger.reduce((sum, r) => sum + r.costUsd, 0) * 1e8) / 1e8;
  }
}

/** Each section's latest attempt in the ledger decides its state; sections without a call are pending. */
export function sectionsFromLedger(ledger: LedgerRow[], titles: string[] | null): RunReport['sections'] {
  const latest = new Map<number, LedgerRow>();
  for (const row of ledger) {
    if (row.phase !== 'section' || row.sectionIndex === null) continue;
    const seen = latest.get(row.sectionIndex);
    if (!seen || row.attempt >= seen.attempt) latest.set(row.sectionIndex, row);
  }
  const count = titles?.length ?? (latest.size ? Math.max(...latest.keys()) + 1 : 0);
  const list: SectionReport[] = Array.from({ length: count }, (_, index) => {
    const call = latest.get(index);
    const base = { number: index + 1, title: titles?.[index] ?? null };
    if (!call) return { ...base, status: 'pending' as const };
    const status: SectionState =
      call.outcome === 'ok' || call.outcome === 'reused' ? 'done' : call.outcome === 'CANCELLED' ? 'cancelled' : 'failed';
    const error = status === 'failed' ? `${call.outcome}: ${call.errorMessage ?? ''}` : undefined;
    return { ...base, status, model: call.model, attempt: call.attempt, ...(error ? { error } : {}) };
  });
  const tally = (state: SectionState) => list.filter((s) => s.status === state).length;
  return { total: titles?.length ?? null, done: tally('done'), running: 0, failed: tally('failed'), list };
}

/** The section areas from the run's input (first history event): one page of one event, not the whole history. */
async function readSectionPlan(client: Client, workflowId: string, runId: string): Promise<string[] | null> {
  const response = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const payloads = response.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  if (!payloads?.length) return null;
  const input = GenerationJobInputSchema.safeParse(await decodeFromPayloadsAtIndex(client.options.loadedDataConverter, 0, payloads));
  return input.success ? input.data.analysis_result.recommended_structure.sections_breakdown.map((s) => s.area) : null;
}
