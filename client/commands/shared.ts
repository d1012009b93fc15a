// What the operator commands (status, list, cancel) share: a connection per invocation, the run a user names,
// and where output goes. Each command returns an exit code: 0 done, 1 the run is not in the expected state (or is
// missing), 2 the arguments were wrong — so scripts can branch without parsing text.
import type { Client } from '@temporalio/client';
import { connectClient } from '../../workers/temporal-connection';
import { loadClientConfig, type ClientConfig } from '../config';
import { courseWorkflowId } from '../../workflows/types';

export interface CommandIo {
  config?: ClientConfig;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** Names one run: the course id (how people know it) or the workflow id (how Temporal knows it). */
export interface RunSelector {
  course?: string;
  workflowId?: string;
}

export class UsageError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertCourseId(course: string): string {
  if (!UUID.test(course)) throw new UsageError(`--course must be a course UUID, got "${course}"`);
  return course.toLowerCase();
}

export function resolveWorkflowId(selector: RunSelector): string {
  if (selector.course && selector.workflowId) throw new UsageError('Give either --course or --workflow-id, not both');
  if (selector.workflowId) return selector.workflowId;
  if (selector.course) return courseWorkflowId(assertCourseId(selector.course));
  throw new UsageError('Name the run with --course <uuid> or --workflow-id <id>');
}

/** The course id back from a workflow id we created (course-generation-<uuid>); null for foreign ids. */
export function courseIdOf(workflowId: string): string | null {
  const tail = workflowId.replace(/^course-generation-/, '');
  return tail !== workflowId && UUID.test(tail) ? tail : null;
}

/** Runs `work` with a client of its own and closes the connection whatever happens. */
export async function withClient<T>(config: ClientConfig, work: (client: Client) => Promise<T>): Promise<T> {
  const { client, connection } = await connectClient(config.temporal);
  try {
    return await work(client);
  } finally {
    await connection.close();
  }
}

/** Streams and config with their defaults, plus the usage-error → exit 2 convention in one place. */
export async function runCommand(io: CommandIo, body: (ctx: Required<CommandIo>) => Promise<number>): Promise<number> {
  const ctx = {
    config: io.config ?? loadClientConfig(),
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
  };
  try {
    return await body(ctx);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    ctx.stderr.write(`${error.message}\n`);
    return 2;
  }
}

export function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

export const usd = (value: number | null | undefined) => (value == null ? '-' : `$${value.toFixed(4)}`);

/** Polls `check` until it returns a value or the deadline passes (then null). */
export async function pollUntil<T>(check: () => Promise<T | null>, timeoutMs: number, intervalMs = 500): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
