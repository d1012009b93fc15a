// Turns what the prompt says (PromptFacts) into a vocabulary that is never empty, plus small English helpers.
// Answers are built only from these phrases and a few neutral connecting words, so lexical similarity between the
// plan in the prompt and the answer is high for the right reasons: the answer really talks about the plan.
import type { PromptFacts } from './prompt';

export interface Vocabulary {
  topic: string;
  courseTitle: string;
  concepts: string[];
  sectionTitle: string;
  /** Lesson focus list: the section's key topics, else the course concepts, else prompt words. */
  topics: string[];
  objectives: string[];
  mapTitles: string[];
  /** Number of sections in the course, when the prompt says so or lists a course map. */
  sectionCount?: number;
  previousSection?: string;
  nextSection?: string;
  /** 0 for the first section of the course, 1 for the last (0.5 when unknown). */
  sectionPosition: number;
  exerciseTypes: string[];
  targetAudience?: string;
  difficulty?: string;
  lessonCount?: number;
}

// Exercise formats a course prompt commonly names; the ones the prompt mentions are preferred, in its order.
const KNOWN_EXERCISE_TYPES = [
  'role-play',
  'case study',
  'worked example',
  'reflection',
  'quiz',
  'guided practice',
  'simulation',
  'peer review',
  'checklist',
  'project',
];
const DEFAULT_EXERCISE_TYPES = ['guided practice', 'case study', 'worked example', 'reflection', 'quiz'];

export function buildVocabulary(facts: PromptFacts, prompt: string): Vocabulary {
  const words = facts.words.length ? facts.words : ['core ideas', 'everyday practice', 'practical skills'];
  const topic = runningText(facts.topic ?? facts.title ?? words.slice(0, 2).join(' '), prompt);
  const concepts = nonEmpty(facts.keyConcepts, facts.keyTopics, words.slice(0, 6));
  const mapTitles = facts.courseMap.map((entry) => entry.title);
  const current = facts.courseMap.findIndex((entry) =>
    facts.sectionNumber !== undefined ? entry.number === facts.sectionNumber : entry.current,
  );
  const count = facts.sectionCount ?? (facts.courseMap.length || undefined);
  const number = facts.sectionNumber ?? (current >= 0 ? facts.courseMap[current].number : undefined);
  const lowerPrompt = prompt.toLowerCase();
  const mentioned = KNOWN_EXERCISE_TYPES.map((t) => ({ t, at: firstIndex(lowerPrompt, [t, t.replace('-', ' ')]) }))
    .filter(({ at }) => at >= 0)
    .sort((a, b) => a.at - b.at)
    .map(({ t }) => t);
  return {
    topic,
    courseTitle: facts.title ?? `${titleCase(topic)}: A Practical Course`,
    concepts,
    sectionTitle: facts.workingTitle ?? `${titleCase(concepts[0])} in Practice`,
    topics: nonEmpty(facts.keyTopics, concepts),
    objectives: facts.objectives.length
      ? facts.objectives
      : concepts.slice(0, 3).map((c) => `Apply ${c} in realistic ${topic} situations`),
    mapTitles,
    sectionCount: count,
    previousSection: current > 0 ? mapTitles[current - 1] : undefined,
    nextSection: current >= 0 && current < mapTitles.length - 1 ? mapTitles[current + 1] : undefined,
    sectionPosition: count && number && count > 1 ? (number - 1) / (count - 1) : 0.5,
    exerciseTypes: nonEmpty(
      facts.exerciseTypes.map((t) => t.replace(/_/g, ' ')).filter((t) => t.length >= 3 && t.length <= 60),
      mentioned,
      DEFAULT_EXERCISE_TYPES,
    ),
    targetAudience: facts.targetAudience,
    difficulty: facts.difficulty,
    lessonCount: facts.lessonCount,
  };
}

/**
 * The topic as it reads mid-sentence: "Consultative B2B sales" becomes "consultative B2B sales" when the prompt
 * also uses that first word in lower case elsewhere; a name like "Python programming" is left alone.
 */
function runningText(phrase: string, prompt: string): string {
  const first = phrase.split(/\s+/)[0] ?? '';
  const lower = first.toLowerCase();
  if (first === lower || !/^[A-Z][a-z]/.test(first)) return phrase;
  return new RegExp(`(^|[^\\p{L}])${escapeRegExp(lower)}([^\\p{L}]|$)`, 'u').test(prompt) ? lcFirst(phrase) : phrase;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function firstIndex(text: string, needles: string[]): number {
  const found = needles.map((n) => text.indexOf(n)).filter((i) => i >= 0);
  return found.length ? Math.min(...found) : -1;
}

function nonEmpty(...lists: string[][]): string[] {
  return lists.find((list) => list.length > 0) ?? [];
}

// ---- English helpers.

const SMALL_WORDS = new Set(['a', 'an', 'and', 'as', 'at', 'but', 'by', 'for', 'in', 'of', 'on', 'or', 'the', 'to', 'vs', 'versus', 'with']);

export function capFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Lower-case the first letter unless the first word looks like an acronym (B2B, SQL). */
export function lcFirst(text: string): string {
  return /^[A-Z][A-Z0-9]/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);
}

/** Title Case that leaves acronyms and already-capitalised words alone. */
export function titleCase(text: string): string {
  return text
    .split(' ')
    .map((word, i) => (i > 0 && SMALL_WORDS.has(word.toLowerCase()) ? word.toLowerCase() : capFirst(word)))
    .join(' ');
}

/** "a", "a and b", "a, b and c". */
export function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Items without case-insensitive duplicates, first occurrence kept. */
export function unique(items: string[]): string[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = item.trim().toLowerCase();
    if (!key || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function at<T>(items: T[], index: number): T {
  return items[((index % items.length) + items.length) % items.length];
}
