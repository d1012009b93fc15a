// Small SVG charts written as strings: no library, no network, nothing to load — the report is one file. Every
// text that came from data (model ids, course titles, failure types) is escaped.
export function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#dc2626', '#4b5563'];
export const colour = (i: number) => PALETTE[i % PALETTE.length];
const f = (n: number) => (Number.isFinite(n) ? Number(n.toFixed(1)) : 0);

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= value)!;
}

export interface BarPoint {
  label: string;
  ok: number;
  failed: number;
  line: number;
}

/** Stacked bars (ok, failed) per time bucket, with a line on a second axis (cost). */
export function barsWithLine(id: string, points: BarPoint[], lineLabel: (v: number) => string): string {
  const width = 900;
  const height = 260;
  const pad = { left: 48, right: 70, top: 16, bottom: 40 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const maxBar = niceMax(Math.max(0, ...points.map((p) => p.ok + p.failed)));
  const maxLine = niceMax(Math.max(0, ...points.map((p) => p.line)));
  const step = innerW / Math.max(1, points.length);
  const barW = Math.max(1, step * 0.7);
  const y = (v: number) => pad.top + innerH - (v / maxBar) * innerH;
  const yLine = (v: number) => pad.top + innerH - (v / maxLine) * innerH;
  const parts: string[] = [];
  points.forEach((p, i) => {
    const x = pad.left + i * step + (step - barW) / 2;
    parts.push(
      `<g class="bucket" data-label="${esc(p.label)}" data-calls="${p.ok + p.failed}" data-failed="${p.failed}"><title>${esc(p.label)}: ${p.ok + p.failed} calls, ${p.failed} failed, ${esc(lineLabel(p.line))}</title>` +
        `<rect class="bar ok" x="${f(x)}" y="${f(y(p.ok))}" width="${f(barW)}" height="${f(y(0) - y(p.ok))}" fill="#93c5fd"/>` +
        `<rect class="bar failed" x="${f(x)}" y="${f(y(p.ok + p.failed))}" width="${f(barW)}" height="${f(y(p.ok) - y(p.ok + p.failed))}" fill="#f87171"/></g>`,
    );
  });
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${f(pad.left + i * step + step / 2)},${f(yLine(p.line))}`)
    .join(' ');
  const every = Math.max(1, Math.ceil(points.length / 8));
  const xLabels = points
    .map((p, i) =>
      i % every === 0
        ? `<text x="${f(pad.left + i * step + step / 2)}" y="${height - pad.bottom + 16}" text-anchor="middle">${esc(p.label)}</text>`
        : '',
    )
    .join('');
  return `<svg id="${id}" class="chart" viewBox="0 0 ${width} ${height}" role="img" xmlns="http://www.w3.org/2000/svg">
<g class="axis"><line x1="${pad.left}" y1="${y(0)}" x2="${width - pad.right}" y2="${y(0)}" stroke="#9ca3af"/>
<text x="${pad.left - 6}" y="${y(maxBar) + 4}" text-anchor="end">${maxBar}</text><text x="${pad.left - 6}" y="${y(0) + 4}" text-anchor="end">0</text>
<text x="${width - pad.right + 6}" y="${yLine(maxLine) + 4}">${esc(lineLabel(maxLine))}</text>${xLabels}</g>
${parts.join('\n')}
${points.length ? `<path class="line" d="${path}" fill="none" stroke="#111827" stroke-width="2"/>` : '<text x="450" y="130" text-anchor="middle">no calls in this window</text>'}
</svg>`;
}

export interface BoxRow {
  label: string;
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  max: number;
}

/** One horizontal box per row: whiskers p5–p95, box p25–p75, a bar at the median, a dot at the maximum (ms). */
export function boxPlot(id: string, rows: BoxRow[]): string {
  const width = 900;
  const rowH = 40;
  const pad = { left: 230, right: 30, top: 10, bottom: 34 };
  const height = pad.top + pad.bottom + rowH * Math.max(1, rows.length);
  const max = niceMax(Math.max(0, ...rows.map((r) => r.max)) / 1000);
  const x = (ms: number) => pad.left + (ms / 1000 / max) * (width - pad.left - pad.right);
  const body = rows.map((r, i) => {
    const cy = pad.top + i * rowH + rowH / 2;
    return `<g class="box" data-model="${esc(r.label)}" data-p50="${Math.round(r.p50)}"><title>${esc(r.label)}: p50 ${(r.p50 / 1000).toFixed(2)} s, p95 ${(r.p95 / 1000).toFixed(2)} s, max ${(r.max / 1000).toFixed(2)} s</title>
<text x="${pad.left - 8}" y="${cy + 4}" text-anchor="end">${esc(r.label)}</text>
<line x1="${f(x(r.p5))}" y1="${cy}" x2="${f(x(r.p95))}" y2="${cy}" stroke="${colour(i)}"/>
<rect x="${f(x(r.p25))}" y="${cy - 10}" width="${f(Math.max(1, x(r.p75) - x(r.p25)))}" height="20" fill="${colour(i)}" fill-opacity="0.35" stroke="${colour(i)}"/>
<line x1="${f(x(r.p50))}" y1="${cy - 10}" x2="${f(x(r.p50))}" y2="${cy + 10}" stroke="${colour(i)}" stroke-width="3"/>
<circle cx="${f(x(r.max))}" cy="${cy}" r="3" fill="${colour(i)}"/></g>`;
  });
  const axisY = height - pad.bottom + 6;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<text x="${f(x(t * max * 1000))}" y="${axisY + 14}" text-anchor="middle">${+(t * max).toFixed(2)} s</text>`)
    .join('');
  return `<svg id="${id}" class="chart" viewBox="0 0 ${width} ${height}" role="img" xmlns="http://www.w3.org/2000/svg">
<g class="axis"><line x1="${pad.left}" y1="${axisY}" x2="${width - pad.right}" y2="${axisY}" stroke="#9ca3af"/>${ticks}</g>
${body.join('\n') || '<text x="450" y="30" text-anchor="middle">no calls in this window</text>'}
</svg>`;
}

