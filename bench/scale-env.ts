// One engine's environment for the scale runs: its own embedded PostgreSQL, then either the Temporal CLI's dev
// server (SQLite, one process) or the production server v1.32 on that PostgreSQL (the cluster), the LLM simulator
// and a client in this process, and the workers as child processes on one task queue. Every worker is a process of
// its own so that its CPU and memory are its own and the simulator's CPU (this process) is reported apart.
import { Client, Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { startLlmSimulator, type LlmSimulator } from '../simulator/server';
import { startEmbeddedPostgres } from '../stack/postgres';
import { startStack, STACK_DATABASE, STACK_NAMESPACE } from '../stack/stack';
import { startTemporalCluster } from '../stack/temporal-cluster';
import { freePorts } from '../stack/util';
import { startChildWorker, type ChildWorker } from './child-worker';
import type { BenchOptions, Engine } from './options';

export interface ScaleEnv {
  engine: Engine;
  sim: LlmSimulator;
  client: Client;
  taskQueue: string;
  databaseUrl: string;
  /** The worker processes polling the task queue now, in start order. */
  workers: ChildWorker[];
  /** Activity slots of each worker process (WORKER_MAX_CONCURRENT_ACTIVITIES), fixed when it started. */
  workerSlots: number[];
  /** Start worker processes until `count` poll the task queue (scale points run in ascending worker counts). */
  ensureWorkers(count: number, slotsPerWorker: number): Promise<void>;
  /** Transactions committed so far per database of the PostgreSQL server (the project's and Temporal's). */
  transactions(): Promise<Record<string, number>>;
  /** Rejects as soon as a server or worker of this environment dies: no run waits forever on it. */
  guard<T>(work: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const openScaleEnvs = new Set<ScaleEnv>();

export async function openScaleEnv(engine: Engine, options: BenchOptions): Promise<ScaleEnv> {
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((e) => options.log(`cleanup: ${(e as Error).message}`));
  };
  let failed: (error: Error) => void = () => undefined;
  const died = new Promise<never>((_, reject) => (failed = reject));
  died.catch(() => undefined);
  let stopping = false;
  try {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `coursegen-bench-${engine}-`));
    // As root, PostgreSQL runs as the `postgres` user and must be able to enter the folder mkdtemp made 0700.
    fs.chmodSync(root, 0o755);
    closers.push(async () => fs.rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
    const log = (m: string) => /error|ready|started/i.test(m) && options.log(`${engine}: ${m}`);
    let address: string;
    let databaseUrl: string;
    if (engine === 'dev') {
      // Like the per-mode runs: a dev server and PostgreSQL named by TEMPORAL_ADDRESS and DATABASE_URL are used as
      // they are (their CPU is then not counted: they are not this process's descendants).
      const existing = Boolean(process.env.TEMPORAL_ADDRESS && process.env.DATABASE_URL);
      options.log(existing ? 'dev: using TEMPORAL_ADDRESS and DATABASE_URL' : `dev: starting PostgreSQL and the Temporal dev server in ${root}`);
      const [temporalPort, temporalUiPort, postgresPort] = await freePorts(3);
      const stack = await startStack({
        root,
        temporalPort,
        temporalUiPort,
        postgresPort,
        log,
        useExistingTemporalAddress: existing ? process.env.TEMPORAL_ADDRESS : undefined,
        useExistingDatabaseUrl: existing ? process.env.DATABASE_URL : undefined,
      });
      closers.push(() => stack.stop());
      void stack.unexpectedExit.then((what) => stopping || failed(new Error(`dev: ${what} exited during the benchmark`)));
      address = stack.temporalAddress;
      databaseUrl = stack.databaseUrl;
    } else {
      options.log(`cluster: starting PostgreSQL and the Temporal server v1.32 on it in ${root}`);
      const [postgresPort] = await freePorts(1);
      const pg = await startEmbeddedPostgres({ dataDir: path.join(root, 'postgres'), port: postgresPort, database: STACK_DATABASE, logFile: path.join(root, 'postgres.log'), log });
      closers.push(() => pg.stop());
      void pg.exited.then(() => stopping || failed(new Error('cluster: PostgreSQL exited during the benchmark')));
      const cluster = await startTemporalCluster({
        postgresUrl: pg.databaseUrl,
        dir: path.join(root, 'temporal'),
        uiPort: false,
        log,
        numHistoryShards: options.clusterShards,
        dynamicConfig: options.clusterDynamicConfig,
        sqlMaxConns: options.clusterSqlConns,
      });
      closers.push(() => cluster.stop());
      void cluster.unexpectedExit.then((what) => stopping || failed(new Error(`cluster: ${what} exited during the benchmark`)));
      address = cluster.address;
      databaseUrl = pg.databaseUrl;
    }

    const sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor: options.scaleTimeFactor, seed: options.seed });
    closers.push(() => sim.close());
    const connection = await Connection.connect({ address });
    closers.push(() => connection.close());
    const client = new Client({ connection, namespace: STACK_NAMESPACE });
    const taskQueue = `coursegen-scale-${randomBytes(4).toString('hex')}`;

    const workers: ChildWorker[] = [];
    const workerSlots: number[] = [];
    closers.push(async () => {
      stopping = true;
      await Promise.all(workers.map((w) => w.stop()));
    });
    const workerEnv = (slots: number): Record<string, string> => ({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: STACK_NAMESPACE,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: databaseUrl,
      LLM_BASE_URL: sim.url,
      LLM_API_KEY: 'bench-simulator-not-a-real-key',
      SECTION_CONCURRENCY: String(options.concurrency),
      SECTION_FANOUT: options.scaleMode,
      SECTION_GROUP_DELAY_MS: String(options.groupDelayMs),
      WORKER_MAX_CONCURRENT_ACTIVITIES: String(slots),
      ...options.workerSettings,
    });

    const pgAdmin = new PgClient({ connectionString: databaseUrl });
    await pgAdmin.connect();
    closers.push(() => pgAdmin.end());

    const env: ScaleEnv = {
      engine,
      sim,
      client,
      taskQueue,
      databaseUrl: databaseUrl,
      workers,
      workerSlots,
      async ensureWorkers(count, slotsPerWorker) {
        while (workers.length < count) {
          options.log(`${engine}: starting worker process ${workers.length + 1} (${slotsPerWorker} activity slots)`);
          const worker = await startChildWorker(workerEnv(slotsPerWorker));
          workers.push(worker);
          workerSlots.push(slotsPerWorker);
          void worker.exited.then((code) => stopping || failed(new Error(`${engine}: worker ${worker.pid} exited with code ${code} during the benchmark:\n${worker.tail()}`)));
        }
      },
      async transactions() {
        const { rows } = await pgAdmin.query<{ datname: string; xacts: string }>(
          'select datname, xact_commit + xact_rollback as xacts from pg_stat_database where datname is not null',
        );
        return Object.fromEntries(rows.map((r) => [r.datname, Number(r.xacts)]));
      },
      guard: (work) => Promise.race([work, died]),
      close: async () => {
        stopping = true;
        openScaleEnvs.delete(env);
        await closeAll();
      },
    };
    openScaleEnvs.add(env);
    return env;
  } catch (error) {
    stopping = true;
    await closeAll();
    throw error;
  }
}
