// `npm run bench:adaptive`: section fan-out under a simulated 429 storm — a provider that serves two section calls
// at once and answers 429 (Retry-After) to any more. Groups of 4, the sliding window of 4 and the adaptive window
// (4 narrowing to 1) generate the same 16-section course on the real stack; reported per mode: completion time and
// the 429s the run provoked.
//
//   npx tsx bench/adaptive.ts [--runs 2] [--time-factor 0.02] [--limit 2]
import { parseArgs } from 'node:util';
import type { GenerationSettings } from '../workflows/types';
import { courseWorkflowId, WORKFLOW_TYPE } from '../workflows/types';
import { benchCourse } from './course';
import { openBenchEnv } from './env';
import { defaultOptions } from './options';

type Mode = 'groups' | 'window' | 'adaptive';

/** The t053 course twice over: 16 sections, enough for the window to narrow and widen again. */
function stormCourse() {
  const input = benchCourse();
  const structure = input.analysis_result.recommended_structure;
  structure.sections_breakdown = [...structure.sections_breakdown, ...structure.sections_breakdown.map((s) => ({ ...s, area: `${s.area} in practice` }))];
  structure.total_sections = structure.sections_breakdown.length;
  structure.total_lessons = structure.sections_breakdown.reduce((sum, s) => sum + s.estimated_lessons, 0);
  return input;
}

async function main() {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '2' }, 'time-factor': { type: 'string', default: '0.02' }, limit: { type: 'string', default: '2' } },
  });
  const options = { ...defaultOptions(), timeFactor: Number(values['time-factor']), concurrency: 4, groupDelayMs: 400 };
  const limit = Number(values.limit);
  const sectionMs = 75_000 * options.timeFactor;
  const env = await openBenchEnv(options);
  try {
    // The provider asks the client to come back after one section call's time.
    env.sim.configure({ faults: [{ kind: 'rate_limit', callKind: 'section', inFlightAbove: limit, retryAfterMs: Math.round(sectionMs) }] });
    const modes: Mode[] = ['groups', 'window', 'adaptive'];
    const samples: Record<Mode, { ms: number; rateLimited: number; sectionCalls: number; widths?: number[] }[]> = { groups: [], window: [], adaptive: [] };
    for (let run = 0; run < Number(values.runs); run++) {
      for (const mode of modes) {
        const input = stormCourse();
        // Short patience: a section whose ladder met only 429s tries again soon, in every mode alike.
        const overrides: Partial<GenerationSettings> = { fanoutMode: mode, sectionConcurrency: 4, sectionConcurrencyMin: 1, sectionPatienceMs: Array(10).fill(Math.round(sectionMs)) };
        env.sim.resetStats();
        const started = performance.now();
        const handle = await env.client.workflow.start(WORKFLOW_TYPE, {
          taskQueue: env.taskQueue,
          workflowId: courseWorkflowId(input.course_id),
          args: [input, overrides],
        });
        await env.guard(handle.result());
        const ms = Math.round(performance.now() - started);
        const stats = env.sim.stats();
        const sectionCalls = stats.calls.filter((c) => c.kind === 'section');
        const progress = mode === 'adaptive' ? await handle.query<{ concurrency?: { changes: { width: number }[] } }>('getProgress') : undefined;
        samples[mode].push({
          ms,
          rateLimited: sectionCalls.filter((c) => c.status === 429).length,
          sectionCalls: sectionCalls.length,
          ...(progress?.concurrency ? { widths: progress.concurrency.changes.map((c) => c.width) } : {}),
        });
        options.log(`${mode} run ${run + 1}: ${ms} ms, ${samples[mode].at(-1)!.rateLimited} × 429`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    const summary = modes.map((mode) => ({
      mode,
      medianMs: median(samples[mode].map((s) => s.ms)),
      median429: median(samples[mode].map((s) => s.rateLimited)),
      medianSectionCalls: median(samples[mode].map((s) => s.sectionCalls)),
      runs: samples[mode],
    }));
    console.log(JSON.stringify({ timeFactor: options.timeFactor, simulatedSectionMs: sectionMs, providerLimit: limit, sections: 16, summary }, null, 2));
  } finally {
    await env.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
