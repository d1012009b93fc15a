// `status --course <uuid> | --workflow-id <id> [--json]`: where one run is, for a person or a script.
import { buildRunReport, RunNotFoundError, type RunReport } from './run-report';
import { resolveWorkflowId, runCommand, usd, withClient, writeJson, type CommandIo, type RunSelector } from './shared';

export interface StatusOptions extends RunSelector, CommandIo {
  json?: boolean;
}

export async function statusCommand(options: StatusOptions): Promise<number> {
  return runCommand(options, async ({ config, stdout, stderr }) => {
    const workflowId = resolveWorkflowId(options);
    return withClient(config, async (client) => {
      let report: RunReport;
      try {
        report = await buildRunReport(client, config, workflowId);
      } catch (error) {
        if (!(error instanceof RunNotFoundError)) throw error;
        stderr.write(`${error.message}\n`);
        return 1;
      }
      if (options.json) writeJson(stdout, report);
      else stdout.write(`${formatRunReport(report)}\n`);
      return 0;
    });
  });
}

export function formatRunReport(r: RunReport): string {
  const s = r.sections;
  const source = r.source === 'live-query' ? 'live, from the workflow' : 'recorded: history + PostgreSQL';
  const lines = [
    `Workflow  ${r.workflow_id}  (run ${r.run_id})`,
    `Status    ${r.status}   phase ${r.phase ?? '-'}   [${source}]`,
    `Started   ${r.started_at}${r.closed_at ? `   closed ${r.closed_at}` : ''}`,
  ];
  if (r.course_row) {
    const row = r.course_row;
    lines.push(`Course    ${row.title} — row: ${row.generation_status}${row.same_run ? '' : ' (written by another run)'}`);
  }
  const cancelled = s.list.filter((section) => section.status === 'cancelled').length;
  const waiting = s.waiting ? `, ${s.waiting} waiting for the provider` : '';
  lines.push(`Sections  ${s.done}/${s.total ?? '?'} done, ${s.running} running, ${s.failed} failed${waiting}${cancelled ? `, ${cancelled} cancelled` : ''}`);
  for (const section of s.list) {
    const model = section.model ? `${section.model} attempt ${section.attempt}` : '';
    const title = (section.title ?? '').slice(0, 48).padEnd(48);
    lines.push(`  ${String(section.number).padStart(2)}. ${title} ${section.status.padEnd(9)} ${model}`.trimEnd());
    if (section.next_try_at) {
      lines.push(`      waiting for the provider, next try ${section.next_try_at}, ${section.rounds_left} of ${section.rounds_total} rounds left`);
    }
    if (section.reused_from_run_id) lines.push(`      reused from run ${section.reused_from_run_id}`);
    if (section.error) lines.push(`      ${section.error}`);
  }
  lines.push(`Spend     ${r.tokens ?? '-'} tokens, ${usd(r.cost_usd)}`);
  if (r.error) lines.push(`Error     ${r.error.type}: ${r.error.message}`);
  lines.push(`Web UI    ${r.ui_link}`);
  for (const note of r.notes) lines.push(`Note      ${note}`);
  return lines.join('\n');
}
