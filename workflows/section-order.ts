// Which sections start first. With SECTION_ORDER=importance the core sections are asked for before the important
// ones and those before the optional ones (the seeds' "critical sections first"): when a provider degrades or the
// budget runs out mid-run, what is already generated is what matters most. Plan order breaks ties. The committed
// course keeps plan order whatever the start order (the caller puts results back by index).
import type { SectionPlan } from './schemas';

export type SectionOrder = 'importance' | 'plan';

const RANK: Record<SectionPlan['importance'], number> = { core: 0, important: 1, optional: 2 };

/** Section indexes in the order they start. */
export function sectionStartOrder(plans: Pick<SectionPlan, 'importance'>[], order: SectionOrder): number[] {
  const indexes = plans.map((_, index) => index);
  if (order === 'plan') return indexes;
  // Array.prototype.sort is stable: equal importance keeps plan order.
  return indexes.sort((a, b) => RANK[plans[a].importance] - RANK[plans[b].importance]);
}
