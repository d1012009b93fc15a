// Section 3 of REPORT.md: the scale runs on both engines side by side, what one course costs each engine, and where
// the CPU goes. `npm run bench -- --only scale` rewrites this section alone and keeps the rest of the file.
import fs from 'node:fs';
import { DEFAULT_LATENCY_MS } from '../simulator/server';
import { STACK_DATABASE } from '../stack/stack';
import { formatRatio, formatSeconds, seconds } from './stats';
import type { BenchReport, ScalePoint } from './types';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
export const SCALE_HEADING = '## 3. Scale: many courses at once';
/** Temporal's own databases on the cluster's PostgreSQL (the project's database is STACK_DATABASE). */
const TEMPORAL_DATABASES = ['temporal', 'temporal_visibility'];

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const mib = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / MiB).toFixed(0)}` : '—');
const engineName = (e: ScalePoint['engine']) => (e === 'dev' ? 'dev server (SQLite)' : 'cluster v1.32 (PostgreSQL)');
const sections = (p: ScalePoint) => p.courses * 8;

/** CPU of the orchestration (server + PostgreSQL + workers), the simulator's own left out, per section generated. */
export function orchestrationCpuMsPerSection(p: ScalePoint): number {
  const c = p.cpuSeconds;
  return ((c.temporal + c.postgres + c.worker + c.other) * 1000) / sections(p);
}

function transactionsPerSection(p: ScalePoint): { project: number; temporal: number } {
  const temporal = TEMPORAL_DATABASES.reduce((sum, db) => sum + (p.transactions[db] ?? 0), 0);
  return { project: (p.transactions[STACK_DATABASE] ?? 0) / sections(p), temporal: temporal / sections(p) };
}

export function renderScaleSection(r: BenchReport): string {
  const s = r.scale;
  const out: string[] = [SCALE_HEADING, ''];
  const meta = DEFAULT_LATENCY_MS.metadata * s.timeFactor;
  const section = DEFAULT_LATENCY_MS.section * s.timeFactor;
  out.push(
    `Produced by \`${s.command}\` on ${r.startedAt} (load average ${r.machine.loadAverageStart.map((l) => l.toFixed(2)).join(' / ')} at the start, ` +
      `${r.machine.loadAverageEnd.map((l) => l.toFixed(2)).join(' / ')} at the end; ${r.machine.cpus} cores). N courses (the t053 course: 8 sections) ` +
      `started at once, ${s.mode === 'window' ? `sliding window of ${r.options.concurrency}` : `groups of ${r.options.concurrency}`}, time factor ${s.timeFactor} ` +
      `(metadata ${seconds(meta)} s, section ${seconds(section)} s, no jitter), ${r.options.scaleRuns} run(s) per point. Each engine runs on a stack ` +
      'of its own, started afresh: its own embedded PostgreSQL (the project\'s database, and on the cluster Temporal\'s two databases too), the LLM ' +
      'simulator and the client in the benchmark process, every worker a process of its own (`node --import tsx workers/main.ts`) on one task queue. ' +
      `Cluster: ${s.cluster.shards} history shards${Object.keys(s.cluster.dynamicConfig).length ? `, dynamic config ${JSON.stringify(s.cluster.dynamicConfig)}` : ''}. ` +
      (Object.keys(s.workerSettings).length ? `Worker settings: ${Object.entries(s.workerSettings).map(([k, v]) => `${k}=${v}`).join(', ')}.` : 'Worker settings: the defaults.'),
  );
  out.push('');
  out.push(
    table(
      [
        'Engine', 'Courses', 'Workers', 'Slots / worker', 'Makespan', 'Slot-limited ideal', 'Efficiency', 'Sections / s',
        'WFT schedule-to-start p50 / p90 (timeouts)', 'Activity schedule-to-start p90 / max', 'Course time p50 / slowest',
        'CPU s: server / PostgreSQL / workers / simulator',
        'Orchestration CPU per section', 'Peak RSS per worker (MiB)', 'Transactions per section: project / Temporal', 'All completed',
      ],
      s.points.map((p) => {
        const tx = transactionsPerSection(p);
        return [
          engineName(p.engine),
          String(p.courses),
          String(p.workers),
          String(p.slotsPerWorker),
          formatSeconds(p.makespanMs),
          `${seconds(p.idealMs)} s`,
          formatRatio(p.efficiency, 2),
          formatRatio(p.sectionsPerSecond, 1),
          `${seconds(p.workflowTaskWait.p50Ms)} / ${seconds(p.workflowTaskWait.p90Ms)} s (${p.workflowTaskWait.timeouts})`,
          `${seconds(p.activityWaitMs.p90Ms)} / ${seconds(p.activityWaitMs.maxMs)} s`,
          `${seconds(p.courseDurationMs.p50Ms)} / ${seconds(p.courseDurationMs.maxMs)} s`,
          `${p.cpuSeconds.temporal.toFixed(1)} / ${p.cpuSeconds.postgres.toFixed(1)} / ${p.workerCpuSeconds.map((c) => c.toFixed(1)).join(' + ')} / ${p.cpuSeconds.benchmark.toFixed(1)}`,
          `${orchestrationCpuMsPerSection(p).toFixed(1)} ms`,
          p.rssPeakBytes.workers.map(mib).join(' / '),
          `${tx.project.toFixed(1)} / ${p.engine === 'cluster' ? tx.temporal.toFixed(1) : '— (SQLite)'}`,
          p.allCompleted ? 'yes' : `**no** (${p.runs.map((run) => run.completed).join(', ')} of ${p.courses})`,
        ];
      }),
    ),
  );
  out.push('');
  out.push(
    '*Slot-limited ideal* = max(one course\'s critical path, N × (metadata + 8 × section) / all activity slots): with a slot per section in ' +
      'flight the critical path wins, so efficiency < 1 is what the engine, the database and the workers add when N courses share them. ' +
      '*WFT schedule-to-start*: every workflow task\'s wait between WorkflowTaskScheduled and WorkflowTaskStarted, read from all the courses\' ' +
      'histories after the run (not from SDK metrics). *Activity schedule-to-start*: scheduled → started of each activity\'s ' +
      'last attempt (a retried attempt adds its backoff or heartbeat timeout). *Course time*: each course\'s start → close ' +
      'in its history. *CPU s* from /proc/<pid>/stat over the makespan: the server (`temporal` or ' +
      '`temporal-server`), every PostgreSQL process, each worker process, and the benchmark process (simulator + client) apart. ' +
      '*Orchestration CPU per section* = (server + PostgreSQL + workers) / (N × 8). *Transactions* = `xact_commit + xact_rollback` of ' +
      '`pg_stat_database`, read 11 s after the run (backends flush their counters when idle) for the project\'s database and for Temporal\'s two.',
  );
  out.push('');
  const engines = [...new Set(s.points.map((p) => p.engine))];
  if (engines.length) {
    out.push('What one course costs each engine (medians over the courses of the largest point, from their histories):');
    out.push('');
    out.push(
      table(
        ['Engine', 'History events', 'Workflow tasks', 'Activities', 'Local activities', 'patched() markers', 'Search-attribute upserts'],
        engines.map((engine) => {
          const p = s.points.filter((x) => x.engine === engine).sort((a, b) => b.courses - a.courses)[0];
          const c = p.perCourse;
          return [engineName(engine), String(c.events), String(c.workflowTasks), String(c.activities), String(c.localActivities), String(c.patchMarkers), String(c.searchAttributeUpserts)];
        }),
      ),
    );
    out.push('');
  }
  out.push(cpuSummary(r));
  out.push('');
  return out.join('\n');
}

