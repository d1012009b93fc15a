// Quality scoring helpers: the texts that represent a plan and what was generated for it, cosine similarity for
// embeddings, and a lexical fallback used when no embeddings endpoint is configured. Pure functions.
import type { GenerationJobInput, MetadataOutput, SectionOutput, SectionPlan } from '../workflows/schemas';

export function cosineSimilarity(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new Error(`Vectors differ in length (${a.length} vs ${b.length})`);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  // A zero vector has no direction; 0 reads as "unrelated" instead of NaN poisoning the average.
  if (normA === 0 || normB === 0) return 0;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(normA * normB)));
}

// ---- Texts compared by the quality phase (the same texts go to the embeddings endpoint).

export function sectionPlanText(plan: SectionPlan): string {
  return [plan.area, ...plan.learning_objectives, ...plan.key_topics].join('\n');
}

export function generatedSectionText(section: SectionOutput): string {
  const lessons = section.lessons.flatMap((lesson) => [
    lesson.lesson_title,
    ...lesson.lesson_objectives,
    ...lesson.key_topics,
    ...lesson.practical_exercises.map((exercise) => exercise.exercise_title),
  ]);
  return [section.section_title, section.section_description, ...section.learning_objectives, ...lessons].join('\n');
}

export function courseReferenceText(input: GenerationJobInput): string {
  const topic = input.analysis_result.topic_analysis;
  return [input.frontend_parameters.course_title, topic.determined_topic, ...topic.key_concepts].join('\n');
}

export function metadataText(metadata: MetadataOutput): string {
  return [
    metadata.course_title,
    metadata.course_description,
    metadata.course_overview,
    ...metadata.learning_outcomes,
    ...metadata.course_tags,
  ].join('\n');
}

// ---- Lexical similarity.
//
// Formula: r = share of the reference's distinct content stems that also occur in the candidate (recall);
//          score = min(1, r / 0.8).
// Why recall only: the candidate (a generated section, ~40 lines) is 10-20 times longer than its reference (a plan,
// ~8 lines), so precision is structurally low whatever the quality; the question is whether the generated text
// covers what the plan asked for. Content stems: lower-cased letter/digit runs, minus English stop words and
// generic course vocabulary ("learn", "lesson", "understand"…, which every section shares), crudely stemmed.
// Why 0.8: a good section paraphrases part of its plan (the calibration sections, written the way a model
// paraphrases, reuse 80-91% of their plan's content words), so 80% coverage counts as complete; the 0.75 quality
// threshold then means 60% coverage. This is an estimate from hand-written sections, not from logged model output:
// recalibrate FULL_COVERAGE when real runs are available.
// Calibration on the T053 fixture (test/unit/similarity.test.ts, 8 plans): raw recall is 0.80-0.91 for each
// plan's own section (score 1.00), 0.00-0.45 for sections written for other plans of the same course (scores
// 0.00-0.56, so a section about the wrong part of the course fails the threshold), 0.00-0.13 for off-topic
// sections (scores 0.00-0.16).
// Limits: English stop words and suffixes only; for other languages it degrades to 6-character prefix matching,
// which still separates topics but scores paraphrases lower. Synonyms do not match; that is what embeddings are for.

const STOP_WORDS = new Set(
  (
    'a about above after again against all also an and any are as at be because been before being below between ' +
    'both but by can could did do does doing down during each either every few for from further had has have ' +
    'having he her here hers him his how i if in into is it its itself just may me might more most must my no nor ' +
    'not now of off on once only or other our ours out over own per same she should so some such than that the ' +
    'their theirs them then there these they this those through to too under until up upon us very via was we ' +
    'were what when where which while who whom why will with within without would you your yours versus vs ' +
    // Generic course vocabulary: shared by any two sections, so it carries no topic.
    'learn learner learners learning lesson lessons section sections course courses module student students ' +
    'understand understanding explain describe identify apply use using build create develop practice practise ' +
    'practical exercise exercises example examples introduction overview basic basics key core essential ' +
    'effective effectively way ways step steps able skill skills technique techniques method methods tips ' +
    'guide part new first one two three real work working make making get getting objective objectives goal ' +
    'goals topic topics inside'
  ).split(' '),
);

const DERIVATIONAL_SUFFIXES = ['ation', 'ment', 'ingly', 'ing', 'edly', 'ed', 'er', 'ly'];
const STEM_LENGTH = 6;

/** Porter-like, deliberately crude: both sides go through the same function, so consistency matters more than
 * linguistic accuracy ("buyer"/"buying"/"buyers" → "buy", "prices"/"pricing" → "pric", "negotiation" →
 * "negoti"; the 6-character cut also joins "consultative"/"consulting"). */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (/(?:ss|x|z|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  for (const suffix of DERIVATIONAL_SUFFIXES) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1); // planning → plann → plan
      break;
    }
  }
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1); // price / pricing / prices meet at "pric"
  return w.slice(0, STEM_LENGTH);
}

export function contentStems(text: string): Set<string> {
  const stems = new Set<string>();
  for (const token of text.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (token.length < 3 || STOP_WORDS.has(token) || /^\d+$/.test(token)) continue;
    stems.add(stem(token));
  }
  return stems;
}

/** Recall at which a candidate counts as fully covering its reference; see the calibration above. */
const FULL_COVERAGE = 0.8;

/** In [0, 1]; see the formula above. 0 when the reference has no content words (nothing to cover). */
export function lexicalSimilarity(reference: string, candidate: string): number {
  const wanted = contentStems(reference);
  if (wanted.size === 0) return 0;
  const present = contentStems(candidate);
  let covered = 0;
  for (const s of wanted) if (present.has(s)) covered++;
  return Math.min(1, covered / wanted.size / FULL_COVERAGE);
}
