// `npm run worker`: one worker, configuration from the environment only. SIGINT/SIGTERM shut it down gracefully.
import { describeConfig, loadConfig, ConfigError } from './config';
import { buildWorker } from './build-worker';
import { TemporalConfigError } from './temporal-connection';

async function main(): Promise<void> {
  const config = loadConfig();
  console.error('coursegen worker starting with', JSON.stringify(describeConfig(config)));
  const built = await buildWorker(config);
  console.error(`coursegen worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  try {
    await built.worker.run();
  } finally {
    await built.close();
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError || error instanceof TemporalConfigError ? error.message : error);
  process.exit(1);
});
