// Section fan-out over activity stubs. Both schedulers are deterministic (they only use workflow timers and
// promises) and never reject: callers pass a `run` that settles every item, so one failed section cannot cancel
// its siblings.
import { sleep } from '@temporalio/workflow';

export interface FanoutOptions {
  concurrency: number;
  delayBetweenGroupsMs: number;
  /** Called before each group (window: each item) starts — the budget guard; throwing stops the fan-out. */
  beforeStart?: () => Promise<void>;
  /** Called after a group (window: an item) settled; false stops starting more work (a section failed). */
  shouldContinue?: () => boolean;
}

/**
 * Groups of `concurrency` items awaited together with Promise.all, a durable timer between groups. This is the
 * platform's PARALLEL_BATCH_SIZE scheme: it bounds the provider's concurrent load to `concurrency`, and the delay
 * spaces bursts out for rate limits.
 */
export async function runInGroups<T, R>(items: T[], run: (item: T) => Promise<R>, options: FanoutOptions): Promise<R[]> {
  const results: R[] = [];
  const groupCount = Math.ceil(items.length / options.concurrency);
  for (let group = 0; group < groupCount; group++) {
    if (group > 0 && options.delayBetweenGroupsMs > 0) {
      await sleep(options.delayBetweenGroupsMs, {
        summary: `Delay before group ${group + 1}/${groupCount} (rate-limit spacing)`,
      });
    }
    await options.beforeStart?.();
    const slice = items.slice(group * options.concurrency, (group + 1) * options.concurrency);
    results.push(...(await Promise.all(slice.map(run))));
    if (options.shouldContinue && !options.shouldContinue()) break;
  }
  return results;
}

/**
 * Sliding window: at most `concurrency` items in flight, the next one starts as soon as any finishes. Same bound
 * on provider load as groups, without waiting for the slowest member of a group. No delay: there are no bursts.
 */
export async function runInWindow<T, R>(items: T[], run: (item: T) => Promise<R>, options: FanoutOptions): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let stopped = false;
  const lane = async (): Promise<void> => {
    while (!stopped && next < items.length) {
      const index = next++;
      await options.beforeStart?.();
      results[index] = await run(items[index]);
      if (options.shouldContinue && !options.shouldContinue()) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, lane));
  return results.filter((r) => r !== undefined);
}