export interface HBar {
  label: string;
  value: number;
  text: string;
  href?: string;
  /** Extra data attribute values (escaped), for tests and tooltips. */
  tip?: string;
}

/** Horizontal bars, largest first; a bar with href is a link (the slowest courses open their run in the Web UI). */
export function horizontalBars(id: string, bars: HBar[], fill = '#60a5fa'): string {
  const width = 900;
  const rowH = 28;
  const pad = { left: 330, right: 150, top: 8, bottom: 8 };
  const height = pad.top + pad.bottom + rowH * Math.max(1, bars.length);
  const max = Math.max(0, ...bars.map((b) => b.value)) || 1;
  const body = bars.map((b, i) => {
    const y = pad.top + i * rowH;
    const w = (b.value / max) * (width - pad.left - pad.right);
    const bar = `<g class="hbar" data-label="${esc(b.label)}" data-value="${b.value}"><title>${esc(b.tip ?? `${b.label}: ${b.text}`)}</title>
<text x="${pad.left - 8}" y="${y + 18}" text-anchor="end">${esc(b.label.length > 48 ? `${b.label.slice(0, 47)}…` : b.label)}</text>
<rect x="${pad.left}" y="${y + 5}" width="${f(Math.max(1, w))}" height="${rowH - 10}" fill="${fill}"/>
<text x="${f(pad.left + w + 6)}" y="${y + 18}">${esc(b.text)}</text></g>`;
    return b.href ? `<a href="${esc(b.href)}" target="_blank" rel="noopener">${bar}</a>` : bar;
  });
  return `<svg id="${id}" class="chart" viewBox="0 0 ${width} ${height}" role="img" xmlns="http://www.w3.org/2000/svg">
${body.join('\n') || `<text x="450" y="24" text-anchor="middle">none in this window</text>`}
</svg>`;
}
