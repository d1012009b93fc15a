// SECTION_FANOUT=adaptive: a sliding window whose width follows the provider (the seeds' "adaptive concurrency").
// Sections that met rate limits or timeouts halve the width (multiplicative decrease, never below the minimum);
// a window's worth of clean sections widens it by one (additive increase, never above SECTION_CONCURRENCY). Like
// TCP, one burst of 429s is one congestion event: sections started before the last decrease do not decrease it
// again. Deterministic: the width depends only on the order results arrive in, which history records.
import { condition } from '@temporalio/workflow';
import type { FanoutOptions } from './fanout';

export interface WidthChange {
  /** Workflow time (ISO) of the change. */
  at: string;
  width: number;
  reason: 'start' | 'pressure' | 'clean';
}

/** The window's width and how it changes: pure arithmetic, unit-testable. */
export class AimdWindow {
  width: number;
  /** Incremented by each decrease: results of sections started before it are not a new congestion event. */
  epoch = 0;
  private clean = 0;

  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    this.width = max;
  }

  /** A section finished; `pressured`: it met rate limits or timeouts. Returns true when the width changed. */
  settle(startedInEpoch: number, pressured: boolean): boolean {
    if (pressured) {
      this.clean = 0;
      if (startedInEpoch < this.epoch) return false;
      const narrower = Math.max(this.min, Math.floor(this.width / 2));
      this.epoch++;
      if (narrower === this.width) return false;
      this.width = narrower;
      return true;
    }
    this.clean++;
    if (this.clean < this.width || this.width >= this.max) return false;
    this.clean = 0;
    this.width++;
    return true;
  }
}

export interface AdaptiveOptions extends FanoutOptions {
  /** The smallest width the window narrows to (SECTION_CONCURRENCY_MIN); `concurrency` is the largest. */
  minConcurrency: number;
  /** Whether a finished item met rate limits or timeouts. */
  pressured: (result: unknown) => boolean;
  /** Called with every width change (and the start), for progress and history. */
  onWidth?: (change: WidthChange) => void;
}

export async function runAdaptive<T, R>(
  items: T[],
  run: (item: T, width: number) => Promise<R>,
  options: AdaptiveOptions,
): Promise<R[]> {
  const window = new AimdWindow(Math.min(options.minConcurrency, options.concurrency), options.concurrency);
  const now = () => new Date(Date.now()).toISOString();
  options.onWidth?.({ at: now(), width: window.width, reason: 'start' });
  const results = new Array<R>(items.length);
  const running: Promise<void>[] = [];
  let inFlight = 0;
  let stopped = false;
  for (let index = 0; index < items.length && !stopped; index++) {
    await condition(() => inFlight < window.width || stopped);
    if (stopped) break;
    await options.beforeStart?.();
    const epoch = window.epoch;
    inFlight++;
    running.push(
      run(items[index], window.width).then((result) => {
        results[index] = result;
        inFlight--;
        const pressured = options.pressured(result);
        if (window.settle(epoch, pressured)) options.onWidth?.({ at: now(), width: window.width, reason: pressured ? 'pressure' : 'clean' });
        if (options.shouldContinue && !options.shouldContinue()) stopped = true;
      }),
    );
  }
  await Promise.all(running);
  return results.filter((r) => r !== undefined);
}
