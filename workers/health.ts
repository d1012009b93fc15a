// What /healthz answers: is this worker able to do its job right now? Each check is bounded by a timeout, so a
// hung dependency makes the worker unhealthy instead of hanging the probe.
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Database } from '../activities/db/database';
import type { Spool } from '../activities/db/spool';

/** A poll lasts up to about a minute without tasks; the server records the poller when a poll starts. */
const POLLER_FRESH_MS = 120_000;

export interface HealthCheckDeps {
  worker: Worker;
  connection: NativeConnection;
  database: Database;
  spool: Spool;
  namespace: string;
  taskQueue: string;
  timeoutMs?: number;
}

export interface HealthReport {
  healthy: boolean;
  checks: {
    /** The SDK worker runs and both of its pollers are polling (not failed or shut down). */
    worker: { ok: boolean; detail: string };
    /** Temporal answers, and lists this worker among the pollers of both task queue types. */
    temporal: { ok: boolean; detail: string };
    database: { ok: boolean; detail: string };
  };
  /** Ledger rows and answers waiting on this worker's disk for PostgreSQL (informative: never unhealthy by itself). */
  spool: { ledger: number; drafts: number };
}

const TASK_QUEUE_TYPES = { workflow: 1, activity: 2 } as const;

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function checkTemporal(deps: HealthCheckDeps, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  const identity = deps.worker.options.identity;
  const describe = (type: number) =>
    deps.connection.withDeadline(Date.now() + timeoutMs, () =>
      deps.connection.workflowService.describeTaskQueue({
        namespace: deps.namespace,
        taskQueue: { name: deps.taskQueue },
        taskQueueType: type,
      }),
    );
  try {
    const [workflow, activity] = await withTimeout(
      Promise.all([describe(TASK_QUEUE_TYPES.workflow), describe(TASK_QUEUE_TYPES.activity)]),
      timeoutMs + 500,
      'Temporal',
    );
    const now = Date.now();
    const fresh = (pollers: typeof workflow.pollers) =>
      (pollers ?? []).some((p) => {
        const seconds = Number(p.lastAccessTime?.seconds ?? 0);
        return p.identity === identity && now - seconds * 1000 < POLLER_FRESH_MS;
      });
    const missing = [fresh(workflow.pollers) ? null : 'workflow', fresh(activity.pollers) ? null : 'activity'].filter(Boolean);
    return missing.length === 0
      ? { ok: true, detail: `polling "${deps.taskQueue}" as ${identity}` }
      : { ok: false, detail: `Temporal does not list ${identity} among the ${missing.join(' and ')} pollers of "${deps.taskQueue}"` };
  } catch (error) {
    return { ok: false, detail: `Temporal unreachable: ${(error as Error).message}` };
  }
}

async function checkDatabase(database: Database, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  try {
    await withTimeout(database.ping(), timeoutMs, 'PostgreSQL');
    return { ok: true, detail: 'reachable' };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}

export async function checkHealth(deps: HealthCheckDeps): Promise<HealthReport> {
  const timeoutMs = deps.timeoutMs ?? 3_000;
  const status = deps.worker.getStatus();
  const workerOk =
    status.runState === 'RUNNING' && status.workflowPollerState === 'POLLING' && status.activityPollerState === 'POLLING';
  const [temporal, database] = await Promise.all([checkTemporal(deps, timeoutMs), checkDatabase(deps.database, timeoutMs)]);
  const worker = {
    ok: workerOk,
    detail: `run state ${status.runState}, workflow poller ${status.workflowPollerState}, activity poller ${status.activityPollerState}`,
  };
  return { healthy: worker.ok && temporal.ok && database.ok, checks: { worker, temporal, database }, spool: deps.spool.depth() };
}
