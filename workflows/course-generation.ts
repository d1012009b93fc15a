// The phase sequence of one course generation. It reads like the design: validate → metadata → sections (fan-out,
// each section patient through provider outages) → quality (off-plan sections repaired) → minimum lessons (short
// sections repaired) → sanitise → commit. Large LLM outputs never pass through here: activities store them in
// PostgreSQL and return receipts, so history stays small whatever the course size.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  CancellationScope,
  isCancellation,
  log,
  patched,
  TimeoutFailure,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { runAdaptive } from './adaptive-fanout';
import { applicationFailureOf, failureSummary } from './failures';
import { runInGroups, runInWindow } from './fanout';
import { getProgressQuery } from './messages';
import { generateHybridMetadata } from './metadata-routing';
import { databaseOptions, llmMetadataOptions, llmSectionOptions, localOptions } from './options';
import { SectionPatience } from './patience';
import { sectionStartOrder, type SectionOrder } from './section-order';
import { sectionTiming } from './section-timeout';
import { ProgressTracker } from './progress';
import { handleRegenerations } from './regenerate';
import { ensureMinimumLessons, validateQualityWithRepairs, type RepairContext } from './repair';
import { describeZodError, GenerationJobInputSchema, type GenerationJobInput } from './schemas';
import { CourseIdKey } from './search-attributes';
import {
  ErrorType,
  type GenerationReceipt,
  type GenerationResult,
  type GenerationSettings,
  type Phase,
  type RepairRecord,
  type RunOptions,
} from './types';

const local = proxyLocalActivities<Activities>(localOptions);

/** pressured: the section met rate limits or timeouts (SECTION_FANOUT=adaptive narrows the window on it). */
type SectionOutcome = { index: number; receipt?: GenerationReceipt; error?: string; pressured?: boolean };
const PRESSURE_TYPES: string[] = [ErrorType.LLM_RATE_LIMITED, ErrorType.LLM_TIMEOUT];

/**
 * Repair rounds and patience change the commands a run records, so they are versioned: a run that started before
 * them replays without them (and its recorded settings lack them, which reads as 0 rounds and no patience).
 */
const QUALITY_REPAIR_PATCH = 'quality-repair-rounds';
const SECTION_PATIENCE_PATCH = 'section-patience';
/** Section timeouts sized to the work change the sections' activity options and inputs. */
const SIZED_TIMEOUTS_PATCH = 'section-timeouts-sized';
/** SECTION_ORDER=importance changes the order the sections' activities are scheduled in. */
const SECTION_ORDER_PATCH = 'section-order';
/** QUALITY_JUDGE adds judge activities after the quality score for sections near the threshold (or sampled). */
const QUALITY_JUDGE_PATCH = 'quality-judge';
/** METADATA_ROUTING=hybrid schedules two metadata activities and a merge instead of one metadata activity. */
const HYBRID_METADATA_PATCH = 'metadata-hybrid-routing';
/** The cost search attribute is upserted with each phase change instead of after every LLM call. */
const COST_UPSERT_PER_PHASE_PATCH = 'cost-upsert-per-phase';

