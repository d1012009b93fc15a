// `generate`: validate the input file, start (or attach to) the course's run, show progress, print the result.
// Exit codes: 0 success, 1 the workflow failed, 2 the input was rejected before anything started.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { CourseStructure } from '../workflows/schemas';
import { connectClient } from '../workers/temporal-connection';
import type { GenerationMetadata, GenerationResult, GenerationSettings } from '../workflows/types';
import { loadClientConfig, workflowUiLink, type ClientConfig } from './config';
import { CourseRecords } from './course-records';
import { InputError, readJobInput } from './input-file';
import { watchProgress } from './progress-display';
import { schedulingPriority } from './scheduling';
import { startCourseGeneration } from './start';
import { formatSummary } from './summary';

export interface GenerateOptions {
  input: string;
  json?: boolean;
  rerun?: boolean;
  fresh?: boolean;
  /** --priority 1..5 and --tenant ID: Temporal's task-queue priority and fairness key. */
  priority?: number | string;
  tenant?: string;
  overrides?: Partial<GenerationSettings>;
  config?: ClientConfig;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream;
}

export async function generateCommand(options: GenerateOptions): Promise<number> {
  const config = options.config ?? loadClientConfig();
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  let input;
  let priority;
  try {
    priority = schedulingPriority(options);
  } catch (error) {
    stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  try {
    input = await readJobInput(options.input);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    stderr.write(`${error.message}\n`);
    return 2;
  }

  const { client, connection } = await connectClient(config.temporal);
  try {
    const { handle, started } = await startCourseGeneration(client, input, {
      taskQueue: config.taskQueue,
      rerun: options.rerun,
      fresh: options.fresh,
      overrides: options.overrides,
      priority,
    });
    stderr.write(`${started ? 'Started' : 'Attached to'} ${handle.workflowId}\n  ${workflowUiLink(config, handle.workflowId)}\n`);
    const result = handle.result();
    await watchProgress(handle, result, stderr);
    let outcome: GenerationResult;
    try {
      outcome = await result;
    } catch (error) {
      const failure = describeFailure(error);
      stderr.write(`Generation failed: ${failure.type}: ${failure.message}\n`);
      if (options.json) stdout.write(`${JSON.stringify({ error: failure, workflow_id: handle.workflowId })}\n`);
      return 1;
    }
    const course = await readCommittedCourse(config.databaseUrl, outcome.course_id);
    const link = workflowUiLink(config, outcome.workflow_id, outcome.run_id);
    if (options.json) {
      stdout.write(
        `${JSON.stringify({
          course_structure: course.structure,
          generation_metadata: course.metadata,
          workflow_id: outcome.workflow_id,
          run_id: outcome.run_id,
        })}\n`,
      );
    } else {
      stdout.write(`${formatSummary(course.structure, course.metadata, link)}\n`);
    }
    return 0;
  } finally {
    await connection.close();
  }
}

/** The course row is the source of truth for the result; the workflow history only holds receipts. */
export async function readCommittedCourse(
  databaseUrl: string,
  courseId: string,
): Promise<{ structure: CourseStructure; metadata: GenerationMetadata }> {
  const records = CourseRecords.open(databaseUrl);
  try {
    const row = await records.course(courseId);
    if (!row || row.generation_status !== 'completed') throw new Error(`Course ${courseId} has no committed structure`);
    return { structure: row.course_structure as CourseStructure, metadata: row.generation_metadata as GenerationMetadata };
  } finally {
    await records.close();
  }
}

export function describeFailure(error: unknown): { type: string; message: string } {
  const cause = error instanceof WorkflowFailedError ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  return { type: (cause as Error)?.name ?? 'Error', message: (cause as Error)?.message ?? String(cause) };
}
