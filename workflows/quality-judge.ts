// Which sections the quality judge reads and how its verdict decides them. Pure and deterministic: the workflow
// calls these with recorded values only (scores from an activity, the course id from the input), so a replay
// selects the same sections. No Math.random: the seed's "5 % judge" sample is a hash of course id and section.
import type { JudgeVerdict } from './schemas';
import type { JudgedSection, QualityJudgeSettings } from './types';

/**
 * Why a section with this embedding score goes to the judge, or null. The band is where the embedding score
 * cannot tell (see the README's calibration); the sample checks the embeddings' own judgement elsewhere.
 */
export function judgeReason(
  embeddingScore: number,
  threshold: number,
  judge: QualityJudgeSettings,
  courseId: string,
  sectionIndex: number,
): 'band' | 'sample' | null {
  if (embeddingScore >= threshold - judge.bandBelow && embeddingScore < threshold + judge.bandAbove) return 'band';
  if (isSampled(courseId, sectionIndex, judge.sample)) return 'sample';
  return null;
}

/** The same course and section are always in (or out of) the sample, on every worker and on replay. */
export function isSampled(courseId: string, sectionIndex: number, share: number): boolean {
  if (share <= 0) return false;
  if (share >= 1) return true;
  return fnv1a(`${courseId}:${sectionIndex}`) / 0x1_0000_0000 < share;
}

/** 32-bit FNV-1a: a well-spread hash of short strings, small enough to keep inside the workflow sandbox. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A judged section passes when the judge finds it about its plan and scores it at least the quality threshold. */
export function verdictPasses(verdict: JudgeVerdict, threshold: number): boolean {
  return verdict.on_plan && verdict.score >= threshold;
}

/** The score a section counts with in the course's overall score: the judge's when it decided the section. */
export function decidedScore(embeddingScore: number, judged: JudgedSection | undefined): number {
  return judged?.decided_by === 'judge' && judged.verdict ? judged.verdict.score : embeddingScore;
}
