// METADATA_ROUTING=hybrid: the critical and the support answers become one metadata object, validated by the same
// schema a single call's answer meets. Each half was validated on its own schema when it arrived; the merge catches
// what only the whole can show — a field neither half wrote, or both wrote differently — and names the fields.
import { ApplicationFailure } from '@temporalio/common';
import {
  describeZodError,
  MetadataCriticalOutputSchema,
  MetadataOutputSchema,
  MetadataSupportOutputSchema,
  type MetadataCriticalOutput,
  type MetadataOutput,
  type MetadataSupportOutput,
} from '../workflows/schemas';
import { ErrorType } from '../workflows/types';

const CRITICAL_FIELDS = Object.keys(MetadataCriticalOutputSchema.shape);
const SUPPORT_FIELDS = Object.keys(MetadataSupportOutputSchema.shape);

/** The whole metadata object, or a non-retryable METADATA_MERGE_FAILED naming the fields: no retry of a call fixes it. */
export function mergeMetadata(critical: MetadataCriticalOutput, support: MetadataSupportOutput): MetadataOutput {
  const overlapping = CRITICAL_FIELDS.filter((field) => SUPPORT_FIELDS.includes(field));
  const missing = Object.keys(MetadataOutputSchema.shape).filter((field) => !CRITICAL_FIELDS.includes(field) && !SUPPORT_FIELDS.includes(field));
  if (overlapping.length || missing.length) {
    throw ApplicationFailure.nonRetryable(
      `The metadata halves do not cover the metadata schema: ${[
        missing.length ? `no half writes ${missing.join(', ')}` : '',
        overlapping.length ? `both halves write ${overlapping.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
      ErrorType.METADATA_MERGE_FAILED,
      { missing, overlapping },
    );
  }
  const merged = MetadataOutputSchema.safeParse({ ...pick(support, SUPPORT_FIELDS), ...pick(critical, CRITICAL_FIELDS) });
  if (!merged.success) {
    const fields = [...new Set(merged.error.issues.map((issue) => String(issue.path[0] ?? '(root)')))];
    throw ApplicationFailure.nonRetryable(
      `The merged metadata is invalid in ${fields.join(', ')}:\n${describeZodError(merged.error)}`,
      ErrorType.METADATA_MERGE_FAILED,
      { fields },
    );
  }
  return merged.data;
}

/** Only the fields a half owns: anything else a stored answer carries must not leak into the other half's fields. */
function pick(value: object, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => fields.includes(key)));
}
