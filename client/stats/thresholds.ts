// The figures seed 003 ("Monitoring") says a team must watch, with its limits. Each is shown next to its figure and
// flagged when breached; a figure with nothing to measure yet (no calls, no courses) is "no data", never "ok".
export interface Threshold {
  key: string;
  label: string;
  /** Where the limit comes from, for the reader. */
  source: string;
  limit: number;
  /** 'max': the figure must stay below the limit; 'min': above it. */
  kind: 'max' | 'min';
  unit: 'ratio' | 'seconds';
}

export const SEED_THRESHOLDS: Threshold[] = [
  { key: 'timeout_rate', label: 'Timeout rate', source: 'seed 003: < 5 %', limit: 0.05, kind: 'max', unit: 'ratio' },
  { key: 'escalation_rate', label: 'Fallback (escalation) rate', source: 'seed 003: < 10 %', limit: 0.1, kind: 'max', unit: 'ratio' },
  { key: 'schema_pass_rate', label: 'Schema-validation pass rate', source: 'seed 003: > 95 %', limit: 0.95, kind: 'min', unit: 'ratio' },
  { key: 'group_seconds_p95', label: 'Section group ("chunk") time, p95', source: 'seed 003: 30–90 s per chunk', limit: 90, kind: 'max', unit: 'seconds' },
  { key: 'course_seconds_p95', label: 'Total generation time, p95', source: 'seed 003: 3–4 min', limit: 240, kind: 'max', unit: 'seconds' },
];

export interface ThresholdResult {
  key: string;
  label: string;
  source: string;
  value: number | null;
  limit: number;
  kind: 'max' | 'min';
  unit: 'ratio' | 'seconds';
  status: 'ok' | 'breached' | 'no data';
}

export function evaluateThresholds(figures: Record<string, number | null>): ThresholdResult[] {
  return SEED_THRESHOLDS.map((t) => {
    const value = figures[t.key] ?? null;
    const breached = value !== null && (t.kind === 'max' ? value > t.limit : value < t.limit);
    return { ...t, value, status: value === null ? 'no data' : breached ? 'breached' : 'ok' };
  });
}

export function formatFigure(value: number | null, unit: 'ratio' | 'seconds'): string {
  if (value === null) return '-';
  return unit === 'ratio' ? `${(value * 100).toFixed(1)} %` : `${value.toFixed(1)} s`;
}
