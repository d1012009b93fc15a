// `npm run stats -- --html FILE`: the stats as one self-contained page — the seeds' thresholds as tiles, calls and
// cost over time, latency per model, failure types, and the slowest courses linking to their runs in the Web UI.
import type { StatsReport } from './report';
import { barsWithLine, boxPlot, esc, horizontalBars } from './svg';
import { formatFigure } from './thresholds';

const usd = (v: number) => `$${v.toFixed(4)}`;
const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)} %`);

function bucketLabel(iso: string, bucketSeconds: number): string {
  const d = new Date(iso);
  return bucketSeconds >= 86_400 ? iso.slice(5, 10) : `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:960px;color:#111827;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}p.meta{color:#4b5563;margin:0 0 16px;font-size:13px}
.tiles{display:grid;grid-template-columns:repeat(5,1fr);gap:8px}.tile{border:1px solid #e5e7eb;border-radius:8px;padding:10px}
.tile .v{font-size:20px;font-weight:600}.tile .l{font-size:12px;color:#4b5563}.tile .s{font-size:11px;color:#6b7280}
.tile.breached{border-color:#dc2626;background:#fef2f2}.tile.breached .v{color:#b91c1c}.tile.ok .v{color:#15803d}
.chart{width:100%;height:auto;font-size:11px;fill:#374151}table{border-collapse:collapse;width:100%;font-size:12px}
td,th{border-bottom:1px solid #e5e7eb;padding:4px 6px;text-align:right}td:first-child,th:first-child{text-align:left}
.legend{font-size:12px;color:#4b5563}.sw{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}`;

export function renderStatsHtml(r: StatsReport, links: (workflowId: string, runId: string) => string): string {
  const tiles = r.thresholds
    .map(
      (t) => `<div class="tile ${t.status === 'breached' ? 'breached' : t.status === 'ok' ? 'ok' : 'nodata'}" data-threshold="${esc(t.key)}" data-status="${esc(t.status)}">
<div class="v">${esc(formatFigure(t.value, t.unit))}</div><div class="l">${esc(t.label)}</div><div class="s">${esc(t.source)}${t.status === 'breached' ? ' — BREACHED' : ''}</div></div>`,
    )
    .join('\n');
  const activity = barsWithLine(
    'chart-activity',
    r.series.map((p) => ({ label: bucketLabel(p.bucket, r.window.bucket_seconds), ok: p.calls - p.failures, failed: p.failures, line: p.cost_usd })),
    (v) => `$${v < 1 ? v.toFixed(3) : v.toFixed(2)}`,
  );
  const latency = boxPlot(
    'chart-latency',
    Object.entries(r.latency_by_model).map(([model, q]) => ({ label: model, ...q })),
  );
  const failures = horizontalBars(
    'chart-failures',
    Object.entries(r.overall.failures_by_type)
      .sort((a, b) => b[1] - a[1])
      .map(([type, count]) => ({ label: type, value: count, text: `${count} (${pct(count / Math.max(1, r.overall.calls))})` })),
    '#f87171',
  );
  const slowest = horizontalBars(
    'chart-slowest',
    r.courses.slowest.map((c) => ({
      label: c.course_title,
      value: c.duration_ms ?? 0,
      text: `${((c.duration_ms ?? 0) / 1000).toFixed(1)} s · ${c.status}`,
      href: links(c.workflow_id, c.run_id),
      tip: `${c.course_title} (${c.course_id}): ${c.status}, ${c.calls} calls, ${c.retries} retries, ${usd(c.cost_usd)}`,
    })),
  );
  const modelRows = Object.entries(r.models)
    .map(
      ([model, m]) => `<tr><td>${esc(model)}</td><td>${m.calls}</td><td>${m.failures}</td><td>${pct(m.timeout_rate)}</td><td>${pct(m.fallback_rate)}</td><td>${pct(m.schema_pass_rate)}</td><td>${m.latency_ms ? (m.latency_ms.p50 / 1000).toFixed(1) : '-'} s</td><td>${m.latency_ms ? (m.latency_ms.p95 / 1000).toFixed(1) : '-'} s</td><td>${m.prompt_tokens + m.completion_tokens}</td><td>${usd(m.cost_usd)}</td></tr>`,
    )
    .join('\n');
  const o = r.overall;
  const c = r.courses;
  const statuses = Object.entries(c.by_status).map(([s, n]) => `${n} ${esc(s)}`).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>coursegen — LLM calls and courses</title><style>${STYLE}</style></head>
<body>
<h1>coursegen — LLM calls and courses</h1>
<p class="meta">${esc(r.window.since)} → ${esc(r.window.until)}${r.window.course_id ? ` · course ${esc(r.window.course_id)}` : ''} ·
${o.calls} chat calls, ${o.failures} failed · ${o.prompt_tokens + o.completion_tokens} tokens · ${usd(o.cost_usd)} ·
${c.count} courses${statuses ? ` (${statuses})` : ''} · quality pass rate ${pct(c.quality_pass_rate)}</p>
<section id="thresholds"><h2>Seed 003's thresholds</h2><div class="tiles">${tiles}</div></section>
<section><h2>Calls and cost over time</h2>
<div class="legend"><span class="sw" style="background:#93c5fd"></span>calls answered<span class="sw" style="background:#f87171"></span>calls failed<span class="sw" style="background:#111827;height:2px"></span>cost (right axis)</div>
${activity}</section>
<section><h2>Latency per model</h2><div class="legend">whiskers p5–p95, box p25–p75, bar at the median, dot at the maximum</div>${latency}</section>
<section><h2>Failures by type</h2>${failures}</section>
<section><h2>Slowest courses</h2><div class="legend">each bar opens the run in the Temporal Web UI</div>${slowest}</section>
<section><h2>Per model</h2><table id="models"><tr><th>model</th><th>calls</th><th>failed</th><th>timeout</th><th>fallback</th><th>schema ok</th><th>p50</th><th>p95</th><th>tokens</th><th>cost</th></tr>
${modelRows}</table></section>
</body></html>
`;
}
