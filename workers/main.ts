// `npm run worker`: one worker, configuration from the environment only. SIGINT/SIGTERM shut it down gracefully.
import { describeConfig, loadConfig, ConfigError } from './config';
import { buildWorker } from './build-worker';

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
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
