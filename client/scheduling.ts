// Where a course stands among other courses on the same task queue: Temporal's task-queue priority (1 first … 5
// last; unset = 3, the server's default) and fairness key (one per tenant: the server dispatches the tenants'
// backlogs in turn, so one tenant's batch of 200 courses does not starve another tenant's single course). The
// workflow's activities inherit both from the workflow.
import type { Priority } from '@temporalio/common';
import { z } from 'zod';

const SchedulingSchema = z.strictObject({
  priority: z.coerce.number('is a number').int('is a whole number').min(1, 'is 1 (first) … 5 (last)').max(5, 'is 1 (first) … 5 (last)').optional(),
  // Fairness keys are short strings on the server (64 bytes at most).
  tenant: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(64, 'is at most 64 characters')
    .regex(/^[A-Za-z0-9._:@-]+$/, 'takes letters, digits and . _ : @ -')
    .optional(),
});

export interface SchedulingOptions {
  priority?: number | string;
  tenant?: string;
}

/** The Priority of a run's start request, or undefined when neither is given; throws a readable message otherwise. */
export function schedulingPriority(options: SchedulingOptions): Priority | undefined {
  const parsed = SchedulingSchema.safeParse({ priority: options.priority, tenant: options.tenant });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')} ${i.message}`).join('; '));
  const { priority, tenant } = parsed.data;
  if (priority === undefined && tenant === undefined) return undefined;
  return { ...(priority !== undefined ? { priorityKey: priority } : {}), ...(tenant !== undefined ? { fairnessKey: tenant } : {}) };
}
