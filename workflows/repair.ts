// Sections repair themselves before the run gives up on them. Quality validation names the sections below the
// threshold; the minimum-lessons check names the sections that came back with fewer lessons than planned. Each is
// written again by the next model of the ladder with the rejected answer's score (or lesson count) and the plan in
// the prompt, then the course is scored again — at most QUALITY_REPAIR_ROUNDS rounds per check before the run
// fails as it did before repairs existed. With QUALITY_JUDGE, sections whose embedding score falls in the band
// around the threshold (or in the sample) are read by a judge model, whose verdict decides them; a section the
// judge rejects is repaired like one below the threshold, with the judge's reasons in the prompt.
import { ApplicationFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureSummary } from './failures';
import { llmJudgeOptions, llmSectionOptions, qualityOptions } from './options';
import type { ProgressTracker } from './progress';
import { decidedScore, judgeReason, verdictPasses } from './quality-judge';
import type { GenerationJobInput } from './schemas';
import {
  ErrorType,
  type GenerationReceipt,
  type GenerationSettings,
  type JudgedSection,
  type QualityJudgeSettings,
  type QualityResult,
  type RepairRecord,
} from './types';

export interface RepairContext {
  input: GenerationJobInput;
  settings: GenerationSettings;
  progress: ProgressTracker;
  /** The sections' receipts, replaced in place by the repaired ones. */
  receipts: GenerationReceipt[];
  rounds: number;
  /** The budget guard: a repair round is spending. */
  beforeRound: () => Promise<void>;
  /** QUALITY_JUDGE: null when no judge reads the sections (off, or a run that started before the judge existed). */
  judge: QualityJudgeSettings | null;
  /** The judgement of each section's current content; dropped when the section is written again. */
  judgements: Map<number, JudgedSection>;
  /** Every judgement of the run, in order (generation_metadata.quality_judged). */
  judged: JudgedSection[];
}

/** A section that failed quality: below the threshold by its embedding score, or rejected by the judge. */
interface QualityFailure {
  index: number;
  reason: 'quality' | 'judge';
  before: number;
  reasons?: string[];
}

/** Scores the course, repairing off-plan sections; returns the scores the course is committed with. */
export async function validateQualityWithRepairs(ctx: RepairContext, repairs: RepairRecord[]): Promise<QualityResult> {
  const { settings, input } = ctx;
  let scores = await scoreCourse(ctx);
  await judgeSections(ctx, scores, new Set());
  for (let round = 1; ; round++) {
    const failing = failingSections(ctx, scores);
    if (gateOverall(ctx, scores) >= settings.qualityThreshold && failing.length === 0) return scores;
    // The metadata alone below the threshold is not something a section repair can fix.
    if (round > ctx.rounds || failing.length === 0) assertQuality(scores, settings.qualityThreshold, input, ctx.judgements);
    await ctx.beforeRound();
    const records = await Promise.all(
      failing.map((f) => repairSection(ctx, f.index, round, f.reason, f.before, settings.qualityThreshold, f.reasons)),
    );
    scores = await scoreCourse(ctx);
    // The judge reads again what it rejected, whatever the new embedding score says.
    await judgeSections(ctx, scores, new Set(failing.filter((f) => f.reason === 'judge').map((f) => f.index)));
    for (const record of records) {
      const index = record.section_number - 1;
      record.after = record.reason === 'judge' ? decidedScore(scores.sections_similarity[index], ctx.judgements.get(index)) : scores.sections_similarity[index];
      ctx.progress.repaired(record);
    }
    repairs.push(...records);
  }
}

/**
 * Sections whose current content fails: the judge's verdict decides the judged ones (the embedding score when the
 * judge could not answer), the embedding score the others.
 */
function failingSections(ctx: RepairContext, scores: QualityResult): QualityFailure[] {
  const threshold = ctx.settings.qualityThreshold;
  return scores.sections_similarity.flatMap((score, index): QualityFailure[] => {
    const judged = ctx.judgements.get(index);
    if (judged?.decided_by === 'judge' && judged.verdict) {
      return judged.passed ? [] : [{ index, reason: 'judge', before: judged.verdict.score, reasons: judged.verdict.reasons }];
    }
    return score < threshold ? [{ index, reason: 'quality', before: score }] : [];
  });
}

