// `npm run bench` once at a tiny scale, through runBenchmark(): the report's structure and sanity — every run
// completed, every number finite and positive, the files written, the SVG well-formed. No timing is asserted here
// (not even "sequential is slower than groups"): on a shared 2-core machine that belongs to the benchmark itself.
import { JSDOM } from 'jsdom';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBenchmark, type BenchReport } from '../../bench/run-benchmark';

let report: BenchReport;
let outDir: string;

beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-bench-smoke-'));
  report = await runBenchmark({
    timeFactor: 0.002,
    runs: 1,
    groupDelayMs: 100,
    scaleCourses: [3],
    scaleWorkers: [1, 2],
    // The dev server only: the cluster's scale runs belong to `npm run bench`, not to this smoke test.
    engines: ['dev'],
    scaleTimeFactor: 0.002,
    scaleRuns: 1,
    outDir,
    command: 'test/integration/bench-smoke.test.ts',
    log: () => undefined,
  });
}, 600_000);

afterAll(() => {
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

const positive = (n: number) => Number.isFinite(n) && n > 0;

test('every mode ran and completed; its timings are finite and positive', () => {
  expect(report.allRunsCompleted).toBe(true);
  expect(report.modes.map((m) => m.id)).toEqual(
    expect.arrayContaining(['inprocess-sequential', 'inprocess-groups', 'inprocess-chunks3', 'temporal-groups', 'temporal-window']),
  );
  for (const mode of report.modes) {
    expect(mode.runs).toHaveLength(1);
    for (const run of mode.runs) {
      expect(run.error).toBeUndefined();
      for (const value of [run.totalMs, run.metadataMs, run.sectionsMs, run.tailMs, run.idealMs, run.efficiency, run.projectedMs]) {
        expect(positive(value)).toBe(true);
      }
      // One metadata call and eight section calls, no retries, in every measured run.
      expect(run.llmCalls).toBe(9);
    }
    expect(positive(mode.summary.totalMs.median)).toBe(true);
  }
  const temporal = report.modes.filter((m) => m.engine === 'temporal');
  expect(temporal.every((m) => m.runs.every((r) => positive(r.serverMakespanMs!)))).toBe(true);
});

test('the ratios, the SC-003 projection and the scale points are all there', () => {
  expect(report.ratios.map((r) => r.id)).toEqual(
    expect.arrayContaining(['durability', 'durability-projected', 'speedup-sections', 'window-vs-groups-jitter']),
  );
  for (const ratio of report.ratios) {
    expect(ratio.value.n).toBe(1);
    expect(positive(ratio.value.median)).toBe(true);
    if (ratio.goal) expect(typeof ratio.met).toBe('boolean');
  }
  expect(report.sc003.rows.length).toBeGreaterThanOrEqual(2);
  expect(report.sc003.rows.every((row) => positive(row.projectedMs.median) && positive(row.idealAtFactorOneMs))).toBe(true);

  // 3 courses on one worker process, then again with a second one.
  expect(report.scale.points.map((p) => [p.engine, p.courses, p.workers])).toEqual([['dev', 3, 1], ['dev', 3, 2]]);
  for (const point of report.scale.points) {
    expect(point.allCompleted).toBe(true);
    expect(positive(point.makespanMs.median) && positive(point.sectionsPerSecond.median) && positive(point.idealMs)).toBe(true);
    expect(positive(point.efficiency.median)).toBe(true);
    expect(positive(point.rssPeakBytes.benchProcess)).toBe(true);
    expect(point.rssPeakBytes.workers).toHaveLength(point.workers);
    expect(point.rssPeakBytes.workers.every(positive)).toBe(true);
    // CPU is read for every worker process (the test stack's servers are not the benchmark's descendants, so they
    // are not counted); the project's database committed transactions.
    expect(point.workerCpuSeconds).toHaveLength(point.workers);
    expect(point.workerCpuSeconds.every((c) => Number.isFinite(c) && c >= 0)).toBe(true);
    expect(positive(point.transactions.coursegen)).toBe(true);
    expect(point.perCourse.activities).toBeGreaterThanOrEqual(9);
    // Every course's history was read back: start, metadata, sections, quality, sanitise, commit are workflow tasks.
    expect(point.workflowTaskWait.perCourse).toBeGreaterThan(5);
    expect(Number.isFinite(point.workflowTaskWait.p90Ms)).toBe(true);
  }
  expect(report.machine.cpus).toBeGreaterThan(0);
  expect(report.machine.totalMemoryBytes).toBeGreaterThan(0);
});

test('REPORT.md and a well-formed timeline.svg with the retried section are written', () => {
  const markdown = fs.readFileSync(path.join(outDir, 'REPORT.md'), 'utf8');
  expect(markdown).toContain('test/integration/bench-smoke.test.ts');
  expect(markdown).toContain('](timeline.svg)');
  expect(markdown).not.toMatch(/NaN|undefined/);

  const svg = fs.readFileSync(path.join(outDir, 'timeline.svg'), 'utf8');
  const doc = new new JSDOM('').window.DOMParser().parseFromString(svg, 'image/svg+xml');
  expect(doc.getElementsByTagName('parsererror')).toHaveLength(0);
  expect(doc.documentElement.nodeName).toBe('svg');
  // Metadata, 8 sections, the delay timer, quality, sanitise, commit.
  const labels = [...doc.getElementsByTagName('text')].map((t) => t.textContent ?? '');
  expect(labels).toEqual(expect.arrayContaining(['Metadata', 'Commit']));
  expect(labels.filter((l) => l.startsWith('Section ')).length).toBe(8);
  expect(labels.some((l) => l.startsWith('Delay before group'))).toBe(true);
  // The injected schema_invalid answer made section 3 retry once; both attempts are drawn.
  expect(report.timeline).toMatchObject({ retriedSection: 3, attempts: 2 });
  expect(labels.some((l) => l.includes('attempt 1 ✗ schema_invalid') && l.includes('attempt 2 ✓'))).toBe(true);
});
