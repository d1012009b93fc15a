// The simulator's small thesaurus: groups of words that mean the same thing in a course about selling (the example
// course's vocabulary) and in course plans generally. Two uses, both offline:
//  - the `paraphrase` fault rewords a share of a plan's words with another member of their group, so an on-topic
//    answer shares fewer words with its plan and the lexical score (activities/similarity.ts) drops;
//  - the simulated judge reads every word as its group, so it still finds the plan in a paraphrased answer, the way
//    a real judge model reads meaning rather than wording.
// Each word belongs to one group at most. Members are single words whose stems differ from each other.
import { stem } from './words';

const GROUPS: string[][] = [
  ['foundations', 'fundamentals'],
  ['consultative', 'advisory'],
  ['selling', 'vending'],
  ['distinguish', 'differentiate'],
  ['transactional', 'episodic'],
  ['trust', 'reliance'],
  ['shapes', 'influences'],
  ['long', 'lengthy'],
  ['buying', 'purchasing'],
  ['cycles', 'timelines'],
  ['buyer', 'purchaser'],
  ['mindset', 'attitude'],
  ['value', 'worth'],
  ['price', 'cost'],
  ['conversations', 'discussions'],
  ['modern', 'contemporary'],
  ['committee', 'panel'],
  ['signals', 'cues'],
  ['meetings', 'sessions'],
  ['prospecting', 'canvassing'],
  ['prospect', 'lead'],
  ['account', 'client'],
  ['research', 'investigation'],
  ['qualified', 'vetted'],
  ['list', 'roster'],
  ['target', 'chosen'],
  ['segment', 'niche'],
  ['prepare', 'compose'],
  ['brief', 'dossier'],
  ['contact', 'touchpoint'],
  ['ideal', 'perfect'],
  ['customer', 'patron'],
  ['profile', 'persona'],
  ['trigger', 'catalyst'],
  ['events', 'moments'],
  ['mapping', 'charting'],
  ['multichannel', 'omnichannel'],
  ['outreach', 'engagement'],
  ['cadence', 'rhythm'],
  ['discovery', 'exploration'],
  ['uncover', 'reveal'],
  ['needs', 'requirements'],
  ['structured', 'organised'],
  ['quantified', 'measured', 'gauged'],
  ['quantification', 'measurement'],
  ['pain', 'struggle'],
  ['questions', 'queries'],
  ['listening', 'hearing'],
  ['agenda', 'outline'],
  ['propositions', 'offers'],
  ['tailor', 'customise'],
  ['stakeholder', 'influencer'],
  ['capabilities', 'strengths'],
  ['outcomes', 'results'],
  ['economic', 'financial'],
  ['priorities', 'concerns'],
  ['hypothesis', 'premise'],
  ['framing', 'positioning'],
  ['presenting', 'pitching'],
  ['solutions', 'remedies'],
  ['demos', 'showcases'],
  ['presentation', 'pitch'],
  ['proves', 'demonstrates'],
  ['features', 'characteristics'],
  ['storylines', 'narratives'],
  ['proof', 'evidence'],
  ['references', 'testimonials'],
  ['handling', 'managing'],
  ['objections', 'pushback'],
  ['confidence', 'assurance'],
  ['classify', 'categorise'],
  ['respond', 'reply'],
  ['deepen', 'strengthen'],
  ['commitment', 'dedication'],
  ['bias', 'prejudice'],
  ['competitor', 'rival'],
  ['comparisons', 'contrasts'],
  ['negotiation', 'bargaining'],
  ['closing', 'finalising'],
  ['trades', 'exchanges'],
  ['securing', 'obtaining'],
  ['mutual', 'shared'],
  ['concessions', 'compromises'],
  ['procurement', 'sourcing'],
  ['growth', 'expansion'],
  ['partnerships', 'alliances'],
  ['revenue', 'income'],
  ['health', 'wellbeing'],
  ['onboarding', 'orientation'],
  ['handoff', 'transition'],
  ['quarterly', 'periodic'],
  ['reviews', 'evaluations'],
  ['referral', 'recommendation'],
  ['programs', 'schemes'],
];

/** stem → the group's first member's stem (the concept) and the members' words. */
const CONCEPT = new Map<string, string>();
const GROUP_OF = new Map<string, string[]>();
for (const group of GROUPS) {
  const concept = stem(group[0]);
  for (const word of group) {
    CONCEPT.set(stem(word), concept);
    GROUP_OF.set(stem(word), group);
  }
}

/** The concept a word stands for: its group's, or its own stem when the thesaurus does not know it. */
export function conceptOf(word: string): string {
  const s = stem(word.toLowerCase());
  return CONCEPT.get(s) ?? s;
}

/** Another word for `word` (the next member of its group), or undefined when the thesaurus does not know it. */
export function synonymOf(word: string): string | undefined {
  const s = stem(word.toLowerCase());
  const group = GROUP_OF.get(s);
  if (!group) return undefined;
  const index = group.findIndex((w) => stem(w) === s);
  return group[(index + 1) % group.length];
}
