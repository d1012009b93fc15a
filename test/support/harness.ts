// Temporal plumbing for tests: one workflow bundle per test file, connections to the run's dev server, and a
// worker per test on its own task queue.
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { quietRuntime } from '../../client/runtime';
import { testStackEnv } from './stack-env';

export interface Harness {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
  close(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  quietRuntime('ERROR');
  const env = testStackEnv();
  const [connection, nativeConnection, bundle] = await Promise.all([
    Connection.connect({ address: env.temporalAddress }),
    NativeConnection.connect({ address: env.temporalAddress }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') }),
  ]);
  const client = new Client({ connection, namespace: env.namespace });
  return {
    client,
    connection,
    nativeConnection,
    bundle,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

export async function createMockedWorker(harness: Harness, taskQueue: string, activities: Activities): Promise<Worker> {
  return Worker.create({
    connection: harness.nativeConnection,
    namespace: testStackEnv().namespace,
    taskQueue,
    workflowBundle: harness.bundle,
    activities,
  });
}
