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
import type { z } from 'zod';
import {
  METADATA_CRITICAL_SCHEMA_NAME,
  METADATA_SCHEMA_NAME,
  METADATA_SUPPORT_SCHEMA_NAME,
  MetadataCriticalOutputSchema,
  MetadataOutputSchema,
  MetadataSupportOutputSchema,
  SECTION_SCHEMA_NAME,
  SectionOutputSchema,
  type GenerationJobInput,
  type MetadataCriticalOutput,
  type MetadataSupportOutput,
  type SectionOutput,
} from '../workflows/schemas';
import type { GenerationReceipt, LlmPhase } from '../workflows/types';
import { callStructured, spendUnreadable, type LlmDeps, type StructuredCallResult } from './llm';
import { mergeMetadata } from './metadata-merge';
import type { Artifacts } from './db/artifacts';
import type { Drafts } from './db/drafts';
import type { DraftKind } from './db/entries';
import {
  buildCriticalMetadataMessages,
  buildMetadataMessages,
  buildRepairMessages,
  buildSectionMessages,
  buildSupportMetadataMessages,
  PROMPT_VERSION,
  type RepairReason,
} from './prompts';

export interface GenerateDeps extends LlmDeps {
  drafts: Drafts;
  artifacts: Artifacts;
  metadataModels: string[];
  metadataSupportModels: string[];
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
  artifacts: Artifacts,
  courseId: string,
  sectionIndex: number,
  result: Answer<SectionOutput>,
): Promise<GenerationReceipt> {
  await artifacts.save(
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
  kind: DraftKind;
  /** The ledger phase of a reused answer's row. */
  phase: Exclude<LlmPhase, 'validation'>;
  sectionIndex: number | null;
  inputHash: string;
  /** false: look for an earlier run's draft first. */
  fresh: boolean;
  call: () => Promise<StructuredCallResult<T>>;
}

/** This activity's stored answer, else an earlier run's draft for the same inputs, else a model call (stored at once). */
async function answer<T>(deps: Pick<GenerateDeps, 'drafts' | 'ledger'>, source: AnswerSource<T>): Promise<Answer<T>> {
  const { activityId, attempt } = Context.current().info;
  const { runId, workflowId } = currentRun();
  const own = await deps.drafts.ofActivity(runId, activityId);
  if (own) {
    return { value: own.payload as T, model: own.model, attempt: own.attempt, repairs: [], ...(await deps.ledger.activitySpend(runId, activityId)) };
  }
  if (!source.fresh) {
    const draft = await deps.drafts.reusable({ ...source, excludeRunId: runId });
    if (draft) {
      await deps.ledger.recordReusedAnswer(
        { courseId: source.courseId, workflowId, runId, activityId, phase: source.phase, sectionIndex: source.sectionIndex, attempt, model: draft.model },
        draft.runId,
      );
      return { value: draft.payload as T, model: draft.model, attempt, repairs: [], tokens: 0, costUsd: 0, reusedFromRunId: draft.runId };
    }
  }
  const result = await source.call();
  await deps.drafts.save({
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
  // The answer is stored (or spooled): the next attempt takes it from there, with the spend read again.
  if (result.spendUnknown) throw spendUnreadable();
  return result;
}

export function createGenerateActivities(deps: GenerateDeps) {
  const sectionHash = (input: GenerationJobInput, sectionIndex: number) =>
    generationInputHash(buildSectionMessages(input, sectionIndex, 1), deps.sectionModels);

  /** A metadata answer (the single call or a half of hybrid), reused when possible, stored as this run's artifact. */
  async function metadataAnswer<T>(
    input: GenerationJobInput,
    options: { fresh?: boolean },
    call: {
      kind: 'metadata' | 'metadata_critical' | 'metadata_support';
      phase: 'metadata' | 'metadata_support';
      models: string[];
      schemaName: string;
      schema: z.ZodType<T>;
      buildMessages: (input: GenerationJobInput, attempt: number) => ChatCompletionMessageParam[];
    },
  ): Promise<Answer<T>> {
    const result = await answer<T>(deps, {
      courseId: input.course_id,
      kind: call.kind,
      phase: call.phase,
      sectionIndex: null,
      inputHash: generationInputHash(call.buildMessages(input, 1), call.models),
      fresh: options.fresh ?? false,
      call: () =>
        callStructured(deps, {
          phase: call.phase,
          courseId: input.course_id,
          sectionIndex: null,
          models: call.models,
          timeoutMs: deps.metadataTimeoutMs,
          schemaName: call.schemaName,
          schema: call.schema,
          buildMessages: (attempt) => call.buildMessages(input, attempt),
        }),
    });
    await deps.artifacts.save(
      { ...currentRun(), courseId: input.course_id, kind: call.kind, model: result.model, attempt: result.attempt },
      result.value,
    );
    return result;
  }

  return {
    async generateMetadataActivity(input: GenerationJobInput, options: { fresh?: boolean } = {}): Promise<GenerationReceipt> {
      const result = await metadataAnswer(input, options, {
        kind: 'metadata',
        phase: 'metadata',
        models: deps.metadataModels,
        schemaName: METADATA_SCHEMA_NAME,
        schema: MetadataOutputSchema,
        buildMessages: buildMetadataMessages,
      });
      return metadataReceipt(result, result.value.course_title);
    },

    /** METADATA_ROUTING=hybrid: title, description and learning outcomes from the critical ladder (LLM_METADATA_MODELS). */
    async generateCriticalMetadataActivity(input: GenerationJobInput, options: { fresh?: boolean } = {}): Promise<GenerationReceipt> {
      const result = await metadataAnswer<MetadataCriticalOutput>(input, options, {
        kind: 'metadata_critical',
        phase: 'metadata',
        models: deps.metadataModels,
        schemaName: METADATA_CRITICAL_SCHEMA_NAME,
        schema: MetadataCriticalOutputSchema,
        buildMessages: buildCriticalMetadataMessages,
      });
      return { ...metadataReceipt(result, result.value.course_title), part: 'critical' };
    },

    /** METADATA_ROUTING=hybrid: the other metadata fields from the support ladder (LLM_METADATA_SUPPORT_MODELS). */
    async generateSupportMetadataActivity(input: GenerationJobInput, options: { fresh?: boolean } = {}): Promise<GenerationReceipt> {
      const result = await metadataAnswer<MetadataSupportOutput>(input, options, {
        kind: 'metadata_support',
        phase: 'metadata_support',
        models: deps.metadataSupportModels,
        schemaName: METADATA_SUPPORT_SCHEMA_NAME,
        schema: MetadataSupportOutputSchema,
        buildMessages: buildSupportMetadataMessages,
      });
      // This half has no title; the receipt names the course by the user's title.
      return { ...metadataReceipt(result, input.frontend_parameters.course_title), part: 'support' };
    },

    /** METADATA_ROUTING=hybrid: the two halves of this run merged and validated as the run's metadata. */
    async mergeMetadataActivity(input: GenerationJobInput): Promise<{ title: string }> {
      const { runId, workflowId } = currentRun();
      const critical = await deps.artifacts.load<MetadataCriticalOutput>({ runId, kind: 'metadata_critical' });
      const support = await deps.artifacts.load<MetadataSupportOutput>({ runId, kind: 'metadata_support' });
      const merged = mergeMetadata(critical, support);
      await deps.artifacts.save({ runId, workflowId, courseId: input.course_id, kind: 'metadata' }, merged);
      return { title: merged.course_title };
    },

    async generateSectionActivity(request: SectionRequest): Promise<GenerationReceipt> {
      const { input, sectionIndex } = request;
      const result = await answer<SectionOutput>(deps, {
        courseId: input.course_id,
        kind: 'section',
        phase: 'section',
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
      const receipt = await storeSectionDraft(deps.artifacts, input.course_id, sectionIndex, result);
      // What this section met on its way tells SECTION_FANOUT=adaptive whether the provider is under pressure.
      const throttled = result.attempt > 1 ? await deps.ledger.throttledAttempts(currentRun().runId, Context.current().info.activityId) : 0;
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
      if (!(await deps.drafts.ofActivity(runId, activityId))) {
        await deps.drafts.reject(input.course_id, sectionIndex, inputHash);
      }
      const result = await answer<SectionOutput>(deps, {
        courseId: input.course_id,
        kind: 'section',
        phase: 'section',
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
      return storeSectionDraft(deps.artifacts, input.course_id, sectionIndex, result);
    },
  };
}

/** The ladder rotated to start after `current`: a repair or regeneration asks a different model first. */
export function ladderAfter(ladder: string[], current: string | undefined): string[] {
  const index = current ? ladder.indexOf(current) : -1;
  return index < 0 ? ladder : [...ladder.slice(index + 1), ...ladder.slice(0, index + 1)];
}

/** A metadata activity's receipt: what the workflow history carries instead of the answer. */
function metadataReceipt(result: Answer<unknown>, title: string): GenerationReceipt {
  return {
    sectionIndex: null,
    model: result.model,
    attempt: result.attempt,
    lessonCount: 0,
    title,
    tokens: result.tokens,
    costUsd: result.costUsd,
    ...(result.reusedFromRunId ? { reusedFromRunId: result.reusedFromRunId } : {}),
  };
}
