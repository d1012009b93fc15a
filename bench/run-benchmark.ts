// runBenchmark(options): the whole benchmark — per-mode runs (interleaved, so drift on a shared machine hits every
// mode alike), paired ratios, the scale runs, the fault-injected timeline — then REPORT.md and timeline.svg.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInProcess } from './baselines';
import { startCourseGeneration } from '../client/start';
import { benchCourse, phaseDurations, sectionTitles, type PhaseTimes } from './course';
import { openBenchEnv, type BenchEnv } from './env';
import { describePolicy, idealMakespan, nominalLatencies, observedLatencies, projectToFactorOne, sectionsMakespan, type Policy } from './ideal';
import { benchModes, SECTION_COUNT, type ModeSpec } from './modes';
import { COURSE_COST_KEYS, type CourseCost } from './history';
import { defaultOptions, scaleSlotsPerWorker, type BenchOptions } from './options';
import type { CpuByRole } from './procfs';
import { computeRatios, sc003, windowJitterModel } from './ratios';
import { renderMarkdown } from './report';
import { renderScaleSection, withScaleSection } from './scale-report';
import { runScale, type ScaleRun } from './scale';
import { openScaleEnv, type ScaleEnv } from './scale-env';
import { spread } from './stats';
import { runOnTemporal } from './temporal-modes';
import { renderTimelineSvg } from './timeline-svg';
import type { BenchReport, ModeResult, RunResult, ScalePoint } from './types';

export type { BenchReport } from './types';

export async function runBenchmark(partial: Partial<BenchOptions> = {}): Promise<BenchReport> {
  const options: BenchOptions = { ...defaultOptions(), ...partial };
  const startedAt = Date.now();
  const loadAverageStart = os.loadavg();
  let modes: ModeResult[] = [];
  let timeline: (BenchReport['timeline'] & { svg: string }) | undefined;
  let stack: BenchReport['stack'] = { own: true, temporalAddress: '' };
  if (!options.only) {
    const env = await openBenchEnv(options);
    try {
      await warmUp(env);
      modes = await runModes(env, options);
      timeline = await runTimeline(env, options);
      stack = { own: env.stack.own, temporalAddress: env.stack.temporalAddress };
    } finally {
      await env.close();
    }
  }
  const scale = await runScalePoints(options);

  const { log: _log, json: _json, command: _command, ...recorded } = options;
  const report: BenchReport = {
    command: options.command,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Date.now() - startedAt,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      totalMemoryBytes: os.totalmem(),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverageStart,
      loadAverageEnd: os.loadavg(),
    },
    stack,
    options: recorded,
    modes,
    ratios: modes.length ? computeRatios(modes, options) : [],
    scale: {
      mode: options.scaleMode,
      timeFactor: options.scaleTimeFactor,
      command: options.command,
      workerSettings: options.workerSettings,
      cluster: { shards: options.clusterShards, dynamicConfig: options.clusterDynamicConfig },
      points: scale,
    },
    windowJitterModel: windowJitterModel(options),
    sc003: sc003(modes, options),
    timeline: timeline && { svgFile: 'timeline.svg', retriedSection: timeline.retriedSection, attempts: timeline.attempts, totalMs: timeline.totalMs, workflowId: timeline.workflowId },
    allRunsCompleted: modes.every((m) => m.runs.every((r) => r.ok)) && scale.every((p) => p.allCompleted),
    files: { report: path.join(options.outDir, 'REPORT.md'), svg: path.join(options.outDir, 'timeline.svg') },
  };
  fs.mkdirSync(options.outDir, { recursive: true });
  if (options.only === 'scale') {
    fs.writeFileSync(report.files.report, withScaleSection(report.files.report, renderScaleSection(report)));
  } else {
    fs.writeFileSync(report.files.svg, timeline!.svg);
    fs.writeFileSync(report.files.report, renderMarkdown(report) + keptSections(report.files.report));
  }
  return report;
}

/** Sections other benchmarks measured (bench:adaptive, bench:fairness, …) start at this line and survive a rewrite. */
export const KEPT_SECTIONS_MARKER = '<!-- Sections below are measured by their own benchmarks; `npm run bench` keeps them. -->';

