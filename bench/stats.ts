// Median and spread of repeated measurements. The report never shows a single run: on a shared 2-core machine one
// run says little, the median of several and their min–max say how much to trust it.

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = Math.floor(finite.length / 2);
  const median = finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
  return { median, min: finite[0], max: finite[finite.length - 1], n: finite.length };
}

export function seconds(ms: number, digits = 2): string {
  return Number.isFinite(ms) ? (ms / 1000).toFixed(digits) : 'n/a';
}

/** "19.62 s (19.50–19.80)" */
export function formatSeconds(s: Spread, digits = 2): string {
  if (s.n === 0) return 'n/a';
  if (s.n === 1) return `${seconds(s.median, digits)} s`;
  return `${seconds(s.median, digits)} s (${seconds(s.min, digits)}–${seconds(s.max, digits)})`;
}

export function formatRatio(s: Spread, digits = 3): string {
  if (s.n === 0) return 'n/a';
  if (s.n === 1) return s.median.toFixed(digits);
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}
