// Timeouts sized to the work: a section's HTTP timeout follows from how much the model must read and write, within
// the operator's bounds, instead of one constant for every section. A short section that hangs is cut off early
// and escalates sooner; a heavy one (the seeds' 120 s sections) gets the time it needs; a hung provider is still
// cut off at the upper bound. Pure arithmetic on the plan: deterministic, safe in the workflow sandbox.
import type { GenerationJobInput } from './schemas';

/** LLM_SECTION_TIMEOUT_MIN_MS .. LLM_SECTION_TIMEOUT_MS: the HTTP timeout of one section call stays within these. */
export interface TimeoutBounds {
  minMs: number;
  maxMs: number;
}

// The seeds' providers: ~75 s for a 6-lesson section (≈ 6 × (450 + 2 × 150) = 4,500 output tokens → ~60 tokens/s
// plus the first token). The estimate gets half again as headroom so a slow but healthy call is not cut off.
const OUTPUT_TOKENS_PER_LESSON = 450;
/** Each lesson carries 1–3 exercises with a solution outline; two is the typical answer. */
const EXERCISES_PER_LESSON = 2;
const OUTPUT_TOKENS_PER_EXERCISE = 150;
const OUTPUT_TOKENS_PER_SECOND = 60;
/** Reading the prompt is far faster than writing; it matters for long analysis documents. */
const PROMPT_TOKENS_PER_SECOND = 1_000;
const FIRST_TOKEN_MS = 8_000;
const HEADROOM = 1.5;
/** The usual rule of thumb for English and code-like JSON: about four characters per token. */
const CHARS_PER_TOKEN = 4;

export interface SectionWorkEstimate {
  lessons: number;
  exercises: number;
  promptTokens: number;
  outputTokens: number;
}

/** What one section asks of the model: its lessons and exercises, and the prompt that carries its plan and the analysis. */
export function estimateSectionWork(input: GenerationJobInput, sectionIndex: number): SectionWorkEstimate {
  const plan = input.analysis_result.recommended_structure.sections_breakdown[sectionIndex];
  const lessons = plan.estimated_lessons;
  const exercises = lessons * EXERCISES_PER_LESSON;
  // The section prompt holds the section's plan, the topic, the strategy and the guidance.
  const promptChars =
    JSON.stringify(plan).length +
    JSON.stringify(input.analysis_result.topic_analysis).length +
    JSON.stringify(input.analysis_result.pedagogical_strategy).length +
    JSON.stringify(input.analysis_result.generation_guidance ?? {}).length;
  return {
    lessons,
    exercises,
    promptTokens: Math.ceil(promptChars / CHARS_PER_TOKEN),
    outputTokens: lessons * OUTPUT_TOKENS_PER_LESSON + exercises * OUTPUT_TOKENS_PER_EXERCISE,
  };
}

/** The HTTP timeout of a section call, in whole seconds (readable in the Web UI), clamped to the bounds. */
export function sizedSectionTimeoutMs(work: SectionWorkEstimate, bounds: TimeoutBounds): number {
  const expectedMs =
    FIRST_TOKEN_MS + (work.promptTokens / PROMPT_TOKENS_PER_SECOND) * 1000 + (work.outputTokens / OUTPUT_TOKENS_PER_SECOND) * 1000;
  const sized = Math.ceil((expectedMs * HEADROOM) / 1000) * 1000;
  // A lower bound above the upper one (a test's short timeout) gives way: the upper bound always cuts off.
  const min = Math.min(bounds.minMs, bounds.maxMs);
  return Math.max(min, Math.min(bounds.maxMs, sized));
}

/** How one section's activity is timed: its HTTP timeout (absent: the worker's constant) and the summary's note. */
export interface SectionTiming {
  timeoutMs?: number;
  startToCloseTimeoutMs?: number;
  /** Appended to the activity summary, so the Web UI shows the chosen timeout next to the section. */
  note: string;
}

export function sectionTiming(
  input: GenerationJobInput,
  sectionIndex: number,
  settings: { sectionActivityTimeoutMs: number; sectionTimeoutMinMs?: number; sectionTimeoutMaxMs?: number },
  sized: boolean,
): SectionTiming {
  if (!sized || settings.sectionTimeoutMinMs === undefined || settings.sectionTimeoutMaxMs === undefined) return { note: '' };
  const work = estimateSectionWork(input, sectionIndex);
  const timeoutMs = sizedSectionTimeoutMs(work, { minMs: settings.sectionTimeoutMinMs, maxMs: settings.sectionTimeoutMaxMs });
  // The activity keeps the margin the worker gives every LLM activity beyond its HTTP timeout (parsing, ledger).
  const marginMs = Math.max(0, settings.sectionActivityTimeoutMs - settings.sectionTimeoutMaxMs);
  return {
    timeoutMs,
    startToCloseTimeoutMs: timeoutMs + marginMs,
    note: ` · timeout ${Math.round(timeoutMs / 1000)} s (${work.lessons} lessons, ~${work.outputTokens + work.promptTokens} tokens)`,
  };
}
