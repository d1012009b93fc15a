// `npm run worker`: one worker, configuration from the environment only. SIGINT/SIGTERM shut it down gracefully.
// Logs are JSON lines on stderr (readable lines on a terminal); WORKER_HTTP_PORT adds /metrics and /healthz.
import { Runtime } from '@temporalio/worker';
import { loadPriceTable } from '../activities/pricing';
import { describeConfig, loadConfig, ConfigError } from './config';
import { buildWorker } from './build-worker';
import { createLlmMetrics } from './llm-metrics';
import { knownModels, observeWorker } from './observability';
import { installWorkerRuntime } from './telemetry';
import { TemporalConfigError } from './temporal-connection';

async function main(): Promise<void> {
  const config = loadConfig();
  const { sdkMetricsUrl } = await installWorkerRuntime(config);
  const logger = Runtime.instance().logger;
  logger.info('coursegen worker starting', describeConfig(config));
  const prices = await loadPriceTable(config.llm.pricesFile);
  const metrics = config.httpPort ? createLlmMetrics(knownModels(config, Object.keys(prices).filter((model) => model !== 'default'))) : null;
  const built = await buildWorker(config, { activityInterceptors: metrics ? [metrics.activityInterceptor] : [] });
  const { http } = await observeWorker(config, built, { logger, metrics, sdkMetricsUrl });
  if (http) logger.info(`coursegen worker serving /metrics and /healthz on port ${http.port}`);
  logger.info(`coursegen worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  try {
    await built.worker.run();
  } finally {
    await http?.close();
    await built.close();
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError || error instanceof TemporalConfigError ? error.message : error);
  process.exit(1);
});
