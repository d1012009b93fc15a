// The LLM activities of a run: course metadata, one section, and the repair of a section. Their outputs go to
// PostgreSQL; the workflow gets a receipt (model, attempt, counts, spend).
//
// Every validated answer is also kept as a draft keyed by a content hash of what produced it, so that
//  - a course started again after a failed or cancelled run reuses the answers whose inputs did not change
//    (unless the run was started with --fresh), and
//  - a retried activity whose earlier attempt already stored its answer (the worker died before reporting it)
//    uses that answer instead of paying for a new one.
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { currentRun } from './current-run';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import {
  METADATA_SCHEMA_NAME,
  MetadataOutputSchema,
  SECTION_SCHEMA_NAME,
  SectionOutputSchema,
  type GenerationJobInput,
  type MetadataOutput,
  type SectionOutput,
} from '../workflows/schemas';
import type { GenerationReceipt } from '../workflows/types';
import { callStructured, type LlmDeps, type StructuredCallResult } from './llm';
import type { CourseStore } from './store';
import { buildMetadataMessages, buildRepairMessages, buildSectionMessages, PROMPT_VERSION, type RepairReason } from './prompts';

export interface GenerateDeps extends LlmDeps {
  metadataModels: string[];
  sectionModels: string[];
  metadataTimeoutMs: number;
  sectionTimeoutMs: number;
}

export interface SectionRequest {
  input: GenerationJobInput;
  sectionIndex: number;
  /** --fresh: never reuse an earlier run's draft. */
  fresh?: boolean;
  /** An operator's choice for a section waiting for its provider (useModel): this model instead of the ladder. */
  model?: string;
  /** The HTTP timeout the workflow sized to this section; never above the worker's LLM_SECTION_TIMEOUT_MS. */
  timeoutMs?: number;
}

export interface RepairRequest extends RepairReason {
  input: GenerationJobInput;
  sectionIndex: number;
}

type Answer<T> = StructuredCallResult<T> & { reusedFromRunId?: string };

/**
 * What the answer depends on: the prompt the first attempt sends (it holds every input field the prompt uses),
 * the prompt version and the model ladder. Whatever produced a draft later (a repair, an operator's model), it is
 * filed under this hash: it is the answer for these inputs.
 */
export function generationInputHash(messages: ChatCompletionMessageParam[], models: string[]): string {
  return createHash('sha256').update(JSON.stringify({ version: PROMPT_VERSION, messages, models })).digest('hex');
}

/** Stores a section answer for this run and returns its receipt (what the workflow history carries). */
export async function storeSectionDraft(
  store: CourseStore,
  courseId: string,
  sectionIndex: number,
  result: Answer<SectionOutput>,
): Promise<GenerationReceipt> {
  await store.saveArtifact(
    { ...currentRun(), courseId, kind: 'section', sectionIndex, model: result.model, attempt: result.attempt },
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
    ...(result.reusedFromRunId ? { reusedFromRunId: result.reusedFromRunId } : {}),
  };
}

interface AnswerSource<T> {
  courseId: string;
  kind: 'metadata' | 'section';
  sectionIndex: number | null;
  inputHash: string;
  /** false: look for an earlier run's draft first. */
  fresh: boolean;
  call: () => Promise<StructuredCallResult<T>>;
}

/** This activity's stored answer, else an earlier run's draft for the same inputs, else a model call (stored at once). */
async function answer<T>(store: CourseStore, source: AnswerSource<T>): Promise<Answer<T>> {
  const { activityId, attempt } = Context.current().info;
  const { runId, workflowId } = currentRun();
  const own = await store.draftOfActivity(runId, activityId);
  if (own) {
    return { value: own.payload as T, model: own.model, attempt: own.attempt, repairs: [], ...(await store.activitySpend(runId, activityId)) };
  }
  if (!source.fresh) {
    const draft = await store.reusableDraft({ ...source, excludeRunId: runId });
    if (draft) {
      const phase = source.kind;
      await store.recordReusedAnswer(
        { courseId: source.courseId, workflowId, runId, activityId, phase, sectionIndex: source.sectionIndex, attempt, model: draft.model },
        draft.runId,
      );
      return { value: draft.payload as T, model: draft.model, attempt, repairs: [], tokens: 0, costUsd: 0, reusedFromRunId: draft.runId };
    }
  }
  const result = await source.call();
  await store.saveDraft({
    runId,
    workflowId,
    activityId,
    courseId: source.courseId,
    kind: source.kind,
    sectionIndex: source.sectionIndex,
    inputHash: source.inputHash,
    model: result.model,
    attempt: result.attempt,
    payload: result.value,
  });
  return result;
}

