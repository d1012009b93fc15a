/**
 * Custom search attributes the course workflow upserts. The dev server must have them registered before a
 * workflow uses them, so the stack registers them at start. The names and types are defined once, next to the
 * workflow that uses them (workflows/search-attributes.ts).
 */
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';

export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export const SEARCH_ATTRIBUTES: Record<string, SearchAttributeType> = SEARCH_ATTRIBUTE_TYPES;