function keptSections(file: string): string {
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const at = existing.indexOf(KEPT_SECTIONS_MARKER);
  return at < 0 ? '' : `\n${existing.slice(at)}`;
}

/** One unmeasured course per engine first: JIT, connection pools, the workflow cache and the dev server warm up. */
async function warmUp(env: BenchEnv): Promise<void> {
  env.sim.configure({ timeFactor: 0.002, jitter: 0, faults: [] });
  await runInProcess(env, benchCourse(), { kind: 'groups', size: 3, delayMs: 0 });
  await runOnTemporal(env, benchCourse(), { fanoutMode: 'window' });
}

async function runModes(env: BenchEnv, options: BenchOptions): Promise<ModeResult[]> {
  const specs = benchModes(options);
  const runs = new Map<string, RunResult[]>(specs.map((s) => [s.id, []]));
  for (let run = 0; run < options.runs; run++) {
    for (const spec of specs) {
      const seed = options.seed + run;
      env.sim.configure({ timeFactor: options.timeFactor, jitter: spec.jitter, seed, faults: [] });
      // Also restarts the simulator's per-prompt counters, so this run's latencies are the same draws as the other
      // modes' runs with this seed.
      env.sim.resetStats();
      const result = await measureRun(env, options, spec, run, seed);
      runs.get(spec.id)!.push(result);
      options.log(
        `run ${run + 1}/${options.runs} ${spec.id}: ${result.ok ? `${(result.totalMs / 1000).toFixed(2)} s (ideal ${(result.idealMs / 1000).toFixed(2)} s)` : `FAILED ${result.error}`}`,
      );
    }
  }
  return specs.map((spec) => {
    const list = runs.get(spec.id)!;
    const ok = list.filter((r) => r.ok);
    const of = (key: keyof RunResult) => spread(ok.map((r) => r[key] as number));
    return {
      id: spec.id,
      title: spec.title,
      engine: spec.engine,
      policy: describePolicy(spec.policy),
      jitter: spec.jitter,
      runs: list,
      summary: {
        totalMs: of('totalMs'),
        sectionsMs: of('sectionsMs'),
        idealMs: of('idealMs'),
        efficiency: of('efficiency'),
        overheadMs: of('overheadMs'),
        projectedMs: of('projectedMs'),
      },
    };
  });
}

async function measureRun(env: BenchEnv, options: BenchOptions, spec: ModeSpec, run: number, seed: number): Promise<RunResult> {
  const input = benchCourse();
  let times: PhaseTimes;
  let serverMakespanMs: number | undefined;
  try {
    if (spec.engine === 'in-process') {
      times = await runInProcess(env, input, spec.policy);
    } else {
      const result = await runOnTemporal(env, input, spec.overrides ?? {});
      times = result.times;
      serverMakespanMs = result.serverMakespanMs;
    }
  } catch (error) {
    const nan = NaN;
    return {
      run, seed, ok: false, error: (error as Error).message ?? String(error), totalMs: nan, metadataMs: nan, sectionsMs: nan,
      tailMs: nan, idealMs: nan, efficiency: nan, overheadMs: nan, projectedMs: nan, projectedSectionsMs: nan, idealAtOneMs: nan,
      llmCalls: 0,
    };
  }
  const calls = env.sim.stats().calls;
  const latencies = observedLatencies(calls, sectionTitles(input));
  const ideal = idealMakespan(latencies, spec.policy);
  const d = phaseDurations(times);
  const sections = sectionsMakespan(latencies.sectionMs, spec.policy);
  const sectionsIdeal = { totalMs: sections.llmMs + sections.delayMs, ...sections };
  // The latency-bound part at factor 1. Without jitter the simulator served exactly the nominal latencies, so use
  // them: dividing the observed ones by the factor would also multiply the few milliseconds of HTTP and timer
  // slack in each call. With jitter the draws are only known through the observed latencies.
  const atOne = nominalLatencies(1, SECTION_COUNT);
  const llmAtOne = spec.jitter === 0 ? idealMakespan(atOne, spec.policy).llmMs : ideal.llmMs / options.timeFactor;
  const sectionsLlmAtOne =
    spec.jitter === 0 ? sectionsMakespan(atOne.sectionMs, spec.policy).llmMs : sections.llmMs / options.timeFactor;
  return {
    run,
    seed,
    ok: true,
    ...d,
    idealMs: ideal.totalMs,
    efficiency: ideal.totalMs / d.totalMs,
    overheadMs: d.totalMs - ideal.totalMs,
    projectedMs: projectToFactorOne(d.totalMs, ideal, llmAtOne),
    projectedSectionsMs: projectToFactorOne(d.sectionsMs, sectionsIdeal, sectionsLlmAtOne),
    idealAtOneMs: llmAtOne + ideal.delayMs,
    serverMakespanMs,
    llmCalls: calls.length,
  };
}

