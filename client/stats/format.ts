// `npm run stats` for a person: per-model table, failures by type, courses, and the seeds' thresholds flagged.
import type { CallFigures, StatsReport } from './report';
import { formatFigure } from './thresholds';

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
const secs = (ms: number | null | undefined) => (ms == null ? '-' : `${(ms / 1000).toFixed(1)}s`);
const usd = (v: number) => `$${v.toFixed(4)}`;

function row(name: string, f: CallFigures, fallback: number | null): string {
  return [
    name.slice(0, 28).padEnd(28),
    String(f.calls).padStart(6),
    String(f.failures).padStart(6),
    pct(f.timeout_rate).padStart(8),
    pct(fallback).padStart(9),
    pct(f.schema_pass_rate).padStart(9),
    secs(f.latency_ms?.p50).padStart(7),
    secs(f.latency_ms?.p95).padStart(7),
    `${f.prompt_tokens}/${f.completion_tokens}`.padStart(16),
    usd(f.cost_usd).padStart(10),
  ].join(' ');
}

function failureList(byType: Record<string, number>): string {
  const entries = Object.entries(byType).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([type, n]) => `${type} ${n}`).join(', ') : 'none';
}

export function formatStatsReport(r: StatsReport, links: (workflowId: string, runId: string) => string): string {
  const w = r.window;
  const lines = [`LLM calls ${w.since} → ${w.until}${w.course_id ? `, course ${w.course_id}` : ''}`, ''];
  lines.push(
    `${'model'.padEnd(28)} ${'calls'.padStart(6)} ${'failed'.padStart(6)} ${'timeout'.padStart(8)} ${'fallback'.padStart(9)} ${'schema ok'.padStart(9)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'tokens in/out'.padStart(16)} ${'cost'.padStart(10)}`,
  );
  lines.push(row('all chat models', r.overall, r.overall.escalation_rate));
  for (const [model, f] of Object.entries(r.models)) lines.push(row(`  ${model}`, f, f.fallback_rate));
  if (r.embeddings.calls > 0) lines.push(row('embeddings (quality)', r.embeddings, null));
  lines.push('', `Failures by type: ${failureList(r.overall.failures_by_type)}`);
  for (const [model, f] of Object.entries(r.models)) {
    if (f.failures > 0) lines.push(`  ${model}: ${failureList(f.failures_by_type)}`);
  }
  const c = r.courses;
  const statuses = Object.entries(c.by_status).map(([s, n]) => `${n} ${s}`).join(', ');
  lines.push(
    '',
    `Courses  ${c.count}${statuses ? ` (${statuses})` : ''}`,
    `  duration p50 ${secs(c.duration_ms?.p50)}, p95 ${secs(c.duration_ms?.p95)}, max ${secs(c.duration_ms?.max)}; section group p50 ${secs(c.group_ms?.p50)}, p95 ${secs(c.group_ms?.p95)}`,
    `  cost ${c.cost_usd ? `${usd(c.cost_usd.total)} total, ${usd(c.cost_usd.mean)} per course` : '-'}; ${c.calls_per_course ?? '-'} calls per course, ${c.retries} retries`,
    `  quality pass rate ${pct(c.quality_pass_rate)}, mean score ${c.quality_mean ?? '-'}`,
    '',
    "Seed 003's thresholds",
  );
  for (const t of r.thresholds) {
    const flag = t.status === 'breached' ? 'BREACHED' : t.status === 'ok' ? 'ok' : 'no data';
    lines.push(`  ${t.label.padEnd(36)} ${formatFigure(t.value, t.unit).padStart(9)}   ${t.source.padEnd(30)} ${flag}`);
  }
  if (c.slowest.length > 0) {
    lines.push('', 'Slowest courses');
    for (const s of c.slowest.slice(0, 5)) {
      lines.push(`  ${secs(s.duration_ms).padStart(7)}  ${s.status.padEnd(9)} ${usd(s.cost_usd)}  ${s.course_title.slice(0, 50)}`);
      lines.push(`           ${links(s.workflow_id, s.run_id)}`);
    }
  }
  return lines.join('\n');
}
