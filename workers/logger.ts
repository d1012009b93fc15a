// The worker's logs: one JSON object per line on stderr (for a log collector), or a readable line when stderr is a
// terminal. The SDK routes workflow logs, activity logs and (forwarded) Core logs through this one function, with
// their context as metadata; the names are normalised so every line says workflow_id, run_id, activity, attempt and
// model where they apply. Configured secrets are masked wherever they would appear; prompts are never logged.
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

/** SDK metadata names → the names our lines use. Anything else is kept as it comes. */
const RENAMED: Record<string, string> = {
  workflowId: 'workflow_id',
  runId: 'run_id',
  workflowRunId: 'run_id',
  workflowType: 'workflow_type',
  activityType: 'activity',
  activityId: 'activity_id',
  taskQueue: 'task_queue',
  sdkComponent: 'component',
};
/** Kept out of lines: large or internal, and never needed to find a run. */
const DROPPED = new Set(['namespace', 'isLocal', 'taskToken', 'durationMs']);

export interface LogLineOptions {
  /** Literal strings (API keys) masked in every line. */
  secrets?: string[];
  pretty?: boolean;
  write?: (line: string) => void;
}

function plain(value: unknown): unknown {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function logFields(entry: LogEntry): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level.toLowerCase(),
    msg: entry.message,
  };
  for (const [key, value] of Object.entries(entry.meta ?? {})) {
    if (DROPPED.has(key) || value === undefined) continue;
    fields[RENAMED[key] ?? key] = plain(value);
  }
  return fields;
}

function prettyLine(fields: Record<string, unknown>): string {
  const { time, level, msg, ...rest } = fields;
  const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${String(time).slice(11, 23)} ${String(level).toUpperCase().padEnd(5)} ${msg}${extra.length ? `  ${extra.join(' ')}` : ''}`;
}

export function formatLogLine(entry: LogEntry, options: LogLineOptions = {}): string {
  const fields = logFields(entry);
  let line = options.pretty ? prettyLine(fields) : JSON.stringify(fields);
  for (const secret of options.secrets ?? []) {
    if (secret.length >= 4) line = line.split(secret).join('***');
  }
  return line;
}

/** The Runtime logger of a worker process: JSON lines, or readable lines on a TTY. */
export function createWorkerLogger(level: LogLevel, options: LogLineOptions = {}): DefaultLogger {
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  return new DefaultLogger(level, (entry) => write(formatLogLine(entry, { ...options, pretty })));
}
