// Word-level helpers shared by the prompt reader (fallback vocabulary) and the lexical embedding.

// Common English function words: they say nothing about a topic.
const STOP_WORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between
  both but by can could did do does doing down during each few for from further had has have having he her here
  hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other
  our ours out over own same she should so some such than that the their theirs them then there these they this
  those through to too under until up very was we were what when where which while who whom why will with would
  you your yours yourself via per may might shall must one two three every within without`
    .split(/\s+/)
    .filter(Boolean),
);

// Words of the prompt builder's own scaffolding (labels, instructions). Used only when the simulator falls back to
// "whatever words the prompt contains": they would make answers about JSON and sections instead of the topic.
const PROMPT_BOILERPLATE = new Set(
  `json schema return answer write respond output field fields section sections lesson lessons title working course
  map topics topic key objectives objective learning language concepts concept exactly valid strict required
  following below above format english user user-provided provided given task importance progression`
    .split(/\s+/)
    .filter(Boolean),
);

/** Lower-case words with punctuation stripped (keeps letters of any script, digits, inner hyphens/apostrophes). */
export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? []).map((w) => w.replace(/’/g, "'"));
}

export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/** Words that carry meaning: no stop words, no bare numbers, at least 3 characters. */
export function contentWords(text: string): string[] {
  return tokenize(text).filter((w) => w.length >= 3 && !STOP_WORDS.has(w) && !/^\d+$/.test(w));
}

/** Content words of a prompt minus its scaffolding, most frequent first (ties keep first appearance). */
export function topicWords(prompt: string, limit = 24): string[] {
  const counts = new Map<string, number>();
  for (const w of contentWords(prompt)) if (!PROMPT_BOILERPLATE.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([w]) => w);
}

/**
 * Crude suffix stripping so "objections", "objection" and "handling"/"handled"/"handle" land on one key.
 * Deliberately simple (not Porter): it only needs to be consistent between the plan and the answer.
 */
export function stem(word: string): string {
  let w = word.replace(/'s$/, '');
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (w.length > suffix.length + 3 && w.endsWith(suffix) && !w.endsWith('ss')) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  return w.replace(/e$/, '');
}
