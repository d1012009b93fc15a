// The simulated quality judge. It reads the judge prompt the way the pipeline writes it (activities/prompts.ts):
// the plan's labelled lines above JUDGE_SECTION_HEADING, the section as JSON below it, and compares the two by
// concept rather than by word (simulator/thesaurus.ts), so a paraphrased section is still found on its plan and an
// answer about another subject is not. Deterministic: the same prompt gets the same verdict.
import { JUDGE_SECTION_HEADING } from '../activities/prompts';
import { parsePrompt } from './prompt';
import { conceptOf } from './thesaurus';
import { contentWords } from './words';

export interface SimulatedVerdict {
  score: number;
  on_plan: boolean;
  objectives_covered: string[];
  reasons: string[];
}

/** Coverage of the plan's concepts at which a section counts as fully realising it (the lexical score's 0.8). */
const FULL_COVERAGE = 0.8;
/** Below half of the plan's concepts, a section is about something else. */
const ON_PLAN_COVERAGE = 0.5;
/** An objective is covered when most of its concepts are in the section. */
const OBJECTIVE_COVERAGE = 0.6;

const concepts = (text: string) => new Set(contentWords(text).map(conceptOf));

export function judgeVerdict(prompt: string): SimulatedVerdict {
  const at = prompt.indexOf(JUDGE_SECTION_HEADING);
  const plan = parsePrompt(at >= 0 ? prompt.slice(0, at) : prompt);
  const sectionText = at >= 0 ? textOf(prompt.slice(at + JUDGE_SECTION_HEADING.length)) : '';
  const inSection = concepts(sectionText);
  const wanted = concepts([plan.workingTitle ?? '', ...plan.objectives, ...plan.keyTopics].join('\n'));
  const covered = [...wanted].filter((c) => inSection.has(c));
  const coverage = wanted.size ? covered.length / wanted.size : 0;
  const objectivesCovered = plan.objectives.filter((objective) => {
    const own = [...concepts(objective)];
    return own.length > 0 && own.filter((c) => inSection.has(c)).length / own.length >= OBJECTIVE_COVERAGE;
  });
  const onPlan = coverage >= ON_PLAN_COVERAGE;
  const missing = plan.keyTopics.filter((topic) => [...concepts(topic)].every((c) => !inSection.has(c)));
  const reasons = [
    `The section covers ${covered.length} of the ${wanted.size} ideas of its plan, in the plan's words or its own.`,
    `${objectivesCovered.length} of ${plan.objectives.length} learning objectives are covered.`,
    ...(missing.length ? [`Key topics not addressed: ${missing.slice(0, 4).join(', ')}.`] : []),
    ...(onPlan ? [] : ['The section is mainly about another subject than its plan.']),
  ];
  return {
    score: Math.round(Math.min(1, coverage / FULL_COVERAGE) * 100) / 100,
    on_plan: onPlan,
    objectives_covered: objectivesCovered,
    reasons: reasons.map((r) => r.slice(0, 300)),
  };
}

/** The section's strings when it is JSON (keys are not content), else the text as it is. */
function textOf(raw: string): string {
  try {
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(JSON.parse(raw.trim()));
    return strings.join('\n');
  } catch {
    return raw;
  }
}
