// `cancel --course <uuid> | --workflow-id <id> [--timeout 60] [--json]`: a graceful cancel. The workflow turns the
// request into cancelled LLM activities (delivered at their next heartbeat) and, in a non-cancellable scope, a
// course row with generation_status 'cancelled'. This command waits for the run to close and checks that row,
// so "exit 0" means both Temporal and PostgreSQL agree the run was cancelled.
import { WorkflowNotFoundError, type WorkflowExecutionStatusName } from '@temporalio/client';
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
      // Pinned to this run: a later re-run of the same course must never receive this request.
      const handle = client.workflow.getHandle(workflowId, runId);
      await handle.cancel();
      stderr.write(`Cancellation requested for ${workflowId} (run ${runId}); waiting up to ${timeoutS} s for it to close…\n`);

      const closed = await pollUntil(async () => {
        const status = (await handle.describe()).status.name;
        return status === 'RUNNING' ? null : status;
      }, timeoutS * 1000);
      const report = await buildRunReport(client, config, workflowId, runId);
      const outcome: CancelOutcome = {
        workflow_id: workflowId,
        run_id: runId,
        final_status: closed ?? 'RUNNING',
        recorded: Boolean(report.course_row?.same_run && report.course_row.generation_status === 'cancelled'),
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
  return `Cancelled. Course row: ${row!.generation_status} (${row!.error_type} in ${row!.failed_phase}: ${row!.error_message})`;
}
