// `stats [--since 24h|7d|ISO] [--course <uuid>] [--json] [--html FILE]`: the seeds' key figures from the ledger
// and the course rows, per model and overall, with the seed 003 thresholds flagged.
import fs from 'node:fs/promises';
import { Pool } from 'pg';
import { workflowUiLink } from '../config';
import { renderStatsHtml } from '../stats/html';
import { formatStatsReport } from '../stats/format';
import { buildStatsReport } from '../stats/report';
import { parseSince, WindowError } from '../stats/window';
import { assertCourseId, runCommand, UsageError, writeJson, type CommandIo } from './shared';

export interface StatsOptions extends CommandIo {
  since?: string;
  course?: string;
  json?: boolean;
  html?: string;
  /** Tests pin the end of the window. */
  now?: Date;
}

export async function statsCommand(options: StatsOptions): Promise<number> {
  return runCommand(options, async ({ config, stdout, stderr }) => {
    const now = options.now ?? new Date();
    const courseId = options.course ? assertCourseId(options.course) : undefined;
    let since: Date;
    try {
      // One course: all of its calls unless a window is asked for; otherwise the last 24 hours.
      since = options.since ? parseSince(options.since, now) : courseId ? new Date(0) : parseSince('24h', now);
    } catch (error) {
      if (error instanceof WindowError) throw new UsageError(error.message);
      throw error;
    }
    const pool = new Pool({ connectionString: config.databaseUrl, max: 4, connectionTimeoutMillis: 5_000 });
    try {
      // The window ends a moment after now, so a call written this millisecond is in it.
      const report = await buildStatsReport(pool, { since, until: new Date(now.getTime() + 1000), courseId });
      const link = (workflowId: string, runId: string) => workflowUiLink(config, workflowId, runId);
      if (options.html) {
        await fs.writeFile(options.html, renderStatsHtml(report, link));
        stderr.write(`Report written to ${options.html}\n`);
      }
      if (options.json) writeJson(stdout, report);
      else if (!options.html) stdout.write(`${formatStatsReport(report, link)}\n`);
      return 0;
    } finally {
      await pool.end();
    }
  });
}
