// A testable worker factory, separate from the thin entry point that runs it: it wires the configuration into
// the activities, applies migrations, checks the server knows the workflow's search attributes, and creates the
// Temporal worker.
import {
  NativeConnection,
  Worker,
  type ActivityInterceptorsFactory,
  type WorkerOptions,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities, type Activities } from '../activities';
import { createOpenAiClient } from '../activities/llm';
import { loadPriceTable } from '../activities/pricing';
import { createTextSanitizer } from '../activities/sanitize';
import { Database } from '../activities/db/database';
import { migrate } from '../activities/db/migrations';
import { defaultSpoolDir, Spool } from '../activities/db/spool';
import { createStores, type Stores } from '../activities/db/stores';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';
import type { WorkerConfig } from './config';
import { connectWorkerConnection } from './temporal-connection';

export interface BuiltWorker {
  worker: Worker;
  stores: Stores;
  connection: NativeConnection;
  /** Ledger rows and answers kept through a PostgreSQL outage (WORKER_SPOOL_DIR). */
  spool: Spool;
  /** Spool files that were not whole, valid entries at start, renamed to *.corrupt (name and why). */
  corruptSpoolFiles: Array<{ file: string; reason: string }>;
  /** Closes what buildWorker opened (call after worker.run() returned). */
  close(): Promise<void>;
}

export interface BuildWorkerOptions {
  /** Tests pass a pre-built bundle so each worker does not re-bundle the workflow code. */
  workflowBundle?: WorkflowBundleOption;
  /** Tests replace some activities, given the real ones (e.g. to make one misbehave); the rest stay real. */
  wrapActivities?: (real: Activities) => Partial<Activities>;
  connection?: NativeConnection;
  /** Activity interceptors, e.g. the metrics' sections-in-flight gauge (workers/llm-metrics.ts). */
  activityInterceptors?: ActivityInterceptorsFactory[];
}

export async function buildWorker(config: WorkerConfig, options: BuildWorkerOptions = {}): Promise<BuiltWorker> {
  const database = Database.fromUrl(config.databaseUrl);
  const ownsConnection = !options.connection;
  let connection: NativeConnection | undefined = options.connection;
  let flusher: SpoolFlusher | undefined;
  try {
    const corruptSpoolFiles: Array<{ file: string; reason: string }> = [];
    const spool = await Spool.open(config.spoolDir ?? defaultSpoolDir(config.temporal.taskQueue), (file, reason) =>
      corruptSpoolFiles.push({ file, reason }),
    );
    const stores = createStores(database, spool);
    await migrate(database);
    // What an earlier process left on disk goes to PostgreSQL before any activity runs (best effort).
    await spool.flush();
    flusher = startSpoolFlusher(spool);
    connection ??= await connectWorkerConnection(config.temporal);
    await assertSearchAttributes(connection, config.temporal.namespace);
    const real = createActivities({
        settings: config.settings,
        stores,
        prices: await loadPriceTable(config.llm.pricesFile),
        llm: { ...config.llm, client: createOpenAiClient(config.llm) },
        embeddings: config.embeddings
          ? { client: createOpenAiClient(config.embeddings), model: config.embeddings.model }
          : null,
        sanitizer: createTextSanitizer(),
      });
    const activities = { ...real, ...options.wrapActivities?.(real) };
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      dataConverter: config.temporal.dataConverter,
      ...(options.workflowBundle
        ? { workflowBundle: options.workflowBundle }
        : { workflowsPath: require.resolve('../workflows') }),
      activities,
      interceptors: { activity: options.activityInterceptors ?? [] },
      ...slotOptions(config),
      // On SIGTERM, give in-flight LLM calls a moment to finish; the rest are retried elsewhere after the
      // heartbeat timeout.
      shutdownGraceTime: '10s',
      // The SDK would otherwise send heartbeats only every 0.8 × heartbeat timeout (16 s by default), and a
      // cancellation reaches an activity only with a heartbeat response.
      maxHeartbeatThrottleInterval: config.llm.heartbeatIntervalMs,
    });
    return {
      worker,
      stores,
      connection,
      spool,
      corruptSpoolFiles,
      async close() {
        // What PostgreSQL takes now is written; the rest stays on disk for the next start.
        flusher!.stop();
        await spool.flush();
        await database.close();
        if (ownsConnection) await connection!.close();
      },
    };
  } catch (error) {
    flusher?.stop();
    await database.close();
    if (ownsConnection) await connection?.close();
    throw error;
  }
}

/** Slots and cache from WORKER_* settings; what is unset keeps the SDK's default. */
function slotOptions(config: WorkerConfig): Partial<WorkerOptions> {
  const options: Partial<WorkerOptions> = {
    // LLM activities spend their time waiting on HTTP, not on CPU: one worker can hold many in flight.
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: config.tuning.maxConcurrentWorkflowTasks,
    maxCachedWorkflows: config.tuning.maxCachedWorkflows,
  };
  // An explicit undefined would replace the SDK's default instead of keeping it.
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

async function assertSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.keys(SEARCH_ATTRIBUTE_TYPES).filter((name) => !(name in (customAttributes ?? {})));
  if (missing.length > 0) {
    const flags = missing.map((name) => `--name ${name} --type ${SEARCH_ATTRIBUTE_TYPES[name]}`).join(' ');
    throw new Error(
      `The Temporal namespace "${namespace}" lacks the search attributes ${missing.join(', ')}. ` +
        `Register them once, e.g.: temporal operator search-attribute create --namespace ${namespace} ${flags} ` +
        '(npm run services registers them on its dev server).',
    );
  }
}

interface SpoolFlusher {
  stop(): void;
}

/** Retries spooled entries while there are any: every second at first, backing off to 30 s while PostgreSQL is down. */
function startSpoolFlusher(spool: Spool): SpoolFlusher {
  const MIN_MS = 1_000;
  const MAX_MS = 30_000;
  let delay = MIN_MS;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async () => {
    const depth = spool.depth();
    if (depth.ledger + depth.drafts > 0) {
      const result = await spool.flush();
      delay = result.error === undefined ? MIN_MS : Math.min(delay * 2, MAX_MS);
    } else {
      delay = MIN_MS;
    }
    if (!stopped) timer = setTimeout(tick, delay).unref();
  };
  timer = setTimeout(tick, delay).unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
