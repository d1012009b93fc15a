// The report as markdown: what was run, on what, the tables, and how each number is defined. The same object is
// printed as JSON with --json.
import { DEFAULT_LATENCY_MS } from '../simulator/server';
import { renderScaleSection } from './scale-report';
import type { BenchReport, RatioResult } from './types';
import { formatRatio, formatSeconds, seconds, type Spread } from './stats';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const pct = (s: Spread) => (s.n === 0 ? 'n/a' : formatRatio(s, 2));
const goalText = (r: RatioResult) => (r.goal ? `${r.goal.op === '<=' ? '≤' : '≥'} ${r.goal.target}` : '—');
const metText = (met: boolean | undefined) => (met === undefined ? '—' : met ? '**met**' : '**missed**');
const mib = (bytes: number | undefined) => (bytes === undefined || !Number.isFinite(bytes) ? '—' : `${(bytes / MiB).toFixed(0)} MiB`);

export function renderMarkdown(r: BenchReport): string {
  const o = r.options;
  const f = o.timeFactor;
  const out: string[] = [];
  out.push('# coursegen benchmark');
  out.push('');
  out.push(`Produced by \`${r.command}\` on ${r.startedAt}; the benchmark took ${(r.durationMs / 60_000).toFixed(1)} min.`);
  out.push('');
  out.push(
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${(r.machine.totalMemoryBytes / GiB).toFixed(1)} GiB RAM, ` +
      `Node ${r.machine.node}, ${r.machine.platform}; load average ${r.machine.loadAverageStart.map((l) => l.toFixed(2)).join(' / ')} ` +
      `at the start, ${r.machine.loadAverageEnd.map((l) => l.toFixed(2)).join(' / ')} at the end (1/5/15 min). The cores are ` +
      'shared with other work, so absolute times drift between runs of the benchmark: compare the ratios, which pair runs ' +
      'made minutes apart in the same invocation.',
  );
  out.push('');
  out.push(
    `Stack: ${r.stack.own ? 'its own Temporal dev server and embedded PostgreSQL on free ports in a temp dir' : `existing Temporal at ${r.stack.temporalAddress} and DATABASE_URL`}; ` +
      'the LLM simulator and one worker run in the benchmark process.',
  );
  out.push('');
  out.push(
    `Parameters: time factor ${f} (metadata ${seconds(DEFAULT_LATENCY_MS.metadata * f)} s, section ${seconds(DEFAULT_LATENCY_MS.section * f)} s per call), ` +
      `jitter ${o.jitter}, ${o.runs} run(s) per mode (seeds ${o.seed}…${o.seed + o.runs - 1}), ${o.concurrency} sections in flight per course, ` +
      `delay between groups ${o.groupDelayMs} ms of real time (not scaled), WORKER_MAX_CONCURRENT_ACTIVITIES ${o.maxConcurrentActivities}.`,
  );
  out.push('');

  out.push('## 1. Modes: the seeds\' loops in-process, and the Temporal workflow');
  out.push('');
  out.push(`Median (min–max) of ${o.runs} run(s). The t053 course: 8 sections, 48 lessons; one metadata call and eight section calls.`);
  out.push('');
  out.push(
    table(
      ['Mode', 'Fan-out', 'Jitter', 'End to end', 'Sections phase', 'Ideal', 'Ideal / measured', 'Overhead', 'Projected at factor 1'],
      r.modes.map((m) => [
        m.title,
        m.policy,
        m.jitter ? `±${Math.round(m.jitter * 100)} %` : '0',
        formatSeconds(m.summary.totalMs),
        formatSeconds(m.summary.sectionsMs),
        formatSeconds(m.summary.idealMs),
        pct(m.summary.efficiency),
        formatSeconds(m.summary.overheadMs, 3),
        formatSeconds(m.summary.projectedMs, 1),
      ]),
    ),
  );
  out.push('');
  out.push(
    '*Ideal* is the physical limit of that fan-out with the latencies the simulator actually served in the run (its call ' +
      'log): metadata + Σ over groups of the slowest call in the group + the delays (groups), or list scheduling of the ' +
      'section calls in order on the window\'s slots (window), with zero cost for everything that is not a model call. ' +
      '*Overhead* = measured − ideal: orchestration, database work (ledger, artifacts, quality, sanitise, commit) and HTTP. ' +
      '*Projected at factor 1* = the ideal\'s latency-bound part at real latencies + the delays + the measured overhead: ' +
      'without jitter the real latencies are the seeds\' 20 s and 75 s; with jitter, the observed latencies ' +
      `divided by ${f} (same draws).`,
  );
  out.push('');

  out.push('## 2. Ratios and goals');
  out.push('');
  out.push('Each ratio pairs runs with the same run index (same simulator seed, hence the same latency draws) and gives the median (min–max) over the pairs.');
  out.push('');
  out.push(table(['Ratio', 'Value', 'Goal', 'Status'], r.ratios.map((x) => [x.title, formatRatio(x.value, 4), goalText(x), metText(x.met)])));
  out.push('');
  const m = r.windowJitterModel;
  out.push(
    `How reachable the window goal is at all: over ${m.samples.toLocaleString('en')} random ±${Math.round(m.jitter * 100)} % draws of the ` +
      `nine latencies at factor 1, ideal window / ideal groups has median ${m.median.toFixed(3)} (10th–90th percentile ` +
      `${m.p10.toFixed(3)}–${m.p90.toFixed(3)}) and is ≤ ${m.goal} in ${(100 * m.shareAtOrBelowGoal).toFixed(0)} % of draws. ` +
      'Where the engine\'s ratio follows the ideal\'s, a miss is the latencies\' doing, not the engine\'s.',
  );
  out.push('');
  out.push(
    `The ${o.groupDelayMs} ms delay between groups is real wall-clock time in both engines, kept as configured rather than ` +
      `scaled: at factor ${f} it weighs ${(1 / f).toFixed(0)}× more against the model latency than in production, which ` +
      'is why every ratio is also given projected to factor 1.',
  );
  out.push('');

  out.push(renderScaleSection(r));

  out.push('## 4. SC-003 projection: the seeds\' 8-section course at real latencies');
  out.push('');
  out.push(
    table(
      ['Mode', 'Ideal at factor 1', 'Projected from this run', 'Target', 'Status'],
      r.sc003.rows.map((row) => [row.mode, `${seconds(row.idealAtFactorOneMs, 0)} s`, formatSeconds(row.projectedMs, 1), `≤ ${seconds(r.sc003.targetMs, 0)} s`, metText(row.met)]),
    ),
  );
  out.push('');
  out.push(sc003Text(r));
  out.push('');

  const t = r.timeline;
  if (t) {
    out.push('## 5. Timeline of one run');
    out.push('');
    out.push(`![Gantt chart of one run](${t.svgFile})`);
    out.push('');
    out.push(
      `Temporal groups mode at factor ${f}, with a schema-invalid answer injected into section ${t.retriedSection}'s first ` +
        `call: it took ${t.attempts} attempts and the run ${seconds(t.totalMs)} s (workflow ${t.workflowId}). ` +
        'Times come from the run\'s Temporal history (ActivityTaskScheduled / Started / Completed, TimerStarted / Fired). ' +
        'The server writes ActivityTaskStarted only for the attempt that ends an activity (its `attempt` field counts them), ' +
        'so the earlier attempt is drawn from the simulator\'s call log. The second group cannot start before the retried ' +
        'section of the first group is done: that is the cost of groups the sliding window avoids.',
    );
    out.push('');
  }

  out.push('## Method');
  out.push('');
  out.push(
    [
      '- **Same activity code.** The in-process baselines call the functions from `createActivities(...)` with the worker\'s own configuration and store, each call inside a `MockActivityEnvironment` (`@temporalio/testing`) that provides the activity context (attempt number → model ladder; unique workflow and run ids → ledger and artifact rows). They run the same phases as the workflow: metadata, sections, quality, sanitise, commit.',
      '- **Same latencies.** Before each measured run the simulator is reset and seeded with the run index, so the modes of one run index get identical latency draws; modes are interleaved run by run so that load drift on the shared machine spreads over all of them.',
      '- **Timing.** Temporal runs are timed on the client from `startCourseGeneration(...)` to the result, as a user waits; phase boundaries come from the history. In-process runs are timed around the loop. An unmeasured warm-up course runs first on each engine.',
      '- **Sections phase** ends when the last section activity closes and starts when the metadata activity closes.',
      `- **Scale.** ${r.scale.points.length ? 'Courses are started at once with distinct course ids, on a stack per engine started by the benchmark (never TEMPORAL_ADDRESS / DATABASE_URL). Peak RSS of each worker process is sampled every 250 ms from /proc during each run; CPU seconds per process come from /proc/<pid>/stat.' : 'Not run.'}`,
    ].join('\n'),
  );
  out.push('');

  out.push('## Appendix: every run');
  out.push('');
  out.push(
    table(
      ['Mode', 'Run', 'Seed', 'End to end', 'Metadata', 'Sections', 'Tail (quality, sanitise, commit)', 'Ideal', 'Server start → close', 'LLM calls'],
      r.modes.flatMap((m) =>
        m.runs.map((run) => [
          m.id,
          String(run.run + 1),
          String(run.seed),
          run.ok ? `${seconds(run.totalMs, 3)} s` : `**failed**: ${run.error}`,
          `${seconds(run.metadataMs, 3)} s`,
          `${seconds(run.sectionsMs, 3)} s`,
          `${seconds(run.tailMs, 3)} s`,
          `${seconds(run.idealMs, 3)} s`,
          run.serverMakespanMs === undefined ? '—' : `${seconds(run.serverMakespanMs, 3)} s`,
          String(run.llmCalls),
        ]),
      ),
    ),
  );
  out.push('');
  return `${out.join('\n')}\n`;
}

function sc003Text(r: BenchReport): string {
  const target = r.sc003.targetMs;
  const impossible = r.sc003.rows.filter((row) => row.idealAtFactorOneMs > target);
  const lines = [
    'Projected = ideal at the seeds\' real latencies (20 s metadata, 75 s per section, no jitter) + the overhead this run measured on top of its ideal.',
  ];
  if (impossible.length) {
    lines.push(
      `${impossible.map((row) => `${row.mode} cannot meet it whatever the engine: its ideal alone is ${seconds(row.idealAtFactorOneMs, 0)} s`).join('; ')}. ` +
        `With ${r.options.concurrency} sections in flight, 8 sections of 75 s take ${Math.ceil(8 / r.options.concurrency)} rounds after the 20 s metadata call ` +
        '(the seeds\' "~150 s" left out the metadata call and the delay); only more sections in flight at once bring the ideal under the target.',
    );
  }
  return lines.join(' ');
}