export async function courseGenerationWorkflow(
  rawInput: unknown,
  overrides: Partial<GenerationSettings> = {},
  runOptions: RunOptions = {},
): Promise<GenerationResult> {
  // Which behaviours this run has, decided in its first workflow task before anything else is recorded. A patch
  // checked after an await can land in a later workflow task than the one that recorded its marker (the task after
  // a local activity can split), and such a history no longer replays.
  const versions = {
    qualityRepair: patched(QUALITY_REPAIR_PATCH),
    sectionPatience: patched(SECTION_PATIENCE_PATCH),
    sizedTimeouts: patched(SIZED_TIMEOUTS_PATCH),
    sectionOrder: patched(SECTION_ORDER_PATCH),
    qualityJudge: patched(QUALITY_JUDGE_PATCH),
    hybridMetadata: patched(HYBRID_METADATA_PATCH),
    costUpsertPerPhase: patched(COST_UPSERT_PER_PHASE_PATCH),
  };
  // The query answers from the first task on, even for a run whose input is rejected.
  const progress = new ProgressTracker({ costUpsertPerPhase: versions.costUpsertPerPhase });
  setHandler(getProgressQuery, () => progress.state);
  const input = validateInput(rawInput, progress);
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  progress.setSections(plans.map((p) => p.area));
  let settings: GenerationSettings | undefined;
  const budgetGuard = async () => {
    if (!settings || settings.maxCostUsd === null) return;
    const spent = await local.spentCostActivity();
    if (spent >= settings.maxCostUsd) {
      throw ApplicationFailure.nonRetryable(
        `Spent $${spent.toFixed(4)} of the $${settings.maxCostUsd} budget before starting more sections`,
        ErrorType.BUDGET_EXCEEDED,
      );
    }
  };
  const patience = new SectionPatience(progress, budgetGuard);
  patience.registerUpdates();
  // Regeneration requests sent while the run is open are applied once the course is committed.
  handleRegenerations({
    courseId: input.course_id,
    sectionCount: plans.length,
    settings: async () => settings!,
    ready: async () => {
      await condition(() => progress.state.phase === 'completed' || progress.state.phase === 'failed');
      if (progress.state.phase === 'failed') {
        throw ApplicationFailure.nonRetryable('The generation run failed: there is no committed course to change', ErrorType.VALIDATION_FAILED);
      }
    },
  });
  upsertSearchAttributes([{ key: CourseIdKey, value: input.course_id }]);

  let phase: Phase = 'validate_input';
  const enter = (next: Phase) => {
    phase = next;
    progress.enterPhase(next);
  };

  try {
    settings = { ...(await local.loadSettingsActivity()), ...overrides };
    const repairRounds = versions.qualityRepair ? (settings.qualityRepairRounds ?? 0) : 0;
    if (versions.sectionPatience) patience.enable(settings.sectionPatienceMs ?? []);
    const sizedTimeouts = versions.sizedTimeouts;
    const sectionOrder = versions.sectionOrder ? (settings.sectionOrder ?? 'plan') : 'plan';
    const hybridMetadata = versions.hybridMetadata && settings.metadataRouting === 'hybrid';
    const db = proxyActivities<Activities>(databaseOptions(settings));
    const llmMetadata = proxyActivities<Activities>({
      ...llmMetadataOptions(settings),
      summary: `Metadata: ${input.frontend_parameters.course_title}`,
    });

    enter('generate_metadata');
    let metadataReceipt: GenerationReceipt;
    let metadataSupportReceipt: GenerationReceipt | undefined;
    if (hybridMetadata) {
      ({ critical: metadataReceipt, support: metadataSupportReceipt } = await generateHybridMetadata(input, settings, progress, runOptions.fresh ?? false));
    } else {
      progress.metadataStarted('single');
      metadataReceipt = await llmMetadata.generateMetadataActivity(input, { fresh: runOptions.fresh ?? false });
      progress.metadataDone('single', metadataReceipt);
    }
    progress.finishPhase('metadata');

    enter('generate_sections');
    const { receipts: sectionReceipts, batchCount } = await generateSections(input, settings!, progress, {
      patience,
      budgetGuard,
      fresh: runOptions.fresh ?? false,
      sizedTimeouts,
      sectionOrder,
    });
    progress.finishPhase('sections');

    const repairs: RepairRecord[] = [];
    const repair: RepairContext = {
      input,
      settings,
      progress,
      receipts: sectionReceipts,
      rounds: repairRounds,
      beforeRound: budgetGuard,
      judge: versions.qualityJudge ? (settings.qualityJudge ?? null) : null,
      judgements: new Map(),
      judged: [],
    };
    enter('validate_quality');
    let qualityScores = await validateQualityWithRepairs(repair, repairs);

    enter('validate_lessons');
    qualityScores = await ensureMinimumLessons(repair, repairs, qualityScores);
    const lessonCount = sectionReceipts.reduce((sum, r) => sum + r.lessonCount, 0);
    progress.finishPhase('validation');

    enter('sanitize');
    await db.sanitizeCourseActivity(input);

    enter('commit');
    const durations = { ...progress.state.durations, total: progress.totalElapsed() };
    const generationMetadata = await db.commitCourseActivity({
      courseId: input.course_id,
      sectionCount: plans.length,
      batchCount,
      qualityScores,
      durations: { metadata: 0, sections: 0, validation: 0, ...durations },
      metadataReceipt,
      ...(metadataSupportReceipt ? { metadataSupportReceipt } : {}),
      sectionReceipts,
      ...(repairs.length ? { repairs } : {}),
      ...(patience.records.length ? { waits: patience.records } : {}),
      ...(repair.judged.length ? { judged: repair.judged } : {}),
    });
    enter('completed');
    await condition(allHandlersFinished);

    const info = workflowInfo();
    return {
      course_id: input.course_id,
      workflow_id: info.workflowId,
      run_id: info.runId,
      course_title: metadataReceipt.title,
      section_count: sectionReceipts.length,
      lesson_count: lessonCount,
      generation_metadata: generationMetadata,
    };
  } catch (error) {
    throw await recordFailure(input, phase, error, progress, settings);
  }
}

