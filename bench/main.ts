// `npm run bench`: parse the flags, run the benchmark, print the report (markdown, or one JSON object with --json).
// Progress goes to stderr so stdout stays the report. Ctrl-C stops every process the benchmark started.
import { openEnvs } from './env';
import { parseCli, USAGE } from './options';
import { renderMarkdown } from './report';
import { runBenchmark } from './run-benchmark';
import { openScaleEnvs } from './scale-env';
import { renderScaleSection } from './scale-report';

async function main(): Promise<number> {
  let options;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      options.log(`${signal}: stopping the stack, the simulator and the workers`);
      void Promise.all([...openEnvs, ...openScaleEnvs].map((env) => env.close())).finally(() => process.exit(130));
    });
  }
  const report = await runBenchmark(options);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    process.stdout.write(options.only === 'scale' ? renderScaleSection(report) : renderMarkdown(report));
  }
  options.log(`report written to ${report.files.report}${options.only ? '' : ` and ${report.files.svg}`}`);
  return report.allRunsCompleted ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
