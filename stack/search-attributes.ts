/**
 * Custom search attributes the course workflow upserts. The dev server must
 * have them registered before a workflow uses them, so the stack registers
 * them at start. Pure data: imported by the stack and (later) by workflows/.
 */
export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export const SEARCH_ATTRIBUTES = {
  CourseId: 'Keyword',
  CoursePhase: 'Keyword',
  CourseCostUsd: 'Double',
} as const satisfies Record<string, SearchAttributeType>;

export type CourseSearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
