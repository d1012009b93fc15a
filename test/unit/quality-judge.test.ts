// Judge-assisted quality, the pure parts: which sections go to the judge (band, deterministic sample), how a verdict
// decides, the verdict's schema as sent to the model, the settings, and the simulated judge's calibration on the
// example course (good, off-topic and paraphrased sections, read from the prompt the pipeline really sends).
import { responseFormatFor } from '../../activities/llm-provider';
import { describeProgress } from '../../client/progress-display';
import { buildJudgeMessages, buildRepairMessages, buildSectionMessages } from '../../activities/prompts';
import { generatedSectionText, lexicalSimilarity, sectionPlanText } from '../../activities/similarity';
import { createCourseContent } from '../../simulator/content';
import { OFF_TOPIC_PROMPT } from '../../simulator/faults';
import { judgeVerdict } from '../../simulator/judge';
import { paraphraseAnswer } from '../../simulator/paraphrase';
import { parsePrompt, promptText, type ChatMessage } from '../../simulator/prompt';
import { createRng, hashString } from '../../simulator/random';
import { generateFromSchema, type JsonSchema } from '../../simulator/schema-gen';
import { buildVocabulary } from '../../simulator/vocabulary';
import { ConfigError, loadConfig } from '../../workers/config';
import { describeJudgement } from '../../workflows/progress';
import { decidedScore, isSampled, judgeReason, verdictPasses } from '../../workflows/quality-judge';
import {
  JUDGE_SCHEMA_NAME,
  JudgeVerdictSchema,
  SECTION_SCHEMA_NAME,
  SectionOutputSchema,
  type GenerationJobInput,
  type SectionOutput,
} from '../../workflows/schemas';
import type { JudgedSection, QualityJudgeSettings } from '../../workflows/types';
import { exampleInput } from '../fixtures/example-input';

const judge: QualityJudgeSettings = { bandBelow: 0.15, bandAbove: 0.05, sample: 0, activityTimeoutMs: 90_000 };
const COURSE = '64d0d5e9-f058-4b51-9bce-9c7480830323';

