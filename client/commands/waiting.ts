// `waiting --course <uuid> (--retry-now | --use-model <m> | --give-up) [--json]`: act on the sections of a run that
// wait for their provider (SECTION_PATIENCE). Each action is an Update the run validates before accepting it: a
// run with no waiting section rejects it (exit 1) and nothing enters its history.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { giveUpUpdate, retrySectionsNowUpdate, useModelUpdate } from '../../workflows/messages';
import type { WaitingSectionsResult } from '../../workflows/types';
import { resolveWorkflowId, runCommand, UsageError, withClient, writeJson, type CommandIo, type RunSelector } from './shared';

export interface WaitingOptions extends RunSelector, CommandIo {
  retryNow?: boolean;
  useModel?: string;
  giveUp?: boolean;
  json?: boolean;
}

export async function waitingCommand(options: WaitingOptions): Promise<number> {
  return runCommand(options, async ({ config, stdout, stderr }) => {
    const workflowId = resolveWorkflowId(options);
    const actions = [options.retryNow, options.useModel !== undefined, options.giveUp].filter(Boolean).length;
    if (actions !== 1) throw new UsageError('Give exactly one of --retry-now, --use-model <model>, --give-up');
    if (options.useModel !== undefined && !options.useModel.trim()) throw new UsageError('--use-model needs a model name');
    return withClient(config, async (client) => {
      const handle = client.workflow.getHandle(workflowId);
      let result: WaitingSectionsResult;
      try {
        if (options.retryNow) result = await handle.executeUpdate(retrySectionsNowUpdate);
        else if (options.giveUp) result = await handle.executeUpdate(giveUpUpdate);
        else result = await handle.executeUpdate(useModelUpdate, { args: [{ model: options.useModel!.trim() }] });
      } catch (error) {
        // Rejected by the run's validator (no section waits) or the run is closed.
        const message = error instanceof WorkflowUpdateFailedError ? (error.cause?.message ?? error.message) : (error as Error).message;
        stderr.write(`${message}\n`);
        return 1;
      }
      const action = options.retryNow ? 'retrying now' : options.giveUp ? 'given up: the run fails' : `retrying now with ${options.useModel}`;
      if (options.json) writeJson(stdout, { workflow_id: workflowId, action, ...result });
      else stdout.write(`Sections ${result.sections.join(', ')} of ${workflowId}: ${action}\n`);
      return 0;
    });
  });
}