/** One Temporal groups run with section 3's first attempt answered with schema-invalid JSON, drawn as a Gantt chart. */
async function runTimeline(env: BenchEnv, options: BenchOptions) {
  const input = benchCourse();
  const titles = sectionTitles(input);
  const retriedSection = 3;
  // "Working title: …" only appears in that section's own prompt; the bare title is also in every section's course
  // map, so it would fault whichever section's request arrived first.
  const match = `Working title: ${titles[retriedSection - 1]}`;
  env.sim.configure({
    timeFactor: options.timeFactor,
    jitter: 0,
    seed: options.seed,
    faults: [{ kind: 'schema_invalid', callKind: 'section', match, times: 1 }],
  });
  env.sim.resetStats();
  try {
    const result = await runOnTemporal(env, input, { fanoutMode: 'groups' });
    const span = result.spans.activities.find((a) => a.sectionIndex === retriedSection - 1);
    const policy: Policy = { kind: 'groups', size: options.concurrency, delayMs: options.groupDelayMs };
    const svg = renderTimelineSvg({
      title: `One course on Temporal: ${describePolicy(policy)}, time factor ${options.timeFactor}`,
      subtitle:
        `Workflow ${result.workflowId}: section ${retriedSection}'s first answer was schema-invalid (injected), ` +
        `its retry escalated to the next model. Total ${(phaseDurations(result.times).totalMs / 1000).toFixed(2)} s.`,
      spans: result.spans,
      sectionTitles: titles,
      calls: env.sim.stats().calls,
    });
    options.log(`timeline run: ${(phaseDurations(result.times).totalMs / 1000).toFixed(2)} s, section ${retriedSection} took ${span?.attempt} attempts`);
    return { svg, svgFile: 'timeline.svg', retriedSection, attempts: span?.attempt ?? 0, totalMs: phaseDurations(result.times).totalMs, workflowId: result.workflowId };
  } finally {
    env.sim.configure({ faults: [] });
  }
}

/** Every engine in turn, each on a stack of its own; per engine the points in ascending worker counts, so workers are only ever added. */
async function runScalePoints(options: BenchOptions): Promise<ScalePoint[]> {
  const points: ScalePoint[] = [];
  const counts = [...new Set(options.scaleCourses)].sort((a, b) => a - b);
  const workerCounts = [...new Set(options.scaleWorkers)].sort((a, b) => a - b);
  if (counts.length === 0 || workerCounts.length === 0) return points;
  for (const engine of options.engines) {
    const env = await openScaleEnv(engine, options);
    try {
      let warm = false;
      for (const workers of workerCounts) {
        // Slots are fixed when a worker starts: the largest point of this worker count decides them.
        await env.ensureWorkers(workers, scaleSlotsPerWorker(options, counts[counts.length - 1], workers));
        if (!warm) await scaleWarmUp(env);
        warm = true;
        const byCourses = new Map<number, ScaleRun[]>();
        for (let run = 0; run < options.scaleRuns; run++) {
          for (const courses of counts) {
            const r = await runScale(env, options, courses, workers, run);
            byCourses.set(courses, [...(byCourses.get(courses) ?? []), r]);
            options.log(
              `${engine}: ${r.courses} courses on ${r.workers} worker(s), run ${r.run + 1}: ${(r.makespanMs / 1000).toFixed(2)} s, ` +
                `${r.sectionsPerSecond.toFixed(1)} sections/s, efficiency ${r.efficiency.toFixed(2)}, ${r.completed}/${r.courses} completed, ` +
                `CPU s worker ${r.cpuSeconds.worker} / server ${r.cpuSeconds.temporal} / PostgreSQL ${r.cpuSeconds.postgres} / simulator ${r.cpuSeconds.benchmark}, ` +
                `transactions per section ${Object.entries(r.transactions).filter(([, n]) => n > 0).map(([db, n]) => `${db} ${(n / (r.courses * 8)).toFixed(1)}`).join(', ')}, ` +
                `per course ${JSON.stringify(r.perCourse)}, course duration ${JSON.stringify(r.courseDurationMs)}, activity wait ${JSON.stringify(r.activityWait)} (longest ${JSON.stringify(r.longestActivityWait)}), ` +
                `workflow-task wait ${JSON.stringify(r.workflowTaskWait)}, LLM calls ${JSON.stringify(r.llmCallsByKind)}` +
                (r.firstError ? `; first error: ${r.firstError}` : ''),
            );
          }
        }
        for (const runs of byCourses.values()) points.push(summarise(runs));
      }
    } finally {
      await env.close();
    }
  }
  return points;
}

