// Ratios between modes, paired run by run, with the goals; and the SC-003 projection.
import { idealMakespan, idealRatioModel, nominalLatencies } from './ideal';
import { benchModes, jitterPairIds, SECTION_COUNT } from './modes';
import type { BenchOptions } from './options';
import { spread, type Spread } from './stats';
import type { BenchReport, ModeResult, RatioResult, RunResult } from './types';

/** Ratio of two modes run by run (same seed, same latency draws), summarised as median and min–max. */
function paired(modes: ModeResult[], num: string, den: string, key: keyof RunResult): Spread {
  const a = modes.find((m) => m.id === num)?.runs ?? [];
  const b = modes.find((m) => m.id === den)?.runs ?? [];
  const values = a.flatMap((ra) => {
    const rb = b.find((r) => r.run === ra.run);
    return ra.ok && rb?.ok ? [(ra[key] as number) / (rb[key] as number)] : [];
  });
  return spread(values);
}

export function computeRatios(modes: ModeResult[], options: BenchOptions): RatioResult[] {
  const pair = jitterPairIds(options);
  const j = `±${Math.round(options.windowJitter * 100)} % jitter`;
  const f = `factor ${options.timeFactor}`;
  const ratio = (id: string, title: string, value: Spread, goal?: RatioResult['goal']): RatioResult => ({
    id,
    title,
    value,
    goal,
    met: goal && value.n > 0 ? (goal.op === '<=' ? value.median <= goal.target : value.median >= goal.target) : undefined,
  });
  return [
    ratio('durability', `Temporal groups / in-process groups, end to end (${f})`, paired(modes, 'temporal-groups', 'inprocess-groups', 'totalMs'), { op: '<=', target: 1.02 }),
    ratio('durability-projected', 'Temporal groups / in-process groups, projected to factor 1', paired(modes, 'temporal-groups', 'inprocess-groups', 'projectedMs'), { op: '<=', target: 1.02 }),
    ratio('speedup-sections', `Sequential / Temporal groups, sections phase (${f})`, paired(modes, 'inprocess-sequential', 'temporal-groups', 'sectionsMs'), { op: '>=', target: 3.9 }),
    ratio('speedup-sections-projected', 'Sequential / Temporal groups, sections phase, projected to factor 1', paired(modes, 'inprocess-sequential', 'temporal-groups', 'projectedSectionsMs'), { op: '>=', target: 3.9 }),
    ratio('speedup-total', `Sequential / Temporal groups, end to end (${f})`, paired(modes, 'inprocess-sequential', 'temporal-groups', 'totalMs')),
    ratio('speedup-total-projected', 'Sequential / Temporal groups, end to end, projected to factor 1', paired(modes, 'inprocess-sequential', 'temporal-groups', 'projectedMs')),
    ratio('window-vs-groups-jitter', `Temporal window / Temporal groups, ${j} (${f})`, paired(modes, pair.window, pair.groups, 'totalMs'), { op: '<=', target: 0.85 }),
    ratio('window-vs-groups-jitter-projected', `Temporal window / Temporal groups, ${j}, projected to factor 1`, paired(modes, pair.window, pair.groups, 'projectedMs'), { op: '<=', target: 0.85 }),
    ratio('window-vs-groups-jitter-ideal', `Ideal window / ideal groups at factor 1, same draws (the physical limit of the ratio above)`, paired(modes, pair.window, pair.groups, 'idealAtOneMs')),
    ...(pair.groups !== 'temporal-groups'
      ? [ratio('window-vs-groups', `Temporal window / Temporal groups, jitter ${options.jitter} (${f})`, paired(modes, 'temporal-window', 'temporal-groups', 'totalMs'))]
      : []),
  ];
}

/** SC-003 (8 sections in under 150 s at real latencies) for the Temporal modes, from their factor-1 projections. */
export function sc003(modes: ModeResult[], options: BenchOptions): BenchReport['sc003'] {
  const targetMs = 150_000;
  const nominal = nominalLatencies(1, SECTION_COUNT);
  const rows = benchModes(options)
    .filter((spec) => ['temporal-groups', 'temporal-window', 'temporal-window-all'].includes(spec.id))
    .flatMap((spec) => {
      const mode = modes.find((m) => m.id === spec.id);
      if (!mode) return [];
      const projectedMs = mode.summary.projectedMs;
      return [{
        mode: mode.title,
        projectedMs,
        idealAtFactorOneMs: idealMakespan(nominal, spec.policy).totalMs,
        met: projectedMs.n > 0 && projectedMs.median <= targetMs,
      }];
    });
  return { targetMs, rows };
}

/** Expected window/groups ideal ratio at factor 1 under the pair's jitter, over 10 000 seeded draws. */
export function windowJitterModel(options: BenchOptions): BenchReport['windowJitterModel'] {
  const goal = 0.85;
  const specs = benchModes(options);
  const pair = jitterPairIds(options);
  const window = specs.find((s) => s.id === pair.window)!.policy;
  const groups = specs.find((s) => s.id === pair.groups)!.policy;
  return { jitter: options.windowJitter, goal, ...idealRatioModel(window, groups, options.windowJitter, SECTION_COUNT, goal, 10_000, options.seed) };
}
