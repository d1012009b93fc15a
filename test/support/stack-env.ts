// Where the run's test stack is (Temporal, PostgreSQL, engine), for global setup and every test; task queues per test.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Written by global-setup for tooling (and as a fallback for code that lost its env). */
export const TEST_STACK_FILE = path.resolve(__dirname, '..', '..', '.stack', 'test-stack.json');

export interface TestStackEnv {
  temporalAddress: string;
  temporalUiUrl: string;
  databaseUrl: string;
  namespace: string;
  /** 'cluster': the production server on the run's PostgreSQL (jest.cluster.config.js); 'dev': the dev server. */
  engine: 'dev' | 'cluster';
  /** The cluster's server process, e.g. to measure its CPU; the shared server is never stopped by a test
   *  (a test that stops Temporal starts its own: test/support/private-servers.ts startPrivateTemporal). */
  temporalServerPid?: number;
}

/** Where the per-run test stack is: process.env (set by global-setup, inherited by workers), else the JSON file. */
export function testStackEnv(): TestStackEnv {
  const env = process.env;
  if (env.TEMPORAL_ADDRESS && env.DATABASE_URL) {
    return {
      temporalAddress: env.TEMPORAL_ADDRESS,
      temporalUiUrl: env.TEMPORAL_UI ?? '',
      databaseUrl: env.DATABASE_URL,
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      engine: env.COURSEGEN_TEST_ENGINE === 'cluster' ? 'cluster' : 'dev',
      temporalServerPid: env.TEMPORAL_SERVER_PID ? Number(env.TEMPORAL_SERVER_PID) : undefined,
    };
  }
  let saved: Partial<TestStackEnv>;
  try {
    saved = JSON.parse(fs.readFileSync(TEST_STACK_FILE, 'utf8')) as Partial<TestStackEnv>;
  } catch {
    throw new Error('No test stack: run jest with globalSetup test/support/global-setup.ts (or set TEMPORAL_ADDRESS and DATABASE_URL).');
  }
  if (!saved.temporalAddress || !saved.databaseUrl) throw new Error(`${TEST_STACK_FILE} is incomplete`);
  return {
    temporalAddress: saved.temporalAddress,
    temporalUiUrl: saved.temporalUiUrl ?? '',
    databaseUrl: saved.databaseUrl,
    namespace: saved.namespace || 'default',
    engine: saved.engine === 'cluster' ? 'cluster' : 'dev',
    temporalServerPid: saved.temporalServerPid,
  };
}

let counter = 0;

/**
 * A task queue no other test (or earlier run on a persistent server) uses, so
 * a worker never picks up another test's tasks.
 */
export function uniqueTaskQueue(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.env.JEST_WORKER_ID ?? '0'}-${process.pid}-${counter}-${crypto.randomBytes(4).toString('hex')}`;
}

/** Shared between global-setup and global-teardown, which run in the same jest parent process. */
export const STACK_HANDLE = Symbol.for('coursegen.testStack');

export interface GlobalStackHandle {
  stop(): Promise<void>;
  /** Temp dir holding the run's data and logs; removed at teardown. */
  root: string;
  pid: number;
}