/** A few unmeasured courses first: JIT, connection pools, the workflow cache and the server's task queues warm up. */
async function scaleWarmUp(env: ScaleEnv): Promise<void> {
  env.sim.configure({ timeFactor: 0.002, jitter: 0, faults: [] });
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      const { handle } = await startCourseGeneration(env.client, benchCourse(), { taskQueue: env.taskQueue, overrides: { fanoutMode: 'window' } });
      await env.guard(handle.result());
    }),
  );
}

function summarise(runs: ScaleRun[]): ScalePoint {
  const first = runs[0];
  const median = (values: number[]) => spread(values).median;
  const keys = <T extends object>(o: T) => Object.keys(o) as Array<keyof T>;
  return {
    engine: first.engine,
    courses: first.courses,
    workers: first.workers,
    slotsPerWorker: first.slotsPerWorker,
    runs,
    makespanMs: spread(runs.map((r) => r.makespanMs)),
    sectionsPerSecond: spread(runs.map((r) => r.sectionsPerSecond)),
    efficiency: spread(runs.map((r) => r.efficiency)),
    idealMs: first.idealMs,
    rssPeakBytes: {
      workers: first.workerRssPeakBytes.map((_, i) => Math.max(...runs.map((r) => r.workerRssPeakBytes[i]))),
      benchProcess: Math.max(...runs.map((r) => r.benchProcessRssPeakBytes)),
    },
    cpuSeconds: Object.fromEntries(keys(first.cpuSeconds).map((role) => [role, median(runs.map((r) => r.cpuSeconds[role]))])) as CpuByRole,
    workerCpuSeconds: first.workerCpuSeconds.map((_, i) => median(runs.map((r) => r.workerCpuSeconds[i]))),
    transactions: Object.fromEntries(Object.keys(first.transactions).map((db) => [db, median(runs.map((r) => r.transactions[db] ?? 0))])),
    workflowTaskWait: {
      meanMs: median(runs.map((r) => r.workflowTaskWait.meanMs)),
      p50Ms: median(runs.map((r) => r.workflowTaskWait.p50Ms)),
      p90Ms: median(runs.map((r) => r.workflowTaskWait.p90Ms)),
      perCourse: median(runs.map((r) => r.workflowTaskWait.perCourse)),
      timeouts: runs.reduce((sum, r) => sum + r.workflowTaskWait.timeouts, 0),
    },
    perCourse: Object.fromEntries(COURSE_COST_KEYS.map((key) => [key, median(runs.map((r) => r.perCourse[key]))])) as unknown as CourseCost,
    courseDurationMs: { p50Ms: median(runs.map((r) => r.courseDurationMs.p50Ms)), maxMs: Math.max(...runs.map((r) => r.courseDurationMs.maxMs)) },
    activityWaitMs: { p90Ms: median(runs.map((r) => r.activityWait.p90Ms)), maxMs: Math.max(...runs.map((r) => r.activityWait.maxMs)) },
    allCompleted: runs.every((r) => r.failed === 0),
  };
}