export function createGenerateActivities(deps: GenerateDeps) {
  const sectionHash = (input: GenerationJobInput, sectionIndex: number) =>
    generationInputHash(buildSectionMessages(input, sectionIndex, 1), deps.sectionModels);

  return {
    async generateMetadataActivity(input: GenerationJobInput, options: { fresh?: boolean } = {}): Promise<GenerationReceipt> {
      const result = await answer<MetadataOutput>(deps.store, {
        courseId: input.course_id,
        kind: 'metadata',
        sectionIndex: null,
        inputHash: generationInputHash(buildMetadataMessages(input, 1), deps.metadataModels),
        fresh: options.fresh ?? false,
        call: () =>
          callStructured(deps, {
            phase: 'metadata',
            courseId: input.course_id,
            sectionIndex: null,
            models: deps.metadataModels,
            timeoutMs: deps.metadataTimeoutMs,
            schemaName: METADATA_SCHEMA_NAME,
            schema: MetadataOutputSchema,
            buildMessages: (attempt) => buildMetadataMessages(input, attempt),
          }),
      });
      await deps.store.saveArtifact(
        { ...currentRun(), courseId: input.course_id, kind: 'metadata', model: result.model, attempt: result.attempt },
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
        ...(result.reusedFromRunId ? { reusedFromRunId: result.reusedFromRunId } : {}),
      };
    },

    async generateSectionActivity(request: SectionRequest): Promise<GenerationReceipt> {
      const { input, sectionIndex } = request;
      const result = await answer<SectionOutput>(deps.store, {
        courseId: input.course_id,
        kind: 'section',
        sectionIndex,
        inputHash: sectionHash(input, sectionIndex),
        // An operator's model is a deliberate new answer, never a reused one.
        fresh: (request.fresh ?? false) || request.model !== undefined,
        call: () =>
          callStructured(deps, {
            phase: 'section',
            courseId: input.course_id,
            sectionIndex,
            models: request.model ? [request.model] : deps.sectionModels,
            timeoutMs: Math.min(request.timeoutMs ?? deps.sectionTimeoutMs, deps.sectionTimeoutMs),
            schemaName: SECTION_SCHEMA_NAME,
            schema: SectionOutputSchema,
            buildMessages: (attempt) => buildSectionMessages(input, sectionIndex, attempt),
          }),
      });
      const receipt = await storeSectionDraft(deps.store, input.course_id, sectionIndex, result);
      // What this section met on its way tells SECTION_FANOUT=adaptive whether the provider is under pressure.
      const throttled = result.attempt > 1 ? await deps.store.throttledAttempts(currentRun().runId, Context.current().info.activityId) : 0;
      return throttled > 0 ? { ...receipt, throttled } : receipt;
    },

    /**
     * A section whose answer was rejected (off its plan, or short of lessons) written again: the ladder starts
     * after the model that wrote the rejected answer, and the prompt says what was wrong with it. The rejected
     * drafts of these inputs are marked so no later run reuses them.
     */
    async repairSectionActivity(request: RepairRequest): Promise<GenerationReceipt> {
      const { input, sectionIndex } = request;
      const inputHash = sectionHash(input, sectionIndex);
      const { activityId } = Context.current().info;
      const { runId } = currentRun();
      if (!(await deps.store.draftOfActivity(runId, activityId))) {
        await deps.store.rejectDrafts(input.course_id, sectionIndex, inputHash);
      }
      const result = await answer<SectionOutput>(deps.store, {
        courseId: input.course_id,
        kind: 'section',
        sectionIndex,
        inputHash,
        fresh: true,
        call: () =>
          callStructured(deps, {
            phase: 'section',
            courseId: input.course_id,
            sectionIndex,
            models: ladderAfter(deps.sectionModels, request.previousModel),
            timeoutMs: deps.sectionTimeoutMs,
            schemaName: SECTION_SCHEMA_NAME,
            schema: SectionOutputSchema,
            buildMessages: () => buildRepairMessages(input, sectionIndex, request),
          }),
      });
      return storeSectionDraft(deps.store, input.course_id, sectionIndex, result);
    },
  };
}

/** The ladder rotated to start after `current`: a repair or regeneration asks a different model first. */
export function ladderAfter(ladder: string[], current: string | undefined): string[] {
  const index = current ? ladder.indexOf(current) : -1;
  return index < 0 ? ladder : [...ladder.slice(index + 1), ...ladder.slice(0, index + 1)];
}
