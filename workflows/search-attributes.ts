// Search attributes the workflow upserts so runs can be filtered in the Web UI list (e.g. `CourseId = "…"`).
// The dev server registers them at start (stack/) and the worker refuses to start where they are missing, because
// an upsert of an unregistered attribute fails the workflow task again and again.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CourseIdKey = defineSearchAttributeKey('CourseId', SearchAttributeType.KEYWORD);
export const CoursePhaseKey = defineSearchAttributeKey('CoursePhase', SearchAttributeType.KEYWORD);
export const CourseCostUsdKey = defineSearchAttributeKey('CourseCostUsd', SearchAttributeType.DOUBLE);

/** Name → server type, as `temporal server start-dev --search-attribute` and the operator API spell them. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Keyword' | 'Double'> = {
  CourseId: 'Keyword',
  CoursePhase: 'Keyword',
  CourseCostUsd: 'Double',
};
