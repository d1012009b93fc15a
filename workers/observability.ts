// Wires a built worker to what operators watch: one log line per ledger row, the LLM metrics, and (with
// WORKER_HTTP_PORT) the HTTP port serving /metrics and /healthz.
import { Context } from '@temporalio/activity';
import type { Logger } from '@temporalio/common';
import type { LedgerEntry } from '../activities/db/entries';
import type { SpoolObserver } from '../activities/db/spool';
import type { BuiltWorker } from './build-worker';
import type { WorkerConfig } from './config';
import { checkHealth } from './health';
import { startWorkerHttpServer, type WorkerHttpServer } from './http-server';
import type { LlmMetrics } from './llm-metrics';

/** The context logger of the activity making the call (it adds workflow, run, activity and attempt), else `fallback`. */
function activityLogger(fallback: Logger): Logger {
  try {
    return Context.current().log;
  } catch {
    return fallback;
  }
}

/** What one ledger row says, as a log line. The prompt is not in the row; error messages are already redacted. */
export function logLlmCall(logger: Logger) {
  return (entry: LedgerEntry) => {
    const meta = {
      workflowId: entry.workflowId,
      runId: entry.runId,
      activityId: entry.activityId,
      attempt: entry.attempt,
      model: entry.model,
      phase: entry.phase,
      section: entry.sectionIndex === null ? undefined : entry.sectionIndex + 1,
      outcome: entry.outcome,
      latency_ms: entry.latencyMs,
      prompt_tokens: entry.promptTokens,
      completion_tokens: entry.completionTokens,
      cost_usd: entry.costUsd,
      error: entry.errorMessage ?? undefined,
    };
    const log = activityLogger(logger);
    if (entry.outcome === 'ok') log.info('LLM call', meta);
    else log.warn('LLM call failed', meta);
  };
}

/** Spooling is a warning (PostgreSQL unreachable, entries on this worker's disk); flushing them back is info. */
export function logSpool(logger: Logger): SpoolObserver {
  return (event) => {
    const meta = { kind: event.kind, count: event.count, spool_ledger: event.depth.ledger, spool_drafts: event.depth.drafts };
    if (event.action === 'spooled') activityLogger(logger).warn('PostgreSQL unreachable: spooled on the worker\'s disk', { ...meta, error: event.reason });
    else if (event.action === 'rejected') logger.warn('PostgreSQL refused a spooled entry: renamed to *.rejected, not retried', { ...meta, error: event.reason });
    else logger.info('Spooled entries written to PostgreSQL', meta);
  };
}

export async function observeWorker(
  config: WorkerConfig,
  built: BuiltWorker,
  options: { logger: Logger; metrics: LlmMetrics | null; sdkMetricsUrl: string | null },
): Promise<{ http: WorkerHttpServer | null }> {
  built.stores.ledger.observe(logLlmCall(options.logger));
  if (options.metrics) built.stores.ledger.observe(options.metrics.record);
  built.spool.observe(logSpool(options.logger));
  if (options.metrics) built.spool.observe(options.metrics.spool);
  for (const { file, reason } of built.corruptSpoolFiles) {
    options.logger.warn('Spool file is not a valid entry: renamed to *.corrupt, not flushed', { dir: built.spool.dir, file, reason });
  }
  const depth = built.spool.depth();
  if (depth.ledger + depth.drafts > 0) options.logger.warn('Spool holds entries PostgreSQL has not taken yet', { dir: built.spool.dir, ...depth });
  if (!config.httpPort || !options.metrics) return { http: null };
  const http = await startWorkerHttpServer({
    port: config.httpPort,
    registry: options.metrics.registry,
    sdkMetricsUrl: options.sdkMetricsUrl,
    health: () =>
      checkHealth({
        worker: built.worker,
        connection: built.connection,
        database: built.stores.database,
        spool: built.spool,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
      }),
  });
  return { http };
}

/** Every model id a label may carry: the ladders, the embeddings model and the price table; others are "other". */
export function knownModels(config: WorkerConfig, priced: Iterable<string>): string[] {
  return [...new Set([...config.llm.metadataModels, ...config.llm.metadataSupportModels, ...config.llm.sectionModels, ...config.llm.judgeModels, ...(config.embeddings ? [config.embeddings.model] : []), ...priced])];
}