describe('which sections the judge reads', () => {
  test('the band is [threshold − below, threshold + above): its edges', () => {
    expect(judgeReason(0.6, 0.75, judge, COURSE, 0)).toBe('band');
    expect(judgeReason(0.7499, 0.75, judge, COURSE, 0)).toBe('band');
    expect(judgeReason(0.75, 0.75, judge, COURSE, 0)).toBe('band');
    expect(judgeReason(0.7999, 0.75, judge, COURSE, 0)).toBe('band');
    expect(judgeReason(0.8, 0.75, judge, COURSE, 0)).toBeNull();
    expect(judgeReason(0.5999, 0.75, judge, COURSE, 0)).toBeNull();
    expect(judgeReason(1, 0.75, judge, COURSE, 0)).toBeNull();
  });

  test('the sample is deterministic per course and section, and about the share asked for', () => {
    const courses = Array.from({ length: 400 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const draws = courses.flatMap((course) => Array.from({ length: 8 }, (_, index) => isSampled(course, index, 0.05)));
    const share = draws.filter(Boolean).length / draws.length;
    expect(share).toBeGreaterThan(0.035);
    expect(share).toBeLessThan(0.065);
    // The same course and section: the same answer every time (a replay selects the same sections).
    const again = courses.flatMap((course) => Array.from({ length: 8 }, (_, index) => isSampled(course, index, 0.05)));
    expect(again).toEqual(draws);
    expect(courses.some((course) => isSampled(course, 0, 0))).toBe(false);
    expect(courses.every((course) => isSampled(course, 3, 1))).toBe(true);
    // A sampled section outside the band is judged for the sample; inside the band the band is the reason.
    const sampled = courses.find((course) => isSampled(course, 2, 0.05))!;
    expect(judgeReason(1, 0.75, { ...judge, sample: 0.05 }, sampled, 2)).toBe('sample');
    expect(judgeReason(0.7, 0.75, { ...judge, sample: 0.05 }, sampled, 2)).toBe('band');
  });
});

describe('the verdict', () => {
  const verdict = { score: 0.9, on_plan: true, objectives_covered: ['Run a structured discovery call'], reasons: ['Covers the plan.'] };

  test('passes only on plan and at the threshold or above', () => {
    expect(verdictPasses(verdict, 0.75)).toBe(true);
    expect(verdictPasses({ ...verdict, score: 0.75 }, 0.75)).toBe(true);
    expect(verdictPasses({ ...verdict, score: 0.74 }, 0.75)).toBe(false);
    expect(verdictPasses({ ...verdict, on_plan: false }, 0.75)).toBe(false);
  });

  test('the judge’s score counts for a section it decided; the embedding score when it could not answer', () => {
    const decided: JudgedSection = { section_number: 1, why: 'band', embedding_score: 0.62, verdict, model: 'm', passed: true, decided_by: 'judge' };
    const fallback: JudgedSection = { ...decided, verdict: null, model: null, passed: false, decided_by: 'embedding', error: 'LLM_UNAVAILABLE: down' };
    expect(decidedScore(0.62, decided)).toBe(0.9);
    expect(decidedScore(0.62, fallback)).toBe(0.62);
    expect(decidedScore(0.62, undefined)).toBe(0.62);
    expect(describeJudgement(decided)).toContain('on plan, score 0.9 — passes');
    expect(describeJudgement(fallback)).toContain('judge unavailable, the embedding score decided (fails)');
    const line = describeProgress({
      phase: 'validate_quality',
      sectionsTotal: 2,
      sectionsDone: 2,
      sectionsRunning: 0,
      sectionsFailed: 0,
      sections: [],
      judged: [decided, fallback],
      tokens: 10,
      costUsd: 0,
      durations: {},
    });
    expect(line).toContain('2 judged (1 rejected)');
  });

  test('the schema rejects what a judge must not answer, and is sent as a strict JSON Schema', () => {
    expect(JudgeVerdictSchema.safeParse(verdict).success).toBe(true);
    expect(JudgeVerdictSchema.safeParse({ ...verdict, score: 1.2 }).success).toBe(false);
    expect(JudgeVerdictSchema.safeParse({ ...verdict, on_plan: 'yes' }).success).toBe(false);
    expect(JudgeVerdictSchema.safeParse({ ...verdict, reasons: [] }).success).toBe(false);
    expect(JudgeVerdictSchema.safeParse({ ...verdict, extra: 1 }).success).toBe(false);
    const format = responseFormatFor(JUDGE_SCHEMA_NAME, JudgeVerdictSchema);
    expect(format.json_schema).toMatchObject({ name: 'section_judgement', strict: true });
    expect(format.json_schema.schema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['score', 'on_plan', 'objectives_covered', 'reasons'],
      properties: { score: { type: 'number', minimum: 0, maximum: 1 }, on_plan: { type: 'boolean' } },
    });
  });
});

describe('settings', () => {
  const base = { LLM_API_KEY: 'x' };
  test('defaults: on, band 0.15 below and 0.05 above, 5 % sample, OSS 120B first', () => {
    const config = loadConfig(base);
    expect(config.settings.qualityJudge).toEqual({ bandBelow: 0.15, bandAbove: 0.05, sample: 0.05, activityTimeoutMs: 90_000 });
    expect(config.llm.judgeModels[0]).toBe('openai/gpt-oss-120b');
    expect(config.llm.judgeTimeoutMs).toBe(60_000);
  });
  test('off, a band of its own, and bad values named', () => {
    expect(loadConfig({ ...base, QUALITY_JUDGE: 'off' }).settings.qualityJudge).toBeNull();
    expect(loadConfig({ ...base, QUALITY_JUDGE_BAND: '0.2, 0.1', QUALITY_JUDGE_SAMPLE: '0' }).settings.qualityJudge).toMatchObject({
      bandBelow: 0.2,
      bandAbove: 0.1,
      sample: 0,
    });
    expect(() => loadConfig({ ...base, QUALITY_JUDGE_BAND: '0.2' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, QUALITY_JUDGE_BAND: '0.2,-1' })).toThrow(/QUALITY_JUDGE_BAND/);
    expect(() => loadConfig({ ...base, QUALITY_JUDGE_SAMPLE: '2' })).toThrow(/QUALITY_JUDGE_SAMPLE/);
    expect(() => loadConfig({ ...base, QUALITY_JUDGE: 'maybe' })).toThrow(/QUALITY_JUDGE/);
  });
});

describe('the simulated judge on the example course', () => {
  const input: GenerationJobInput = exampleInput();
  const plans = input.analysis_result.recommended_structure.sections_breakdown;
  const schema = responseFormatFor(SECTION_SCHEMA_NAME, SectionOutputSchema).json_schema.schema as JsonSchema;

  /** What the simulator writes for section `index`: as asked, about baking instead, or reworded. */
  function sections(index: number) {
    const prompt = promptText(buildSectionMessages(input, index, 1) as ChatMessage[]);
    const facts = parsePrompt(prompt);
    const write = (vocabularyPrompt: string, lessonCount?: number) => {
      const rng = createRng(hashString(prompt));
      const vocabulary = buildVocabulary({ ...parsePrompt(vocabularyPrompt), ...(lessonCount ? { lessonCount } : {}) }, vocabularyPrompt);
      return generateFromSchema(schema, createCourseContent(vocabulary, 'section', rng), rng) as SectionOutput;
    };
    const good = write(prompt);
    return { good, offTopic: write(OFF_TOPIC_PROMPT, facts.lessonCount), paraphrased: paraphraseAnswer(good, schema, facts) as SectionOutput };
  }
  const lexical = (index: number, section: SectionOutput) => lexicalSimilarity(sectionPlanText(plans[index]), generatedSectionText(section));
  const verdictOn = (index: number, section: SectionOutput) => judgeVerdict(promptText(buildJudgeMessages(input, index, section) as ChatMessage[]));

  test.each(plans.map((_, index) => index))('section %i: good on plan, off-topic off plan, paraphrase on plan', (index) => {
    const { good, offTopic, paraphrased } = sections(index);
    expect(verdictOn(index, good)).toMatchObject({ on_plan: true, score: 1, objectives_covered: plans[index].learning_objectives });
    const off = verdictOn(index, offTopic);
    expect(off.on_plan).toBe(false);
    expect(off.score).toBeLessThan(0.5);
    expect(off.objectives_covered).toEqual([]);
    expect(verdictOn(index, paraphrased)).toMatchObject({ on_plan: true, score: 1 });
    expect(lexical(index, paraphrased)).toBeLessThan(lexical(index, good));
  });

  test('a paraphrase moves the lexical score of section 1 into the band below the threshold', () => {
    const { good, paraphrased } = sections(0);
    expect(lexical(0, good)).toBe(1);
    expect(lexical(0, paraphrased)).toBeGreaterThanOrEqual(0.6);
    expect(lexical(0, paraphrased)).toBeLessThan(0.75);
    expect(paraphrased.section_title).not.toBe(good.section_title);
    expect(SectionOutputSchema.safeParse(paraphrased).success).toBe(true);
  });

  test('the judge’s rejection reaches the repair prompt', () => {
    const [, user] = buildRepairMessages(input, 1, {
      reason: 'judge',
      previousModel: 'openai/gpt-oss-120b',
      before: 0.12,
      required: 0.75,
      judgeReasons: ['The section is mainly about another subject than its plan.'],
    });
    expect(user.content).toContain('rejected it as not realising this section');
    expect(user.content).toContain('mainly about another subject');
  });
});
