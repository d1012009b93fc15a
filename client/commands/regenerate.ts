// `regenerate --course ID --section N [--model M]`: regenerate one section of a course, re-validate, re-sanitise
// and re-commit it. An open generation run takes the request as an Update (applied once its course is
// committed); for a finished run, the course's revision workflow is started (or joined) with update-with-start.
// Exit codes: 0 done, 1 the regeneration failed, 2 the request was rejected (no such course or section).
import { Client, WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { courseRevisionWorkflow } from '../../workflows';
import { regenerateSectionUpdate } from '../../workflows/messages';
import type { CourseStructure } from '../../workflows/schemas';
import {
  courseRevisionWorkflowId,
  courseWorkflowId,
  REVISION_WORKFLOW_TYPE,
  type RegenerateSectionRequest,
  type RegenerationResult,
} from '../../workflows/types';
import { loadClientConfig, workflowUiLink, type ClientConfig } from '../config';
import { CourseRecords } from '../course-records';
import { connectClient } from '../../workers/temporal-connection';

export interface RegenerateOptions {
  course: string;
  section: number;
  model?: string;
  json?: boolean;
  config?: ClientConfig;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

class RejectedRequest extends Error {}

export async function regenerateCommand(options: RegenerateOptions): Promise<number> {
  const config = options.config ?? loadClientConfig();
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const request: RegenerateSectionRequest = { section_number: options.section, ...(options.model ? { model: options.model } : {}) };
  const { client, connection } = await connectClient(config.temporal);
  try {
    const result = await sendRegeneration(client, config, options.course, request);
    if (options.json) stdout.write(`${JSON.stringify(result)}\n`);
    else {
      stdout.write(
        `Section ${result.section_number} regenerated: "${result.section_title}" by ${result.model} (attempt ${result.attempt}), ` +
          `similarity ${result.similarity}, ${result.tokens} tokens, $${result.cost_usd.toFixed(4)}\n` +
          `  ${workflowUiLink(config, result.workflow_id)}\n`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof RejectedRequest) {
      stderr.write(`${error.message}\n`);
      return 2;
    }
    const cause = error instanceof WorkflowUpdateFailedError ? error.cause : error;
    const type = cause instanceof ApplicationFailure ? cause.type : undefined;
    const message = cause instanceof Error ? cause.message : String(cause);
    stderr.write(`Regeneration failed: ${type ?? 'Error'}: ${message}\n`);
    if (options.json) stdout.write(`${JSON.stringify({ error: { type: type ?? 'Error', message } })}\n`);
    return 1;
  } finally {
    await connection.close();
  }
}

async function sendRegeneration(
  client: Client,
  config: ClientConfig,
  courseId: string,
  request: RegenerateSectionRequest,
): Promise<RegenerationResult> {
  const run = client.workflow.getHandle(courseWorkflowId(courseId));
  const status = await run.describe().then(
    (d) => d.status.name,
    (error) => {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    },
  );
  if (status === 'RUNNING') {
    // The workflow's validator checks the section number against its own plan.
    return run.executeUpdate(regenerateSectionUpdate, { args: [request] });
  }

  const sectionCount = await committedSectionCount(config.databaseUrl, courseId);
  if (request.section_number < 1 || request.section_number > sectionCount || !Number.isInteger(request.section_number)) {
    throw new RejectedRequest(`Section ${request.section_number} is out of range: course ${courseId} has sections 1 to ${sectionCount}`);
  }
  return client.workflow.executeUpdateWithStart(regenerateSectionUpdate, {
    args: [request],
    startWorkflowOperation: new WithStartWorkflowOperation<typeof courseRevisionWorkflow>(REVISION_WORKFLOW_TYPE, {
      workflowId: courseRevisionWorkflowId(courseId),
      taskQueue: config.taskQueue,
      args: [{ courseId, sectionCount }],
      // Requests for the same course join one revision workflow and are applied one after another.
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Revision of course ${courseId}`,
    }),
  });
}

async function committedSectionCount(databaseUrl: string, courseId: string): Promise<number> {
  const records = CourseRecords.open(databaseUrl);
  try {
    const row = await records.course(courseId);
    if (!row || row.generation_status !== 'completed') {
      throw new RejectedRequest(`Course ${courseId} has no committed structure (status: ${row?.generation_status ?? 'not found'}); nothing to regenerate`);
    }
    return (row.course_structure as CourseStructure).sections.length;
  } finally {
    await records.close();
  }
}
