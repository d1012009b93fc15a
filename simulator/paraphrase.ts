// The `paraphrase` fault: an answer about its plan written partly in other words. A share of the plan's words that
// the thesaurus knows is replaced, wherever it occurs in the answer, by another word of its group — chosen by a hash
// of the word, so the same prompt is always paraphrased the same way. Lengths stay within the schema's bounds.
import type { PromptFacts } from './prompt';
import { hashString } from './random';
import { leafHolder, stringLeaves, type JsonSchema } from './schema-gen';
import { synonymOf } from './thesaurus';
import { contentWords, stem } from './words';

// 0.7: on the example course, a paraphrase at this share scores 0.40–0.81 lexically (0.63–0.69 for sections 1, 4
// and 5), from clearly below to just above the threshold, like real rewording.
export const DEFAULT_PARAPHRASE_SHARE = 0.7;

/** Stems of the plan's words that get reworded: the first `share` of those with a synonym, in hash order. */
export function rewordedStems(facts: PromptFacts, share: number): Set<string> {
  const planText = [facts.workingTitle ?? '', ...facts.objectives, ...facts.keyTopics].join('\n');
  const known = [...new Set(contentWords(planText).map((w) => stem(w)))].filter((s) => synonymOf(s) !== undefined);
  const ordered = known.sort((a, b) => hashString(a) - hashString(b) || a.localeCompare(b));
  return new Set(ordered.slice(0, Math.round(ordered.length * share)));
}

export function paraphraseAnswer(value: unknown, schema: JsonSchema, facts: PromptFacts, share = DEFAULT_PARAPHRASE_SHARE): unknown {
  const reworded = rewordedStems(facts, share);
  const copy = structuredClone(value);
  for (const slot of stringLeaves(schema, copy)) {
    if (slot.path.length === 0) continue;
    const { parent, key } = leafHolder(copy, slot.path);
    const text = String(parent[key]);
    const next = text.replace(/\p{L}+/gu, (word) => {
      if (!reworded.has(stem(word.toLowerCase()))) return word;
      const synonym = synonymOf(word)!;
      return /^\p{Lu}/u.test(word) ? synonym.charAt(0).toUpperCase() + synonym.slice(1) : synonym;
    });
    if (next.length >= slot.minLength && next.length <= slot.maxLength) parent[key] = next;
  }
  return copy;
}
