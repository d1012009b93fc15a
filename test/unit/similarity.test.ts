import { readFileSync } from 'node:fs';
import {
  contentStems,
  cosineSimilarity,
  courseReferenceText,
  generatedSectionText,
  lexicalSimilarity,
  metadataText,
  sectionPlanText,
  stem,
} from '../../activities/similarity';
import { GenerationJobInputSchema, type MetadataOutput } from '../../workflows/schemas';
import { OFF_TOPIC_SECTIONS, ON_TOPIC_SECTIONS } from './similarity-fixtures';

const FIXTURE = '/work/shared/fixtures/t053-synergy-sales.input.json';
const input = GenerationJobInputSchema.parse(JSON.parse(readFileSync(FIXTURE, 'utf8')));
const plans = input.analysis_result.recommended_structure.sections_breakdown;
const QUALITY_THRESHOLD = 0.75;

describe('cosineSimilarity', () => {
  it('is 1 for parallel, 0 for orthogonal and -1 for opposite vectors', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 0], [0, 5])).toBe(0);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1, 12);
  });

  it('computes the angle for arbitrary vectors', () => {
    expect(cosineSimilarity([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('returns 0 for a zero vector instead of NaN', () => {
    expect(cosineSimilarity([0, 0, 0], [1, 2, 3])).toBe(0);
  });

  it('rejects vectors of different length', () => {
    expect(() => cosineSimilarity([1, 2], [1, 2, 3])).toThrow(/differ in length/);
  });
});

describe('stemming', () => {
  it('brings inflections of one word together', () => {
    expect(new Set(['buyer', 'buyers', 'buying'].map(stem))).toEqual(new Set(['buy']));
    expect(new Set(['price', 'prices', 'pricing'].map(stem))).toEqual(new Set(['pric']));
    expect(new Set(['negotiation', 'negotiate', 'negotiating'].map(stem))).toEqual(new Set(['negoti']));
    expect(stem('planning')).toBe(stem('plan'));
    expect(stem('companies')).toBe(stem('company'));
  });

  it('keeps different words apart', () => {
    expect(stem('sell')).not.toBe(stem('spell'));
    expect(stem('trust')).not.toBe(stem('truth'));
  });

  it('drops stop words, generic course words and numbers', () => {
    expect([...contentStems('In this lesson you will learn 5 key techniques for pricing')]).toEqual(['pric']);
  });
});

describe('text builders', () => {
  it('sectionPlanText holds the area, objectives and key topics, not the pedagogy', () => {
    const text = sectionPlanText(plans[6]);
    expect(text).toContain('Negotiation and Closing Techniques');
    expect(text).toContain('Plan a negotiation with walk-away points and trades');
    expect(text).toContain('BATNA and concessions');
    expect(text).not.toContain('role-play scenarios');
  });

  it('generatedSectionText holds lesson titles, objectives, key topics and exercise titles', () => {
    const text = generatedSectionText(ON_TOPIC_SECTIONS[6]);
    expect(text).toContain('Preparing to Negotiate: BATNA and Walk-Away Points');
    expect(text).toContain('Trade every concession for something of value');
    expect(text).toContain('security questionnaires');
    expect(text).toContain('Complete a negotiation planning worksheet');
    expect(text).not.toContain('Work through the scenario'); // exercise descriptions are left out
  });

  it('courseReferenceText holds the title, the topic and the key concepts', () => {
    expect(courseReferenceText(input).split('\n')).toEqual([
      'Synergy Sales: Consultative Selling for B2B Teams',
      'Consultative B2B sales',
      'discovery',
      'value proposition',
      'objection handling',
      'negotiation',
      'account growth',
    ]);
  });
});

describe('lexicalSimilarity', () => {
  it('is 0 for disjoint texts and 1 for identical ones', () => {
    expect(lexicalSimilarity('objection handling for sales teams', 'sourdough starter feeding schedule')).toBe(0);
    expect(lexicalSimilarity('objection handling for sales teams', 'objection handling for sales teams')).toBe(1);
  });

  it('is 0 for a reference without content words', () => {
    expect(lexicalSimilarity('the and of', 'anything at all')).toBe(0);
  });

  it('scales with the share of the reference that the candidate covers', () => {
    const reference = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet';
    expect(lexicalSimilarity(reference, 'alpha bravo charlie delta')).toBeCloseTo(0.4 / 0.8, 10);
    expect(lexicalSimilarity(reference, 'alpha bravo charlie delta echo foxtrot')).toBeCloseTo(0.6 / 0.8, 10);
    expect(lexicalSimilarity(reference, 'alpha bravo charlie delta echo foxtrot golf hotel india')).toBe(1);
  });

  describe('calibration on the T053 course', () => {
    const score = (planIndex: number, section: (typeof ON_TOPIC_SECTIONS)[number]) =>
      lexicalSimilarity(sectionPlanText(plans[planIndex]), generatedSectionText(section));
    const matrix = plans.map((_, i) => ON_TOPIC_SECTIONS.map((section) => score(i, section)));
    const offTopic = plans.map((_, i) => OFF_TOPIC_SECTIONS.map((section) => score(i, section)));

    afterAll(() => {
      const row = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
      const lines = plans.map(
        (plan, i) =>
          `${i} ${plan.area.padEnd(50)} own ${matrix[i][i].toFixed(2)}` +
          ` | other sections ${row(matrix[i].filter((_, j) => j !== i))} | off-topic ${row(offTopic[i])}`,
      );
      if (process.env.SHOW_CALIBRATION) console.log(lines.join('\n'));
    });

    it('has one hand-written section per plan', () => {
      expect(ON_TOPIC_SECTIONS).toHaveLength(plans.length);
      expect(plans).toHaveLength(8);
    });

    it.each(plans.map((plan, i) => [i, plan.area] as const))('plan %i (%s): own section scores at least 0.80', (i) => {
      expect(matrix[i][i]).toBeGreaterThanOrEqual(0.8);
    });

    it.each(plans.map((plan, i) => [i, plan.area] as const))(
      'plan %i (%s): off-topic sections score at most 0.40',
      (i) => {
        for (const value of offTopic[i]) expect(value).toBeLessThanOrEqual(0.4);
      },
    );

    it.each(plans.map((plan, i) => [i, plan.area] as const))(
      'plan %i (%s): sections for other plans score clearly lower and fail the threshold',
      (i) => {
        const others = matrix[i].filter((_, j) => j !== i);
        expect(Math.max(...others)).toBeLessThan(QUALITY_THRESHOLD);
        expect(matrix[i][i] - Math.max(...others)).toBeGreaterThanOrEqual(0.3);
      },
    );

    it('a section that only copies the plan title does not pass', () => {
      const titleOnly = { ...OFF_TOPIC_SECTIONS[0], section_title: plans[5].area };
      expect(score(5, titleOnly)).toBeLessThan(QUALITY_THRESHOLD);
    });
  });

  describe('metadata against the course reference', () => {
    const onTopic: MetadataOutput = {
      course_title: 'Synergy Sales: Consultative Selling for B2B Teams',
      course_description:
        'A practical course for account executives and SDRs in B2B software on consultative selling, from discovery calls to negotiation and account growth.',
      course_overview:
        'Follow a real SaaS sales cycle: run discovery, craft value propositions for buying committees, handle objections, negotiate and close, then expand accounts.',
      target_audience: 'Account executives and sales development reps with 0-3 years of experience',
      difficulty_level: 'intermediate',
      prerequisites: [],
      learning_outcomes: [
        'Run structured discovery conversations that quantify business pain',
        'Write a value proposition for each member of a buying committee',
        'Handle objections about price, status quo and competitors',
        'Negotiate with a clear BATNA and close with a mutual action plan',
      ],
      course_tags: ['B2B sales', 'consultative selling', 'discovery', 'negotiation', 'account management'],
    };
    const offTopic: MetadataOutput = {
      course_title: 'Sourdough Baking at Home',
      course_description: 'Bake crusty sourdough loaves at home with a healthy starter and a simple weekly routine.',
      course_overview: 'From feeding a starter to shaping, scoring and baking with steam in a Dutch oven.',
      target_audience: 'Home bakers who have baked yeasted bread before',
      difficulty_level: 'beginner',
      prerequisites: [],
      learning_outcomes: [
        'Maintain an active sourdough starter',
        'Judge bulk fermentation by reading the dough',
        'Shape and score loaves for good oven spring',
      ],
      course_tags: ['baking', 'sourdough', 'bread', 'fermentation', 'home cooking'],
    };

    it('scores the matching metadata at least 0.80 and unrelated metadata at most 0.40', () => {
      const reference = courseReferenceText(input);
      expect(lexicalSimilarity(reference, metadataText(onTopic))).toBeGreaterThanOrEqual(0.8);
      expect(lexicalSimilarity(reference, metadataText(offTopic))).toBeLessThanOrEqual(0.4);
    });

    it('metadataText includes the title, description, overview, outcomes and tags', () => {
      const text = metadataText(onTopic);
      const parts = [onTopic.course_title, onTopic.course_overview, onTopic.learning_outcomes[3], 'account management'];
      for (const part of parts) expect(text).toContain(part);
      expect(text).not.toContain(onTopic.target_audience);
    });
  });
});
