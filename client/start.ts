// Idempotent start: one workflow per course id. A running run is attached to; a completed one is attached to
// unless a re-run is asked for explicitly; a failed, cancelled or terminated one may be started again.
import type { Priority } from '@temporalio/common';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { courseGenerationWorkflow } from '../workflows';
import type { GenerationJobInput } from '../workflows/schemas';
import { courseWorkflowId, type GenerationSettings, WORKFLOW_TYPE } from '../workflows/types';

export interface StartOptions {
  taskQueue: string;
  /** Start a new run even when a completed run exists; the commit replaces the course row in one transaction. */
  rerun?: boolean;
  overrides?: Partial<GenerationSettings>;
  /** Regenerate every section even where an earlier failed or cancelled run stored a draft for the same inputs. */
  fresh?: boolean;
  /** Task-queue priority and fairness key of the run and its activities (client/scheduling.ts). */
  priority?: Priority;
}

export interface StartedRun {
  handle: WorkflowHandle<typeof courseGenerationWorkflow>;
  /** false when the call attached to a run that already existed. */
  started: boolean;
}

export async function startCourseGeneration(
  client: Client,
  input: GenerationJobInput,
  options: StartOptions,
): Promise<StartedRun> {
  const workflowId = courseWorkflowId(input.course_id);
  const attach = () => ({ handle: client.workflow.getHandle<typeof courseGenerationWorkflow>(workflowId), started: false });
  const status = await latestRunStatus(client, workflowId);
  if (status === 'RUNNING' || (status === 'COMPLETED' && !options.rerun)) return attach();

  const sections = input.analysis_result.recommended_structure.sections_breakdown.length;
  try {
    const handle = await client.workflow.start<typeof courseGenerationWorkflow>(WORKFLOW_TYPE, {
      workflowId,
      taskQueue: options.taskQueue,
      // A re-run of a completed course asks for new content: it never reuses drafts either.
      args: [input, options.overrides ?? {}, { fresh: (options.fresh ?? false) || (options.rerun ?? false) }],
      workflowIdReusePolicy: options.rerun ? 'ALLOW_DUPLICATE' : 'ALLOW_DUPLICATE_FAILED_ONLY',
      // Two clients racing for the same course join one run instead of failing or duplicating it.
      workflowIdConflictPolicy: 'USE_EXISTING',
      ...(options.priority ? { priority: options.priority } : {}),
      staticSummary: `Course: ${input.frontend_parameters.course_title}`,
      staticDetails: `**Course id:** ${input.course_id}\n\n**Sections:** ${sections}\n\n**Language:** ${input.frontend_parameters.language}`,
    });
    return { handle, started: true };
  } catch (error) {
    // A completed run appeared between the status check and the start.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return attach();
    throw error;
  }
}

async function latestRunStatus(client: Client, workflowId: string): Promise<string | null> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}
