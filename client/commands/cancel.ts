// `cancel --course <uuid> | --workflow-id <id> [--timeout 60] [--json]`: a graceful cancel. The workflow turns the
// request into cancelled LLM activities and, in a non-cancellable scope, a course row with generation_status
// 'cancelled'. This command waits for the run to close and checks that row, so "exit 0" means both Temporal and
// PostgreSQL agree the run was cancelled.
//
// The run closes without waiting for its LLM calls (the activities' default TRY_CANCEL); each call learns of the
// cancellation at its next heartbeat — the SDK throttles those to 0.8 × HEARTBEAT_TIMEOUT_MS, 16 s by default — and
// then aborts its HTTP request and writes a CANCELLED ledger row. So after the close we also wait (within the same
// --timeout) for those rows of the sections that were in flight: the report then says the spending really stopped.
import { WorkflowNotFoundError, type WorkflowExecutionStatusName } from '@temporalio/client';
import type { ClientConfig } from '../config';
import { CourseRecords } from '../course-records';
import { buildRunReport, type RunReport } from './run-report';
import { formatRunReport } from './status';
import { pollUntil, resolveWorkflowId, runCommand, UsageError, withClient, writeJson, type CommandIo, type RunSelector } from './shared';

export interface CancelOptions extends RunSelector, CommandIo {
  /** Seconds to wait for the run to close after the request. */
  timeout?: number | string;
  json?: boolean;
}

export interface CancelOutcome {
  workflow_id: string;
  run_id: string;
  /** The run's status when the command gave up waiting or saw it close. */
  final_status: WorkflowExecutionStatusName;
  /** true when the course row of this run says 'cancelled'. */
  recorded: boolean;
  /** Section numbers whose LLM call was in flight at the request, and those whose call has since been aborted. */
  in_flight: number[];
  aborted: number[];
  report: RunReport;
}

export async function cancelCommand(options: CancelOptions): Promise<number> {
  return runCommand(options, async ({ config, stdout, stderr }) => {
    const workflowId = resolveWorkflowId(options);
    const timeoutS = Number(options.timeout ?? 60);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError('--timeout must be a positive number of seconds');

    return withClient(config, async (client) => {
      let description;
      try {
        description = await client.workflow.getHandle(workflowId).describe();
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        stderr.write(`No run with workflow id ${workflowId}\n`);
        return 1;
      }
      const runId = description.runId;
      if (description.status.name !== 'RUNNING') {
        stderr.write(`${workflowId} (run ${runId}) is not running: it is ${description.status.name}. Nothing to cancel.\n`);
        return 1;
      }
      const deadline = Date.now() + timeoutS * 1000;
      // Which sections are waiting on a model right now (live query; empty when no worker answers).
      const before = await buildRunReport(client, config, workflowId, runId);
      const inFlight = before.sections.list.filter((s) => s.status === 'running').map((s) => s.number);

      // Pinned to this run: a later re-run of the same course must never receive this request.
      const handle = client.workflow.getHandle(workflowId, runId);
      await handle.cancel();
      stderr.write(`Cancellation requested for ${workflowId} (run ${runId}); waiting up to ${timeoutS} s for it to close…\n`);

      const closed = await pollUntil(async () => {
        const status = (await handle.describe()).status.name;
        return status === 'RUNNING' ? null : status;
      }, deadline - Date.now());
      if (closed && inFlight.length > 0) {
        stderr.write(`Closed ${closed}; waiting for the ${inFlight.length} in-flight LLM call(s) to abort…\n`);
        await waitForLedgerRows(config, runId, inFlight, deadline - Date.now());
      }
      const report = await buildRunReport(client, config, workflowId, runId);
      const outcome: CancelOutcome = {
        workflow_id: workflowId,
        run_id: runId,
        final_status: closed ?? 'RUNNING',
        recorded: Boolean(report.course_row?.same_run && report.course_row.generation_status === 'cancelled'),
        in_flight: inFlight,
        aborted: report.sections.list.filter((s) => inFlight.includes(s.number) && s.status === 'cancelled').map((s) => s.number),
        report,
      };
      if (options.json) writeJson(stdout, outcome);
      else stdout.write(`${describeOutcome(outcome, timeoutS)}\n\n${formatRunReport(report)}\n`);
      return outcome.final_status === 'CANCELLED' && outcome.recorded ? 0 : 1;
    });
  });
}

function describeOutcome(o: CancelOutcome, timeoutS: number): string {
  if (o.final_status === 'RUNNING') {
    return `Still running after ${timeoutS} s. The cancellation stays requested; the workflow acts on it at its next step.`;
  }
  if (o.final_status !== 'CANCELLED') return `The run closed as ${o.final_status} before the cancellation took effect.`;
  const row = o.report.course_row;
  if (!o.recorded) {
    return `Cancelled, but the course row does not record it (row: ${row ? `${row.generation_status}, run ${row.same_run ? 'this one' : 'another'}` : 'missing'}). See the worker log.`;
  }
  const calls = o.in_flight.length
    ? `\nLLM calls in flight at the request: ${o.in_flight.length}; aborted since: ${o.aborted.length}` +
      (o.aborted.length < o.in_flight.length ? ' (the rest finished first or are still waiting for their next heartbeat)' : '')
    : '';
  return `Cancelled. Course row: ${row!.generation_status} (${row!.error_type} in ${row!.failed_phase}: ${row!.error_message})${calls}`;
}

/** Until every section in `numbers` has a ledger row in this run (aborted or, racing us, finished) or time is up. */
async function waitForLedgerRows(config: ClientConfig, runId: string, numbers: number[], timeoutMs: number): Promise<void> {
  const records = CourseRecords.open(config.databaseUrl);
  try {
    await pollUntil(async () => {
      const settled = new Set((await records.ledger(runId)).filter((r) => r.phase === 'section').map((r) => r.sectionIndex! + 1));
      return numbers.every((n) => settled.has(n)) ? true : null;
    }, timeoutMs);
  } catch {
    // An unreadable database shows up in the report below; the cancel itself has happened.
  } finally {
    await records.close();
  }
}
