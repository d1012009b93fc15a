// Regenerating one section of a committed course: a new answer from the next model of the ladder (or a chosen
// one), then the same checks as a full run — quality against the section's plan, sanitising, schema — and a
// commit that replaces just that section, with the metadata's models, scores, tokens and cost updated.
import { Context } from '@temporalio/activity';
import { currentRun } from './current-run';
import { ApplicationFailure } from '@temporalio/common';
import {
  describeZodError,
  GenerationJobInputSchema,
  SECTION_SCHEMA_NAME,
  SectionOutputSchema,
  SectionSchema,
  type CourseStructure,
  type GenerationJobInput,
  type SectionOutput,
} from '../workflows/schemas';
import { ErrorType, type GenerationMetadata, type GenerationReceipt, type RegenerationResult } from '../workflows/types';
import { assembleSection, courseHours } from './assemble';
import { ladderAfter, storeSectionDraft } from './generate';
import { withHeartbeats } from './heartbeat';
import { mostFrequent } from './generation-metadata';
import { callStructured, spendUnreadable, type LlmDeps } from './llm';
import { buildSectionMessages } from './prompts';
import { createPairScorer, overallScore, sectionPair, type QualityDeps } from './quality';
import type { Artifacts } from './db/artifacts';
import type { CourseRow, Courses } from './db/courses';
import type { createTextSanitizer } from './sanitize';

export interface RegenerateDeps extends LlmDeps {
  artifacts: Artifacts;
  courses: Courses;
  sectionModels: string[];
  sectionTimeoutMs: number;
  quality: QualityDeps;
  sanitizer: ReturnType<typeof createTextSanitizer>;
}

export { ladderAfter };

interface RegenerationRecord {
  key: string;
  section_number: number;
  model: string;
  similarity: number;
  cost_usd: number;
  workflow_id: string;
  run_id: string;
  at: string;
}

async function committedCourse(courses: Courses, courseId: string): Promise<{ row: CourseRow; input: GenerationJobInput }> {
  const row = await courses.get(courseId);
  if (!row || row.generation_status !== 'completed' || !row.generation_input) {
    throw ApplicationFailure.nonRetryable(`Course ${courseId} has no committed structure to regenerate`, ErrorType.VALIDATION_FAILED);
  }
  return { row, input: GenerationJobInputSchema.parse(row.generation_input) };
}

export function createRegenerateActivities(deps: RegenerateDeps) {
  const scorePairs = createPairScorer(deps.quality);

  async function commitRegeneratedSectionActivity(request: {
    courseId: string;
    sectionIndex: number;
    receipt: GenerationReceipt;
    qualityThreshold: number;
  }): Promise<RegenerationResult> {
    const { activityId } = Context.current().info;
    const { runId, workflowId } = currentRun();
    const { sectionIndex, courseId, receipt } = request;
    const draft = await deps.artifacts.load<SectionOutput>({ runId, kind: 'section', sectionIndex });
    const { input } = await committedCourse(deps.courses, courseId);
    const plan = input.analysis_result.recommended_structure.sections_breakdown[sectionIndex];
    const quality = await scorePairs(courseId, [sectionPair(plan, draft)]);
    const similarity = quality.scores[0];
    if (similarity < request.qualityThreshold) {
      throw ApplicationFailure.nonRetryable(
        `The regenerated section ${sectionIndex + 1} scores ${similarity} (${quality.backend}), below ${request.qualityThreshold}; the course is unchanged`,
        ErrorType.QUALITY_THRESHOLD_NOT_MET,
      );
    }
    const sanitized = deps.sanitizer.sanitizeDeep(assembleSection(draft, sectionIndex, input.frontend_parameters.lesson_duration_minutes)).value;
    const section = SectionSchema.safeParse(sanitized);
    if (!section.success) {
      throw ApplicationFailure.nonRetryable(`The regenerated section is invalid after sanitising:\n${describeZodError(section.error)}`, ErrorType.LLM_OUTPUT_INVALID);
    }
    const costUsd = Math.round((receipt.costUsd + quality.costUsd) * 1e8) / 1e8;
    // Keyed by the commit activity: a retried commit of the same regeneration is applied once.
    const record: RegenerationRecord = {
      key: `${runId}/${activityId}`,
      section_number: sectionIndex + 1,
      model: receipt.model,
      similarity,
      cost_usd: costUsd,
      workflow_id: workflowId,
      run_id: runId,
      at: new Date().toISOString(),
    };

    await deps.courses.updateCommitted(courseId, (row) => {
      const structure = structuredClone(row.course_structure) as CourseStructure;
      const metadata = structuredClone(row.generation_metadata) as GenerationMetadata & { regenerations?: RegenerationRecord[] };
      const history = metadata.regenerations ?? [];
      if (history.some((r) => r.key === record.key)) return { structure, metadata };
      structure.sections[sectionIndex] = section.data;
      structure.estimated_duration_hours = courseHours(structure.sections);
      const perSection = metadata.model_used.per_section;
      perSection[sectionIndex] = receipt.model;
      metadata.model_used.sections = mostFrequent(perSection);
      const scores = metadata.quality_scores;
      scores.sections_similarity[sectionIndex] = similarity;
      scores.overall = overallScore(scores.metadata_similarity, scores.sections_similarity);
      metadata.total_tokens.sections += receipt.tokens;
      metadata.total_tokens.validation += quality.tokens;
      metadata.total_tokens.total += receipt.tokens + quality.tokens;
      metadata.cost_usd = Math.round((metadata.cost_usd + costUsd) * 1e8) / 1e8;
      metadata.regenerations = [...history, record];
      return { structure, metadata };
    });
    return {
      section_number: sectionIndex + 1,
      section_title: section.data.section_title,
      model: receipt.model,
      attempt: receipt.attempt,
      similarity,
      tokens: receipt.tokens + quality.tokens,
      cost_usd: costUsd,
      workflow_id: workflowId,
    };
  }

  return {
    ...withHeartbeats({ commitRegeneratedSectionActivity }, deps.heartbeatIntervalMs),
    async regenerateSectionActivity(request: { courseId: string; sectionIndex: number; model?: string }): Promise<GenerationReceipt> {
      const { row, input } = await committedCourse(deps.courses, request.courseId);
      const current = (row.generation_metadata as GenerationMetadata).model_used.per_section[request.sectionIndex];
      const result = await callStructured(deps, {
        phase: 'section',
        courseId: request.courseId,
        sectionIndex: request.sectionIndex,
        models: request.model ? [request.model] : ladderAfter(deps.sectionModels, current),
        timeoutMs: deps.sectionTimeoutMs,
        schemaName: SECTION_SCHEMA_NAME,
        schema: SectionOutputSchema,
        // A regeneration replaces an answer someone found wanting: always use the stricter instructions.
        buildMessages: (attempt) => buildSectionMessages(input, request.sectionIndex, attempt + 1),
      });
      // A regenerated answer is not kept across attempts: without its spend, the attempt fails as before.
      if (result.spendUnknown) throw spendUnreadable();
      return storeSectionDraft(deps.artifacts, request.courseId, request.sectionIndex, result);
    },
  };
}
