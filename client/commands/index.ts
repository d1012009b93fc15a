// The operator commands on the coursegen CLI: status, list, cancel and stats (npm run status|list|cancel -- …).
import type { Command } from 'commander';
import { cancelCommand } from './cancel';
import { listCommand, STATUS_FILTERS } from './list';
import { statsCommand } from './stats';
import { statusCommand } from './status';
import { waitingCommand } from './waiting';

const exit = (code: number) => {
  process.exitCode = code;
};

export function registerOperatorCommands(program: Command): void {
  program
    .command('status')
    .description('Show one run: status, phase, sections (model, attempt), tokens, cost, Web UI link')
    .option('--course <uuid>', 'the course id of the run')
    .option('--workflow-id <id>', 'the workflow id instead of the course id')
    .option('--json', 'print the report as JSON')
    .action(async (options) => exit(await statusCommand(options)));

  program
    .command('list')
    .description('List recent course generation runs with their phase, cost and title')
    .option('--limit <n>', 'how many runs', '20')
    .option('--status <status>', `only runs in this state: ${Object.keys(STATUS_FILTERS).join('|')}`)
    .option('--course <uuid>', 'only the runs of this course (all its re-runs)')
    .option('--json', 'print the runs as JSON')
    .action(async (options) => exit(await listCommand(options)));

  program
    .command('cancel')
    .description('Cancel a running generation gracefully, wait for it to close and confirm the course row says cancelled')
    .option('--course <uuid>', 'the course id of the run')
    .option('--workflow-id <id>', 'the workflow id instead of the course id')
    .option('--timeout <seconds>', 'how long to wait for the run to close', '60')
    .option('--json', 'print the outcome as JSON')
    .action(async (options) => exit(await cancelCommand(options)));

  program
    .command('waiting')
    .description('Act on sections waiting for their provider: retry them now, switch their model, or give up')
    .option('--course <uuid>', 'the course id of the run')
    .option('--workflow-id <id>', 'the workflow id instead of the course id')
    .option('--retry-now', 'start the next round of every waiting section now')
    .option('--use-model <model>', 'the waiting sections use this model from their next round on, starting now')
    .option('--give-up', 'stop waiting and fail the run now with the current cause')
    .option('--json', 'print the outcome as JSON')
    .action(async (options) => exit(await waitingCommand(options)));

  program
    .command('stats')
    .description("LLM calls per model and overall, courses, and seed 003's thresholds, from the ledger and the course rows")
    .option('--since <window>', 'a duration (30m, 24h, 7d) or an ISO 8601 time; default 24h (all time with --course)')
    .option('--course <uuid>', 'only this course')
    .option('--json', 'print one JSON object (overall, models, embeddings, courses, thresholds, series)')
    .option('--html <file>', 'write a self-contained HTML report with charts to this file')
    .action(async (options) => exit(await statsCommand(options)));
}