/** Where the CPU went at each engine's largest point, and the ceiling it implies on this machine. */
function cpuSummary(r: BenchReport): string {
  const lines: string[] = [];
  const cores = r.machine.cpus;
  for (const engine of new Set(r.scale.points.map((p) => p.engine))) {
    const points = r.scale.points.filter((p) => p.engine === engine);
    const p = points.sort((a, b) => b.courses - a.courses || b.workers - a.workers)[0];
    const c = p.cpuSeconds;
    const capacity = (cores * p.makespanMs.median) / 1000;
    const used = c.temporal + c.postgres + c.worker + c.benchmark + c.other;
    const perSection = orchestrationCpuMsPerSection(p);
    const per = (x: number) => ((x * 1000) / sections(p)).toFixed(1);
    lines.push(
      `${engineName(engine)}, ${p.courses} courses on ${p.workers} worker(s): ${used.toFixed(1)} CPU-s in ${seconds(p.makespanMs.median)} s, ` +
        `${((100 * used) / capacity).toFixed(0)} % of ${cores} cores; per section ${per(c.temporal)} ms server, ${per(c.postgres)} ms PostgreSQL, ` +
        `${per(c.worker)} ms workers (${perSection.toFixed(1)} ms of orchestration) and ${per(c.benchmark)} ms simulator + client. ` +
        `At that cost one core orchestrates ${(1000 / perSection).toFixed(0)} sections/s, this machine ${((cores * 1000) / perSection).toFixed(0)} with the ` +
        'simulator elsewhere. ' +
        `Peak worker RSS ${mib(Math.max(...p.rssPeakBytes.workers))} MiB (goal ≤ 1.5 GiB: ${Math.max(...p.rssPeakBytes.workers) <= 1.5 * GiB ? 'met' : '**missed**'}).`,
    );
  }
  return lines.join('\n\n');
}

/** The file with its section 3 replaced by `section` (appended when the file has none). */
export function withScaleSection(file: string, section: string): string {
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const at = existing.indexOf(SCALE_HEADING);
  if (at < 0) return `${existing}\n${section}`;
  const next = existing.indexOf('\n## ', at + SCALE_HEADING.length);
  return `${existing.slice(0, at)}${section}${next < 0 ? '' : `\n${existing.slice(next + 1)}`}`;
}