/** Only an ApplicationFailure fails a workflow; any other error would retry the workflow task forever. */
function validateInput(rawInput: unknown, progress: ProgressTracker): GenerationJobInput {
  const parsed = GenerationJobInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    const message = `Invalid generation input:\n${describeZodError(parsed.error)}`;
    progress.failed(ErrorType.VALIDATION_FAILED, message);
    throw ApplicationFailure.nonRetryable(message, ErrorType.VALIDATION_FAILED);
  }
  return parsed.data;
}

async function generateSections(
  input: GenerationJobInput,
  settings: GenerationSettings,
  progress: ProgressTracker,
  options: { patience: SectionPatience; budgetGuard: () => Promise<void>; fresh: boolean; sizedTimeouts: boolean; sectionOrder: SectionOrder },
): Promise<{ receipts: GenerationReceipt[]; batchCount: number }> {
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  const indexes = sectionStartOrder(plans, options.sectionOrder);
  const failures: SectionOutcome[] = [];

  const runSection = async (index: number, width?: number): Promise<SectionOutcome> => {
    progress.sectionStarted(index);
    const timing = sectionTiming(input, index, settings, options.sizedTimeouts);
    const windowNote = width === undefined ? '' : ` · window ${width}/${settings.sectionConcurrency}`;
    const llm = proxyActivities<Activities>({
      ...llmSectionOptions(settings),
      ...(timing.startToCloseTimeoutMs ? { startToCloseTimeout: timing.startToCloseTimeoutMs } : {}),
      summary: `Section ${index + 1}/${plans.length}: ${plans[index].area}${timing.note}${windowNote}`,
    });
    try {
      // The request keeps its old shape unless something is asked of it: recorded inputs stay what they were.
      const receipt = await options.patience.generate(index, (model) =>
        llm.generateSectionActivity({
          input,
          sectionIndex: index,
          ...(options.fresh ? { fresh: true } : {}),
          ...(model ? { model } : {}),
          ...(timing.timeoutMs ? { timeoutMs: timing.timeoutMs } : {}),
        }),
      );
      progress.sectionDone(receipt);
      return { index, receipt, ...(receipt.throttled ? { pressured: true } : {}) };
    } catch (error) {
      // Error isolation: a section that exhausted its attempts is recorded; its siblings keep running.
      if (isCancellation(error)) throw error;
      const message = failureSummary(error);
      progress.sectionFailed(index, message);
      const type = applicationFailureOf(error)?.type;
      const timedOut = error instanceof ActivityFailure && error.cause instanceof TimeoutFailure;
      const outcome = { index, error: message, pressured: timedOut || PRESSURE_TYPES.includes(type ?? '') };
      failures.push(outcome);
      return outcome;
    }
  };

  const fanoutOptions = {
    concurrency: settings.sectionConcurrency,
    delayBetweenGroupsMs: settings.sectionGroupDelayMs,
    beforeStart: options.budgetGuard,
    // Stop before the next group once a section failed for good: the run will fail, do not spend more.
    shouldContinue: () => failures.length === 0,
  };
  const outcomes =
    settings.fanoutMode === 'adaptive'
      ? await runAdaptive(indexes, runSection, {
          ...fanoutOptions,
          minConcurrency: settings.sectionConcurrencyMin ?? 1,
          pressured: (outcome) => (outcome as SectionOutcome).pressured === true,
          onWidth: (change) => progress.concurrencyChanged(change, settings.sectionConcurrencyMin ?? 1, settings.sectionConcurrency),
        })
      : // One argument only: Array.map inside the groups would pass its position as the width.
        await (settings.fanoutMode === 'window' ? runInWindow : runInGroups)(indexes, (index) => runSection(index), fanoutOptions);

  if (failures.length > 0) {
    const list = failures.map((f) => `section ${f.index + 1} "${plans[f.index].area}": ${f.error}`).join('; ');
    throw ApplicationFailure.nonRetryable(
      `${failures.length} of ${plans.length} sections failed: ${list}`,
      ErrorType.SECTION_GENERATION_FAILED,
      { failedSections: failures.map((f) => ({ section_number: f.index + 1, error: f.error })) },
    );
  }
  const batchCount =
    settings.fanoutMode !== 'groups' ? 1 : Math.ceil(plans.length / Math.max(1, settings.sectionConcurrency));
  // The course keeps plan order whatever order the sections started in.
  const inPlanOrder = [...outcomes].sort((a, b) => a.index - b.index);
  return { receipts: inPlanOrder.map((o) => o.receipt!), batchCount };
}

