// A Gantt chart of one workflow run, hand-written SVG: one row per activity (metadata, each section, quality,
// sanitise, commit) and per durable timer (the delays between groups). Times come from the run's Temporal history;
// attempts before the last one are not in history (see history.ts), so they come from the simulator's call log,
// which records each model call of that section with its start and end.
import type { SimulatorStats } from '../simulator/server';
import type { ActivitySpan, RunSpans } from './history';

export interface TimelineInput {
  title: string;
  subtitle: string;
  spans: RunSpans;
  sectionTitles: string[];
  calls: SimulatorStats['calls'];
}

interface Bar {
  from: number;
  to: number;
  kind: 'wait' | 'ok' | 'failed' | 'backoff' | 'timer';
  label?: string;
}

interface Row {
  label: string;
  bars: Bar[];
  /** A second line under the bars, for an activity with several attempts: their story in words. */
  caption?: string;
}

const COLORS: Record<Bar['kind'], string> = {
  wait: '#d0d5dd',
  ok: '#3b82f6',
  failed: '#ef4444',
  backoff: '#fde68a',
  timer: '#f59e0b',
};

const LEGEND: Array<[Bar['kind'], string]> = [
  ['ok', 'attempt that completed (history: started → completed)'],
  ['failed', 'failed attempt (simulator call log)'],
  ['backoff', 'retry backoff'],
  ['wait', 'scheduled, not yet started by a worker'],
  ['timer', 'durable timer: delay between groups'],
];

