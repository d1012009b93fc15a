// `list [--limit 20] [--status running|…] [--course <uuid>] [--json]`: recent course runs from the visibility API,
// with the search attributes the workflow keeps current (CoursePhase, CourseCostUsd).
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { CourseCostUsdKey, CourseIdKey, CoursePhaseKey } from '../../workflows/search-attributes';
import { WORKFLOW_TYPE } from '../../workflows/types';
import { assertCourseId, runCommand, usd, UsageError, withClient, writeJson, type CommandIo } from './shared';

/** CLI spelling → the ExecutionStatus value visibility queries use (note Temporal's "Canceled"). */
export const STATUS_FILTERS: Record<string, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
};

/** describe() calls in flight at once while collecting titles: a few, so a long list stays gentle on the server. */
const DESCRIBE_CONCURRENCY = 4;

export interface ListOptions extends CommandIo {
  limit?: number | string;
  status?: string;
  course?: string;
  json?: boolean;
}

export interface ListedRun {
  workflow_id: string;
  run_id: string;
  status: string;
  start_time: string;
  close_time: string | null;
  course_id: string | null;
  phase: string | null;
  cost_usd: number | null;
  title: string | null;
}

export function buildListQuery(options: { status?: string; course?: string }): string {
  const clauses = [`WorkflowType = '${WORKFLOW_TYPE}'`];
  if (options.status) {
    const value = STATUS_FILTERS[options.status.toLowerCase()];
    if (!value) throw new UsageError(`--status must be one of ${Object.keys(STATUS_FILTERS).join(', ')}`);
    clauses.push(`ExecutionStatus = '${value}'`);
  }
  // assertCourseId also keeps quotes out of the query.
  if (options.course) clauses.push(`CourseId = '${assertCourseId(options.course)}'`);
  return clauses.join(' AND ');
}

export async function listCommand(options: ListOptions): Promise<number> {
  return runCommand(options, async ({ config, stdout }) => {
    const limit = Number(options.limit ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
    const query = buildListQuery(options);
    return withClient(config, async (client) => {
      const runs = await listRuns(client, query, limit);
      if (options.json) writeJson(stdout, runs);
      else stdout.write(`${formatRunList(runs)}\n`);
      return 0;
    });
  });
}

export async function listRuns(client: Client, query: string, limit: number): Promise<ListedRun[]> {
  const executions: WorkflowExecutionInfo[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: limit })) {
    executions.push(execution);
    if (executions.length >= limit) break;
  }
  const runs = executions.map(toListedRun);
  // The static summary ("Course: <title>") is user metadata, which only describe() returns, not the list.
  for (let i = 0; i < runs.length; i += DESCRIBE_CONCURRENCY) {
    await Promise.all(runs.slice(i, i + DESCRIBE_CONCURRENCY).map(async (run) => (run.title = await titleOf(client, run))));
  }
  return runs;
}

function toListedRun(execution: WorkflowExecutionInfo): ListedRun {
  const attributes = execution.typedSearchAttributes;
  return {
    workflow_id: execution.workflowId,
    run_id: execution.runId,
    status: execution.status.name,
    start_time: execution.startTime.toISOString(),
    close_time: execution.closeTime?.toISOString() ?? null,
    course_id: attributes.get(CourseIdKey) ?? null,
    phase: attributes.get(CoursePhaseKey) ?? null,
    cost_usd: attributes.get(CourseCostUsdKey) ?? null,
    title: null,
  };
}

/** Best effort: a run started by other tooling may have no summary, and the list still prints. */
async function titleOf(client: Client, run: ListedRun): Promise<string | null> {
  try {
    const summary = await (await client.workflow.getHandle(run.workflow_id, run.run_id).describe()).staticSummary();
    return summary ? summary.replace(/^Course:\s*/, '') : null;
  } catch {
    return null;
  }
}

export function formatRunList(runs: ListedRun[]): string {
  if (runs.length === 0) return 'No course generation runs match.';
  const header = ['WORKFLOW ID', 'STATUS', 'STARTED', 'PHASE', 'COST', 'TITLE'];
  const rows = runs.map((r) => [
    r.workflow_id,
    r.status,
    r.start_time.replace('T', ' ').slice(0, 19),
    r.phase ?? '-',
    usd(r.cost_usd),
    r.title ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