/**
 * Writes the failed (or cancelled) status on the course row — which phase, which type — then returns the failure
 * that ends the run: an ApplicationFailure carrying the original type, so clients branch on it.
 */
async function recordFailure(
  input: GenerationJobInput,
  phase: Phase,
  error: unknown,
  progress: ProgressTracker,
  settings: GenerationSettings | undefined,
): Promise<unknown> {
  const cancelled = isCancellation(error);
  const cause = applicationFailureOf(error);
  const type = cancelled ? ErrorType.CANCELLED : (cause?.type ?? typeOfUnnamedFailure(error, phase));
  const message = cancelled
    ? `Cancelled by an operator during ${phase}`
    : (cause?.message ?? (error instanceof Error ? error.message : String(error)));
  progress.failed(type, message);
  try {
    // Non-cancellable: a cancelled run must still record why it stopped.
    const db = proxyActivities<Activities>(databaseOptions(settings));
    await CancellationScope.nonCancellable(() =>
      db.recordFailureActivity({
        courseId: input.course_id,
        courseTitle: input.frontend_parameters.course_title,
        phase,
        errorType: type,
        message,
      }),
    );
  } catch (recordError) {
    // The run's own failure is the one to surface; the record failing (database down for its whole retry
    // budget) is logged next to it rather than replacing it.
    log.error('Could not record the failed status on the course row', { error: String(recordError) });
  }
  if (cancelled || error instanceof ApplicationFailure) return error;
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    details: cause?.details as unknown[] | undefined,
    cause: error instanceof Error ? error : undefined,
  });
}

/** Timeouts of LLM phases are LLM_TIMEOUT, of database phases DATABASE_ERROR; anything else is unexpected. */
function typeOfUnnamedFailure(error: unknown, phase: Phase): string {
  const timedOut = error instanceof ActivityFailure && error.cause instanceof TimeoutFailure;
  if (timedOut && (phase === 'generate_metadata' || phase === 'generate_sections')) return ErrorType.LLM_TIMEOUT;
  if (phase === 'sanitize' || phase === 'commit') return ErrorType.DATABASE_ERROR;
  return ErrorType.UNEXPECTED_ERROR;
}
