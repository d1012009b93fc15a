// The Temporal Core runtime of a worker process, installed once before any connection: its logger (JSON lines, see
// logger.ts) and, when the worker serves metrics, the SDK's own Prometheus exporter on a loopback port that only
// this process reads (http-server.ts appends its text to /metrics, so one port serves both).
import { Runtime } from '@temporalio/worker';
import net from 'node:net';
import { createWorkerLogger } from './logger';
import type { WorkerConfig } from './config';

/** A free loopback port, for the SDK's exporter (the Core runtime binds it itself and reports no port back). */
async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Installs the runtime; returns the URL of the SDK's metrics exporter, or null when no metrics port is configured. */
export async function installWorkerRuntime(config: WorkerConfig): Promise<{ sdkMetricsUrl: string | null }> {
  const logger = createWorkerLogger(config.logLevel, {
    secrets: [config.llm.apiKey, config.embeddings?.apiKey ?? ''].filter(Boolean),
  });
  const sdkPort = config.httpPort ? await freeLoopbackPort() : null;
  Runtime.install({
    logger,
    telemetryOptions: {
      // Core's own warnings (connection loss, poll errors) go through the same logger as everything else.
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      ...(sdkPort
        ? {
            metrics: {
              prometheus: {
                bindAddress: `127.0.0.1:${sdkPort}`,
                // Prometheus conventions: counters end in _total, durations in seconds.
                countersTotalSuffix: true,
                useSecondsForDurations: true,
              },
            },
          }
        : {}),
    },
  });
  return { sdkMetricsUrl: sdkPort ? `http://127.0.0.1:${sdkPort}/metrics` : null };
}
