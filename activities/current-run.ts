import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

export interface CurrentRun {
  workflowId: string;
  runId: string;
}

/**
 * The workflow run this activity works for. Since SDK 1.18 an activity may also be started on its own
 * (a standalone activity, without a workflow), so the SDK types the run as optional; every ledger row and
 * artifact here is keyed by the run, so an activity started without one is a caller's mistake, not a retry.
 */
export function currentRun(): CurrentRun {
  const execution = Context.current().info.workflowExecution;
  if (!execution) {
    throw ApplicationFailure.nonRetryable('this activity only runs inside a course-generation workflow run', 'NoWorkflowRun');
  }
  return { workflowId: execution.workflowId, runId: execution.runId };
}