/** The overall score the gate reads: each section counted at its decided score (the judge's, when it decided). */
function gateOverall(ctx: RepairContext, scores: QualityResult): number {
  if (ctx.judgements.size === 0) return scores.overall;
  const sections = scores.sections_similarity.map((score, index) => decidedScore(score, ctx.judgements.get(index)));
  const all = [scores.metadata_similarity, ...sections];
  return Math.round((all.reduce((sum, s) => sum + s, 0) / all.length) * 1000) / 1000;
}

/**
 * The judge reads the sections not judged yet in their current content whose embedding score is in the band, or
 * that are in the sample, or that it rejected before they were written again (`recheck`). A judge that cannot
 * answer (its whole ladder failed) leaves the section to its embedding score, and the record says so.
 */
async function judgeSections(ctx: RepairContext, scores: QualityResult, recheck: Set<number>): Promise<void> {
  const judge = ctx.judge;
  if (!judge) return;
  const { input, settings } = ctx;
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  const todo = scores.sections_similarity.flatMap((score, index) => {
    if (ctx.judgements.has(index)) return [];
    const why: JudgedSection['why'] | null = recheck.has(index) ? 'recheck' : judgeReason(score, settings.qualityThreshold, judge, input.course_id, index);
    return why ? [{ index, score, why }] : [];
  });
  const records = await Promise.all(
    todo.map(async ({ index, score, why }): Promise<JudgedSection> => {
      const base = { section_number: index + 1, why, embedding_score: score };
      const llm = proxyActivities<Activities>({
        ...llmJudgeOptions(settings, judge),
        summary: `Judge section ${index + 1}/${plans.length} (${why}, score ${score}): ${plans[index].area}`,
      });
      try {
        const result = await llm.judgeSectionActivity({ input, sectionIndex: index, embeddingScore: score });
        ctx.progress.addSpend(result);
        const passed = verdictPasses(result.verdict, settings.qualityThreshold);
        return { ...base, verdict: result.verdict, model: result.model, passed, decided_by: 'judge' };
      } catch (error) {
        if (isCancellation(error)) throw error;
        return { ...base, verdict: null, model: null, passed: score >= settings.qualityThreshold, decided_by: 'embedding', error: failureSummary(error) };
      }
    }),
  );
  for (const record of records) {
    ctx.judgements.set(record.section_number - 1, record);
    ctx.judged.push(record);
    ctx.progress.judged(record);
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
    await judgeSections(ctx, scores, new Set());
    if (failingSections(ctx, scores).length > 0 || gateOverall(ctx, scores) < ctx.settings.qualityThreshold) {
      assertQuality(scores, ctx.settings.qualityThreshold, ctx.input, ctx.judgements);
    }
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
  judgeReasons?: string[],
): Promise<RepairRecord> {
  const plans = ctx.input.analysis_result.recommended_structure.sections_breakdown;
  const previous = ctx.receipts[index];
  const why =
    reason === 'quality' ? `score ${before} < ${required}` : reason === 'judge' ? `judge: score ${before}, rejected` : `${before} of ${required} lessons`;
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
    ...(judgeReasons ? { judgeReasons } : {}),
  });
  // New content: its old judgement no longer applies.
  ctx.judgements.delete(index);
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
export function assertQuality(
  scores: QualityResult,
  threshold: number,
  input: GenerationJobInput,
  judgements: Map<number, JudgedSection> = new Map(),
): void {
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  const rejected = [...judgements.values()].filter((j) => j.decided_by === 'judge' && !j.passed).map((j) => j.section_number - 1);
  const below = scores.sections_similarity.filter((score, index) => score < threshold && !judgements.get(index)?.passed && !rejected.includes(index)).length;
  if (judgements.size === 0 && scores.overall >= threshold && below === 0) return;
  const judgeNote = rejected.length
    ? `; rejected by the judge: ${rejected.map((i) => `${i + 1} "${plans[i].area}" (${judgements.get(i)!.verdict!.reasons.join('; ')})`).join(', ')}`
    : '';
  throw ApplicationFailure.nonRetryable(
    `Quality below the threshold ${threshold} (${scores.backend}): overall ${scores.overall.toFixed(3)}, ` +
      `${below} section(s) below; weakest sections: ${weakestSections(scores.sections_similarity, plans)}${judgeNote}`,
    ErrorType.QUALITY_THRESHOLD_NOT_MET,
    { scores, ...(judgements.size ? { judged: [...judgements.values()] } : {}) },
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
