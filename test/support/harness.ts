// Temporal plumbing for tests: one workflow bundle per test file, connections to the run's dev server, and a
// worker per test on its own task queue.
import type { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { quietRuntime } from '../../client/runtime';
import { connectClient, connectWorkerConnection, loadTemporalConnection } from '../../workers/temporal-connection';
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
  // The same loader as the worker and the CLI, on the test stack's address (no payload keys).
  const temporal = loadTemporalConnection({ TEMPORAL_ADDRESS: env.temporalAddress, TEMPORAL_NAMESPACE: env.namespace });
  const [{ client, connection }, nativeConnection, bundle] = await Promise.all([
    connectClient(temporal),
    connectWorkerConnection(temporal),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') }),
  ]);
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
