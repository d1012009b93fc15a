// Sections repair themselves before the run gives up on them. Quality validation names the sections below the
// threshold; the minimum-lessons check names the sections that came back with fewer lessons than planned. Each is
// written again by the next model of the ladder with the rejected answer's score (or lesson count) and the plan in
// the prompt, then the course is scored again — at most QUALITY_REPAIR_ROUNDS rounds per check before the run
// fails as it did before repairs existed.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { llmSectionOptions, qualityOptions } from './options';
import type { ProgressTracker } from './progress';
import type { GenerationJobInput } from './schemas';
import { ErrorType, type GenerationReceipt, type GenerationSettings, type QualityResult, type RepairRecord } from './types';

export interface RepairContext {
  input: GenerationJobInput;
  settings: GenerationSettings;
  progress: ProgressTracker;
  /** The sections' receipts, replaced in place by the repaired ones. */
  receipts: GenerationReceipt[];
  rounds: number;
  /** The budget guard: a repair round is spending. */
  beforeRound: () => Promise<void>;
}

/** Scores the course, repairing off-plan sections; returns the scores the course is committed with. */
export async function validateQualityWithRepairs(ctx: RepairContext, repairs: RepairRecord[]): Promise<QualityResult> {
  const { settings, input } = ctx;
  let scores = await scoreCourse(ctx);
  for (let round = 1; ; round++) {
    const below = indexesWhere(scores.sections_similarity, (score) => score < settings.qualityThreshold);
    if (scores.overall >= settings.qualityThreshold && below.length === 0) return scores;
    // The metadata alone below the threshold is not something a section repair can fix.
    if (round > ctx.rounds || below.length === 0) assertQuality(scores, settings.qualityThreshold, input);
    await ctx.beforeRound();
    const records = await Promise.all(
      below.map((index) => repairSection(ctx, index, round, 'quality', scores.sections_similarity[index], settings.qualityThreshold)),
    );
    scores = await scoreCourse(ctx);
    for (const record of records) {
      record.after = scores.sections_similarity[record.section_number - 1];
      ctx.progress.repaired(record);
    }
    repairs.push(...records);
  }
}

/**
 * FR-015's minimum of lessons: sections that came back short of their plan are written again; a repaired section
 * is new content, so the course is scored again (and must pass) before it is accepted.
 */
export async function ensureMinimumLessons(ctx: RepairContext, repairs: RepairRecord[], scores: QualityResult): Promise<QualityResult> {
  const plans = ctx.input.analysis_result.recommended_structure.sections_breakdown;
  for (let round = 1; ; round++) {
    const lessonCount = ctx.receipts.reduce((sum, r) => sum + r.lessonCount, 0);
    if (lessonCount >= ctx.settings.minLessons) return scores;
    const short = indexesWhere(ctx.receipts, (r, index) => r.lessonCount < plans[index].estimated_lessons);
    if (round > ctx.rounds || short.length === 0) {
      throw ApplicationFailure.nonRetryable(
        `The course has ${lessonCount} lessons; at least ${ctx.settings.minLessons} are required (FR-015)`,
        ErrorType.MINIMUM_LESSONS_NOT_MET,
      );
    }
    await ctx.beforeRound();
    const records = await Promise.all(
      short.map((index) => repairSection(ctx, index, round, 'lessons', ctx.receipts[index].lessonCount, plans[index].estimated_lessons)),
    );
    for (const record of records) {
      record.after = ctx.receipts[record.section_number - 1].lessonCount;
      ctx.progress.repaired(record);
    }
    repairs.push(...records);
    scores = await scoreCourse(ctx);
    assertQuality(scores, ctx.settings.qualityThreshold, ctx.input);
  }
}

async function scoreCourse(ctx: RepairContext): Promise<QualityResult> {
  const quality = proxyActivities<Activities>(qualityOptions(ctx.settings));
  const scores = await quality.validateQualityActivity(ctx.input);
  ctx.progress.addSpend({ tokens: scores.tokens, costUsd: scores.costUsd });
  return scores;
}

async function repairSection(
  ctx: RepairContext,
  index: number,
  round: number,
  reason: RepairRecord['reason'],
  before: number,
  required: number,
): Promise<RepairRecord> {
  const plans = ctx.input.analysis_result.recommended_structure.sections_breakdown;
  const previous = ctx.receipts[index];
  const why = reason === 'quality' ? `score ${before} < ${required}` : `${before} of ${required} lessons`;
  const llm = proxyActivities<Activities>({
    ...llmSectionOptions(ctx.settings),
    summary: `Repair section ${index + 1}/${plans.length} (${why}): ${plans[index].area}`,
  });
  ctx.progress.sectionStarted(index);
  const receipt = await llm.repairSectionActivity({
    input: ctx.input,
    sectionIndex: index,
    reason,
    previousModel: previous.model,
    before,
    required,
  });
  ctx.receipts[index] = receipt;
  ctx.progress.sectionDone(receipt);
  return { section_number: index + 1, round, reason, model_before: previous.model, model: receipt.model, before, after: null };
}

function indexesWhere<T>(items: T[], predicate: (item: T, index: number) => boolean): number[] {
  return items.flatMap((item, index) => (predicate(item, index) ? [index] : []));
}

/**
 * The overall score and every section's score must reach the threshold: averaged alone, one off-topic section in
 * a course of eight would pass unnoticed.
 */
export function assertQuality(scores: QualityResult, threshold: number, input: GenerationJobInput): void {
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  const below = scores.sections_similarity.filter((score) => score < threshold).length;
  if (scores.overall >= threshold && below === 0) return;
  throw ApplicationFailure.nonRetryable(
    `Quality below the threshold ${threshold} (${scores.backend}): overall ${scores.overall.toFixed(3)}, ` +
      `${below} section(s) below; weakest sections: ${weakestSections(scores.sections_similarity, plans)}`,
    ErrorType.QUALITY_THRESHOLD_NOT_MET,
    { scores },
  );
}

function weakestSections(scores: number[], plans: { area: string }[]): string {
  return scores
    .map((score, index) => ({ score, index }))
    .sort((a, b) => a.score - b.score)
    .slice(0, 3)
    .map(({ score, index }) => `${index + 1} "${plans[index].area}" ${score.toFixed(3)}`)
    .join(', ');
}