const ACTIVITY_LABELS: Record<string, string> = {
  generateMetadataActivity: 'Metadata',
  validateQualityActivity: 'Quality validation',
  sanitizeCourseActivity: 'Sanitise',
  commitCourseActivity: 'Commit',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

function activityRow(span: ActivitySpan, input: TimelineInput): Row {
  const t0 = input.spans.startedAt;
  const title = span.sectionIndex === null ? undefined : input.sectionTitles[span.sectionIndex];
  const label =
    span.sectionIndex === null ? (ACTIVITY_LABELS[span.type] ?? span.type) : `Section ${span.sectionIndex + 1}: ${title}`;
  const bars: Bar[] = [];
  const lastStart = (span.startedAt ?? span.scheduledAt) - t0;
  // Calls of this section before its last attempt, in order: attempt 1, 2, …
  const earlier = title
    ? input.calls
        .filter((c) => c.kind === 'section' && c.sectionTitle === title && c.endedAt !== undefined)
        .sort((a, b) => a.startedAt - b.startedAt)
        .slice(0, span.attempt - 1)
    : [];
  const story: string[] = [];
  let cursor = span.scheduledAt - t0;
  earlier.forEach((call, i) => {
    const from = call.startedAt - t0;
    const to = call.endedAt! - t0;
    if (i > 0) story.push(`backoff ${seconds(from - cursor)}`);
    bars.push({ from: cursor, to: from, kind: i === 0 ? 'wait' : 'backoff' });
    bars.push({ from, to, kind: 'failed' });
    story.push(`attempt ${i + 1} ✗ ${call.fault ?? `HTTP ${call.status}`} (${seconds(to - from)})`);
    cursor = to;
  });
  if (earlier.length) story.push(`backoff ${seconds(lastStart - cursor)}`);
  bars.push({ from: cursor, to: lastStart, kind: earlier.length ? 'backoff' : 'wait' });
  const end = (span.closedAt ?? input.spans.closedAt ?? span.scheduledAt) - t0;
  const ok = span.outcome === 'completed';
  const attemptLabel = span.attempt > 1 || !ok ? `attempt ${span.attempt} ${ok ? '✓' : '✗'} ` : '';
  bars.push({ from: lastStart, to: end, kind: ok ? 'ok' : 'failed', label: `${attemptLabel}${seconds(end - lastStart)}` });
  if (story.length) story.push(`attempt ${span.attempt} ${ok ? '✓' : '✗'} (${seconds(end - lastStart)})`);
  return { label, bars, caption: story.length ? story.join(' → ') : undefined };
}

/** Metadata first, then sections 1..n, then timers and the closing activities in the order they started. */
function rows(input: TimelineInput): Row[] {
  const t0 = input.spans.startedAt;
  const { activities, timers } = input.spans;
  const metadata = activities.filter((a) => a.type === 'generateMetadataActivity');
  const sections = activities.filter((a) => a.sectionIndex !== null).sort((a, b) => a.sectionIndex! - b.sectionIndex!);
  const later: Array<{ at: number; row: Row }> = [
    ...activities
      .filter((a) => !metadata.includes(a) && !sections.includes(a))
      .map((a) => ({ at: a.scheduledAt, row: activityRow(a, input) })),
    ...timers.map((timer) => {
      const from = timer.startedAt - t0;
      const to = (timer.firedAt ?? input.spans.closedAt ?? timer.startedAt) - t0;
      return { at: timer.startedAt, row: { label: timer.summary, bars: [{ from, to, kind: 'timer' as const, label: seconds(to - from) }] } };
    }),
  ];
  return [
    ...[...metadata, ...sections].map((a) => activityRow(a, input)),
    ...later.sort((a, b) => a.at - b.at).map((e) => e.row),
  ];
}

function tickStep(totalMs: number): number {
  const steps = [100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000, 120_000];
  return steps.find((s) => totalMs / s <= 12) ?? 300_000;
}

export function renderTimelineSvg(input: TimelineInput): string {
  const all = rows(input);
  const totalMs = Math.max(1, (input.spans.closedAt ?? Date.now()) - input.spans.startedAt);
  const width = 1200;
  const labelWidth = 340;
  // Room on the right for the label of a bar that ends at the very end of the run.
  const plotWidth = width - labelWidth - 80;
  const rowHeight = 26;
  const heights = all.map((row) => (row.caption ? 2 * rowHeight : rowHeight));
  const tops = heights.map((_, i) => heights.slice(0, i).reduce((a, b) => a + b, 0));
  const top = 70;
  const plotHeight = heights.reduce((a, b) => a + b, 0);
  const legendTop = top + plotHeight + 40;
  const height = legendTop + LEGEND.length * 20 + 20;
  const x = (ms: number) => labelWidth + (Math.max(0, ms) / totalMs) * plotWidth;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      'font-family="Helvetica, Arial, sans-serif" font-size="12">',
  );
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="12" y="24" font-size="16" font-weight="bold">${escapeXml(input.title)}</text>`);
  out.push(`<text x="12" y="44" fill="#475467">${escapeXml(input.subtitle)}</text>`);

  const step = tickStep(totalMs);
  for (let t = 0; t <= totalMs; t += step) {
    out.push(`<line x1="${x(t).toFixed(1)}" y1="${top - 6}" x2="${x(t).toFixed(1)}" y2="${top + plotHeight}" stroke="#eaecf0"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${top - 10}" text-anchor="middle" fill="#667085">${(t / 1000).toFixed(step < 1000 ? 1 : 0)} s</text>`);
  }

  all.forEach((row, i) => {
    const y = top + tops[i];
    if (i % 2 === 1) out.push(`<rect x="0" y="${y}" width="${width}" height="${heights[i]}" fill="#f9fafb"/>`);
    if (row.caption) out.push(`<text x="${labelWidth}" y="${y + rowHeight + 17}" fill="#b42318">${escapeXml(row.caption)}</text>`);
    const label = row.label.length > 52 ? `${row.label.slice(0, 51)}…` : row.label;
    out.push(`<text x="12" y="${y + 17}">${escapeXml(label)}</text>`);
    for (const bar of row.bars) {
      if (bar.to <= bar.from) continue;
      const thin = bar.kind === 'wait' || bar.kind === 'backoff';
      const h = thin ? 8 : 16;
      const barY = y + (rowHeight - h) / 2;
      const w = Math.max(1, x(bar.to) - x(bar.from));
      out.push(
        `<rect x="${x(bar.from).toFixed(1)}" y="${barY}" width="${w.toFixed(1)}" height="${h}" rx="2" fill="${COLORS[bar.kind]}"` +
          `${bar.kind === 'backoff' ? ' stroke="#b45309" stroke-dasharray="3 2"' : ''}>` +
          `<title>${escapeXml(`${row.label}: ${bar.label ?? bar.kind} (${seconds(bar.from)} → ${seconds(bar.to)})`)}</title></rect>`,
      );
      if (bar.label) {
        // Inside the bar when it fits, else just after it.
        const inside = w > bar.label.length * 6.5 + 8;
        const tx = inside ? x(bar.from) + 4 : x(bar.to) + 4;
        out.push(
          `<text x="${tx.toFixed(1)}" y="${y + 17}" fill="${inside ? '#ffffff' : '#344054'}">${escapeXml(bar.label)}</text>`,
        );
      }
    }
  });

  out.push(`<line x1="${labelWidth}" y1="${top + plotHeight}" x2="${labelWidth + plotWidth}" y2="${top + plotHeight}" stroke="#98a2b3"/>`);
  LEGEND.forEach(([kind, text], i) => {
    const y = legendTop + i * 20;
    out.push(`<rect x="12" y="${y - 10}" width="24" height="12" rx="2" fill="${COLORS[kind]}"/>`);
    out.push(`<text x="44" y="${y}">${escapeXml(text)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
