// The coursegen command line (npm run generate -- …). Configuration comes from the environment (README).
import { Command } from 'commander';
import { registerOperatorCommands } from './commands';
import { regenerateCommand } from './commands/regenerate';
import { generateCommand } from './generate';

const program = new Command('coursegen').description('Durable course-structure generation on Temporal');

program
  .command('generate')
  .description('Validate a job input, start or attach to its run, show progress, print the result')
  .requiredOption('--input <file>', 'GenerationJobInput JSON file')
  .option('--json', 'print one JSON object { course_structure, generation_metadata, workflow_id, run_id }')
  .option('--rerun', 'start a new run even if this course already completed (replaces the course row)')
  .option('--fresh', "regenerate every section instead of reusing an earlier failed run's drafts")
  .option('--priority <1..5>', 'task-queue priority of the run and its activities: 1 first … 5 last (default 3)')
  .option('--tenant <id>', "fairness key: the server takes tenants' backlogs in turn, so no tenant's batch starves another's")
  .action(async (options: { input: string; json?: boolean; rerun?: boolean; fresh?: boolean; priority?: string; tenant?: string }) => {
    process.exitCode = await generateCommand(options);
  });

registerOperatorCommands(program);

program
  .command('regenerate')
  .description('Regenerate one section of a course with the next model (or --model), re-validate and re-commit it')
  .requiredOption('--course <uuid>', 'course id')
  .requiredOption('--section <n>', 'section number, 1-based', (value) => Number(value))
  .option('--model <model>', 'use this model instead of the next one of the section ladder')
  .option('--json', 'print the result as one JSON object')
  .action(async (options: { course: string; section: number; model?: string; json?: boolean }) => {
    process.exitCode = await regenerateCommand(options);
  });

program.parseAsync(process.argv).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
