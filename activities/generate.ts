// The two LLM activities: course metadata, and one section. Their outputs go to PostgreSQL; the workflow gets
// a receipt (model, attempt, counts, spend).
import { currentRun } from './current-run';
import {
  METADATA_SCHEMA_NAME,
  MetadataOutputSchema,
  SECTION_SCHEMA_NAME,
  SectionOutputSchema,
  type GenerationJobInput,
  type SectionOutput,
} from '../workflows/schemas';
import type { GenerationReceipt } from '../workflows/types';
import { callStructured, type LlmDeps, type StructuredCallResult } from './llm';
import type { CourseStore } from './store';
import { buildMetadataMessages, buildSectionMessages } from './prompts';

export interface GenerateDeps extends LlmDeps {
  metadataModels: string[];
  sectionModels: string[];
  metadataTimeoutMs: number;
  sectionTimeoutMs: number;
}

const runKey = currentRun;

/** Stores a section answer for this run and returns its receipt (what the workflow history carries). */
export async function storeSectionDraft(
  store: CourseStore,
  courseId: string,
  sectionIndex: number,
  result: StructuredCallResult<SectionOutput>,
): Promise<GenerationReceipt> {
  await store.saveArtifact(
    { ...runKey(), courseId, kind: 'section', sectionIndex, model: result.model, attempt: result.attempt },
    result.value,
  );
  return {
    sectionIndex,
    model: result.model,
    attempt: result.attempt,
    lessonCount: result.value.lessons.length,
    title: result.value.section_title,
    tokens: result.tokens,
    costUsd: result.costUsd,
  };
}

export function createGenerateActivities(deps: GenerateDeps) {
  return {
    async generateMetadataActivity(input: GenerationJobInput): Promise<GenerationReceipt> {
      const result = await callStructured(deps, {
        phase: 'metadata',
        courseId: input.course_id,
        sectionIndex: null,
        models: deps.metadataModels,
        timeoutMs: deps.metadataTimeoutMs,
        schemaName: METADATA_SCHEMA_NAME,
        schema: MetadataOutputSchema,
        buildMessages: (attempt) => buildMetadataMessages(input, attempt),
      });
      await deps.store.saveArtifact(
        { ...runKey(), courseId: input.course_id, kind: 'metadata', model: result.model, attempt: result.attempt },
        result.value,
      );
      return {
        sectionIndex: null,
        model: result.model,
        attempt: result.attempt,
        lessonCount: 0,
        title: result.value.course_title,
        tokens: result.tokens,
        costUsd: result.costUsd,
      };
    },

    async generateSectionActivity(request: { input: GenerationJobInput; sectionIndex: number }): Promise<GenerationReceipt> {
      const { input, sectionIndex } = request;
      const result = await callStructured(deps, {
        phase: 'section',
        courseId: input.course_id,
        sectionIndex,
        models: deps.sectionModels,
        timeoutMs: deps.sectionTimeoutMs,
        schemaName: SECTION_SCHEMA_NAME,
        schema: SectionOutputSchema,
        buildMessages: (attempt) => buildSectionMessages(input, sectionIndex, attempt),
      });
      return storeSectionDraft(deps.store, input.course_id, sectionIndex, result);
    },
  };
}
