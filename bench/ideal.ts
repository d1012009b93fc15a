// Ideal schedules: the physical limit of a scheduling policy given the model latencies. Computed from the latencies
// the simulator actually served in that run (its call log), so jitter is accounted for, and with zero cost for
// everything that is not a model call (no orchestration, no database). measured / ideal is then what the engine
// and the policy's own mechanics cost on top of the models.
import { DEFAULT_LATENCY_MS, type SimulatorStats } from '../simulator/server';

export type Policy =
  | { kind: 'sequential' }
  /** Promise.all over `size` items, then `delayMs` of wall clock before the next group. */
  | { kind: 'groups'; size: number; delayMs: number }
  /** At most `size` in flight; the next item starts when any finishes (list scheduling in item order). */
  | { kind: 'window'; size: number };

export interface Latencies {
  metadataMs: number;
  /** By section index; a retried section's entry is the sum of its attempts' calls (backoff not included). */
  sectionMs: number[];
}

export interface Ideal {
  /** metadata + sections under the policy + its delays. */
  totalMs: number;
  /** The part that scales with the model latency (what a time factor multiplies). */
  llmMs: number;
  /** Wall-clock delays the policy adds (groups only); they do not scale with the time factor. */
  delayMs: number;
}

export function describePolicy(policy: Policy): string {
  switch (policy.kind) {
    case 'sequential':
      return 'one at a time';
    case 'groups':
      return `groups of ${policy.size}${policy.delayMs ? ` + ${policy.delayMs / 1000} s delay` : ''}`;
    case 'window':
      return `sliding window of ${policy.size}`;
  }
}

/** Latencies per call kind from the simulator's log of one run. Sections are matched by their working title. */
export function observedLatencies(calls: SimulatorStats['calls'], sectionTitles: string[]): Latencies {
  const duration = (c: SimulatorStats['calls'][number]) => (c.endedAt === undefined ? 0 : c.endedAt - c.startedAt);
  const metadataMs = calls.filter((c) => c.kind === 'metadata').reduce((sum, c) => sum + duration(c), 0);
  const sectionMs = sectionTitles.map((title) =>
    calls.filter((c) => c.kind === 'section' && c.sectionTitle === title).reduce((sum, c) => sum + duration(c), 0),
  );
  return { metadataMs, sectionMs };
}

/** The simulator's configured latencies (no jitter): what the scale runs' ideal uses. */
export function nominalLatencies(timeFactor: number, sectionCount: number): Latencies {
  return {
    metadataMs: DEFAULT_LATENCY_MS.metadata * timeFactor,
    sectionMs: Array(sectionCount).fill(DEFAULT_LATENCY_MS.section * timeFactor),
  };
}

export function sectionsMakespan(sectionMs: number[], policy: Policy): { llmMs: number; delayMs: number } {
  switch (policy.kind) {
    case 'sequential':
      return { llmMs: sum(sectionMs), delayMs: 0 };
    case 'groups': {
      let llmMs = 0;
      const groups = Math.ceil(sectionMs.length / policy.size);
      for (let g = 0; g < groups; g++) llmMs += Math.max(...sectionMs.slice(g * policy.size, (g + 1) * policy.size));
      return { llmMs, delayMs: Math.max(0, groups - 1) * policy.delayMs };
    }
    case 'window': {
      // Item i goes to the slot that frees first, in item order: exactly what the workflow's window does.
      const slots = Array(Math.min(policy.size, sectionMs.length)).fill(0);
      for (const d of sectionMs) {
        const i = slots.indexOf(Math.min(...slots));
        slots[i] += d;
      }
      return { llmMs: Math.max(0, ...slots), delayMs: 0 };
    }
  }
}

export function idealMakespan(latencies: Latencies, policy: Policy): Ideal {
  const sections = sectionsMakespan(latencies.sectionMs, policy);
  const llmMs = latencies.metadataMs + sections.llmMs;
  return { totalMs: llmMs + sections.delayMs, llmMs, delayMs: sections.delayMs };
}

/**
 * N identical courses on `slots` activity slots: no schedule beats one course's critical path, nor the total
 * slot-time of all calls spread perfectly over all slots. With slots ≥ N × concurrency the first bound wins.
 */
export function slotLimitedIdeal(
  latencies: Latencies,
  policy: Policy,
  courses: number,
  slots: number,
): { totalMs: number; criticalPathMs: number; slotBoundMs: number } {
  const criticalPathMs = idealMakespan(latencies, policy).totalMs;
  const slotBoundMs = (courses * (latencies.metadataMs + sum(latencies.sectionMs))) / slots;
  return { totalMs: Math.max(criticalPathMs, slotBoundMs), criticalPathMs, slotBoundMs };
}

/**
 * A run measured at a small time factor, projected to factor 1: the latency-bound part is replaced by its value at
 * real latencies (`llmAtOneMs`), the policy's wall-clock delays stay, and the overhead measured on top of the
 * ideal is kept as is (orchestration and database work do not depend on how long a model takes).
 */
export function projectToFactorOne(measuredMs: number, ideal: Ideal, llmAtOneMs: number): number {
  return llmAtOneMs + ideal.delayMs + (measuredMs - ideal.totalMs);
}

/**
 * How the ideal of policy `a` compares with policy `b` over many random ±jitter draws at factor 1 (metadata and
 * each section drawn uniformly like the simulator does): whether a ratio goal is reachable at all, independently of
 * the few draws a benchmark run happens to get. Seeded, so the report is reproducible.
 */
export function idealRatioModel(
  a: Policy,
  b: Policy,
  jitter: number,
  sectionCount: number,
  goal: number,
  samples = 10_000,
  seed = 1,
): { samples: number; median: number; p10: number; p90: number; shareAtOrBelowGoal: number } {
  let state = seed >>> 0;
  // mulberry32: a tiny, well-known 32-bit PRNG; Math.random is not seedable.
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const base = nominalLatencies(1, sectionCount);
  const draw = (ms: number) => ms * (1 + jitter * (2 * random() - 1));
  const ratios: number[] = [];
  for (let i = 0; i < samples; i++) {
    const latencies = { metadataMs: draw(base.metadataMs), sectionMs: base.sectionMs.map(draw) };
    ratios.push(idealMakespan(latencies, a).totalMs / idealMakespan(latencies, b).totalMs);
  }
  ratios.sort((x, y) => x - y);
  const at = (q: number) => ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))];
  return {
    samples,
    median: at(0.5),
    p10: at(0.1),
    p90: at(0.9),
    shareAtOrBelowGoal: ratios.filter((r) => r <= goal).length / samples,
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
