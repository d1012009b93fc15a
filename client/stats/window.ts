// --since: a relative window (30m, 24h, 7d) or an absolute ISO 8601 instant; the bucket width of the time series
// follows the window so a chart has a readable number of bars.
const RELATIVE = /^(\d+)\s*(m|h|d)$/i;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export class WindowError extends Error {}

export function parseSince(value: string, now: Date = new Date()): Date {
  const relative = RELATIVE.exec(value.trim());
  if (relative) {
    const amount = Number(relative[1]);
    if (amount <= 0) throw new WindowError(`--since must be a positive duration, got "${value}"`);
    return new Date(now.getTime() - amount * UNIT_MS[relative[2].toLowerCase() as keyof typeof UNIT_MS]);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const at = new Date(value);
    if (!Number.isNaN(at.getTime()) && at.getTime() <= now.getTime()) return at;
  }
  throw new WindowError(`--since must be a duration such as 30m, 24h or 7d, or a past ISO 8601 time; got "${value}"`);
}

/** 5 min buckets up to 6 h, hourly up to 3 days, daily beyond: 24–100 bars for the usual windows. */
export function bucketSeconds(since: Date, until: Date): number {
  const hours = (until.getTime() - since.getTime()) / 3_600_000;
  if (hours <= 6) return 300;
  if (hours <= 72) return 3600;
  return 86_400;
}
