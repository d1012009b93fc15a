// What the benchmark compares: each mode is an engine (in-process loop or the Temporal workflow), a scheduling
// policy (which also defines its ideal) and the simulator jitter it runs under. Runs of every mode with the same
// run index see the same simulator seed, so their latencies are the same draws and their ratios are paired.
import type { GenerationSettings } from '../workflows/types';
import type { Policy } from './ideal';
import type { BenchOptions } from './options';

export interface ModeSpec {
  id: string;
  title: string;
  engine: 'in-process' | 'temporal';
  policy: Policy;
  jitter: number;
  /** The workflow's second argument, for Temporal modes. */
  overrides?: Partial<GenerationSettings>;
}

export const SECTION_COUNT = 8;

export function benchModes(o: BenchOptions): ModeSpec[] {
  const groups: Policy = { kind: 'groups', size: o.concurrency, delayMs: o.groupDelayMs };
  const window: Policy = { kind: 'window', size: o.concurrency };
  const modes: ModeSpec[] = [
    { id: 'inprocess-sequential', title: 'In-process sequential loop (seed 000)', engine: 'in-process', policy: { kind: 'sequential' }, jitter: o.jitter },
    { id: 'inprocess-groups', title: `In-process groups of ${o.concurrency}, Promise.all + delay (000/001 fix)`, engine: 'in-process', policy: groups, jitter: o.jitter },
    { id: 'inprocess-chunks3', title: 'In-process chunks of 3 (seed 003)', engine: 'in-process', policy: { kind: 'groups', size: 3, delayMs: 0 }, jitter: o.jitter },
    { id: 'temporal-groups', title: `Temporal workflow, groups of ${o.concurrency}`, engine: 'temporal', policy: groups, jitter: o.jitter, overrides: { fanoutMode: 'groups' } },
    { id: 'temporal-window', title: `Temporal workflow, sliding window of ${o.concurrency}`, engine: 'temporal', policy: window, jitter: o.jitter, overrides: { fanoutMode: 'window' } },
    {
      // Not asked for by the seeds: what it takes to meet SC-003 (all sections at once).
      id: 'temporal-window-all',
      title: `Temporal workflow, window of ${SECTION_COUNT} (all sections at once)`,
      engine: 'temporal',
      policy: { kind: 'window', size: SECTION_COUNT },
      jitter: o.jitter,
      overrides: { fanoutMode: 'window', sectionConcurrency: SECTION_COUNT },
    },
  ];
  if (o.windowJitter !== o.jitter) {
    const j = `±${Math.round(o.windowJitter * 100)} % jitter`;
    modes.push(
      { id: 'temporal-groups-jitter', title: `Temporal workflow, groups of ${o.concurrency}, ${j}`, engine: 'temporal', policy: groups, jitter: o.windowJitter, overrides: { fanoutMode: 'groups' } },
      { id: 'temporal-window-jitter', title: `Temporal workflow, sliding window of ${o.concurrency}, ${j}`, engine: 'temporal', policy: window, jitter: o.windowJitter, overrides: { fanoutMode: 'window' } },
    );
  }
  return modes;
}

/** Ids of the jittered window/groups pair (the main pair when --jitter already equals --window-jitter). */
export function jitterPairIds(o: BenchOptions): { groups: string; window: string } {
  return o.windowJitter !== o.jitter
    ? { groups: 'temporal-groups-jitter', window: 'temporal-window-jitter' }
    : { groups: 'temporal-groups', window: 'temporal-window' };
}
