// Pure parts of the LLM simulator: prompt reading, schema-driven generation, the lexical embedding.
import { z } from 'zod';
import { createCourseContent } from '../../simulator/content';
import { cosine, lexicalEmbedding } from '../../simulator/embedding';
import { parsePrompt } from '../../simulator/prompt';
import { createRng } from '../../simulator/random';
import { fitText, generateFromSchema, type JsonSchema } from '../../simulator/schema-gen';
import { buildVocabulary } from '../../simulator/vocabulary';
import { SectionOutputSchema } from '../../workflows/schemas';

const PROMPT = [
  'Title: "Home Espresso: From Beans to Latte Art"',
  'Topic: Home espresso brewing',
  'Key concepts: grind size; extraction; milk texturing',
  'Section to write: 2 of 5',
  'Working title: Dialling In the Grinder',
  'Lessons: 4',
  'Learning objectives:',
  '- Adjust grind size to hit a target shot time',
  '- Diagnose sour and bitter shots',
  'Key topics:',
  '- burr grinders',
  '- grind size and shot time',
  '- 3. tasting for under-extraction',
  '',
  'Course map:',
  '- 1. Espresso Basics',
  '- 2. Dialling In the Grinder (this section)',
  '- 3. Milk Texturing',
].join('\n');

function generate(schema: JsonSchema, prompt = PROMPT, seed = 42): unknown {
  const facts = parsePrompt(prompt);
  return generateFromSchema(schema, createCourseContent(buildVocabulary(facts, prompt), 'section', createRng(seed)), createRng(seed));
}

test('parsePrompt reads the labelled contract', () => {
  const facts = parsePrompt(PROMPT);
  expect(facts).toEqual(
    expect.objectContaining({
      title: 'Home Espresso: From Beans to Latte Art',
      topic: 'Home espresso brewing',
      keyConcepts: ['grind size', 'extraction', 'milk texturing'],
      sectionNumber: 2,
      sectionCount: 5,
      workingTitle: 'Dialling In the Grinder',
      lessonCount: 4,
      objectives: ['Adjust grind size to hit a target shot time', 'Diagnose sour and bitter shots'],
      keyTopics: ['burr grinders', 'grind size and shot time', 'tasting for under-extraction'],
    }),
  );
  expect(facts.courseMap.map((e) => [e.number, e.title, e.current])).toEqual([
    [1, 'Espresso Basics', false],
    [2, 'Dialling In the Grinder', true],
    [3, 'Milk Texturing', false],
  ]);
});

test('parsePrompt copes with the prompt builder\'s markdown headings, JSON-quoted and "(user-provided)" values', () => {
  const facts = parsePrompt(
    [
      '## Course',
      'Title: "Espresso \\"Pro\\" Course"',
      'Target audience (user-provided): "Home baristas who own a grinder"',
      'Style (user-provided): (not given)',
      'Complexity: not specified',
      'Preferred exercise types: case_study, analysis',
      '## Section to write: 4 of 9',
      'Working title: Steaming Milk',
    ].join('\n'),
  );
  expect(facts.title).toBe('Espresso "Pro" Course');
  expect(facts.targetAudience).toBe('Home baristas who own a grinder');
  expect(facts.difficulty).toBeUndefined();
  expect(facts.exerciseTypes).toEqual(['case_study', 'analysis']);
  expect([facts.sectionNumber, facts.sectionCount, facts.workingTitle]).toEqual([4, 9, 'Steaming Milk']);
});

test('section generation satisfies the real section schema', () => {
  const value = SectionOutputSchema.parse(generate(z.toJSONSchema(SectionOutputSchema) as JsonSchema));
  expect(value.section_title).toBe('Dialling In the Grinder');
  expect(value.lessons).toHaveLength(4);
  expect(value.section_description).toContain('Milk Texturing'); // the next section in the map
});

test('tight and awkward bounds are respected', () => {
  const Tight = z.strictObject({
    short: z.string().min(3).max(12),
    long: z.string().min(900).max(1000),
    exact: z.array(z.string().min(5).max(8)).length(4),
    small: z.number().int().gt(2).lt(4),
    stepped: z.number().multipleOf(0.25).min(1).max(2),
    maybe: z.string().min(15).nullable(),
  });
  for (const seed of [1, 2, 3]) {
    const value = Tight.parse(generate(z.toJSONSchema(Tight) as JsonSchema, PROMPT, seed));
    expect(value.small).toBe(3);
    expect(value.long).not.toMatch(/\.\.\.|TODO|\[insert/);
  }
});

test('fitText pads with sentences and trims on a word boundary', () => {
  const more = () => 'Another full sentence about burr grinders.';
  expect(fitText('Short.', { path: [], minLength: 40, maxLength: 200 }, more).length).toBeGreaterThanOrEqual(40);
  const trimmed = fitText('one two three four five six seven', { path: [], minLength: 1, maxLength: 15 }, more);
  expect(trimmed.length).toBeLessThanOrEqual(15);
  expect(trimmed).toMatch(/^one two three\.?$/);
});

test('a different prompt gives different wording; the same one the same', () => {
  const schema = z.toJSONSchema(SectionOutputSchema) as JsonSchema;
  expect(generate(schema)).toEqual(generate(schema));
  const other = PROMPT.replace('Dialling In the Grinder', 'Pulling Consistent Shots');
  expect(JSON.stringify(generate(schema, other))).toContain('Pulling Consistent Shots');
});

test('the lexical embedding ignores stop words, punctuation and simple inflections', () => {
  const a = lexicalEmbedding('The grinders, and the shots!', 128);
  const b = lexicalEmbedding('grinder shot', 128);
  expect(cosine(a, b)).toBeCloseTo(1, 6);
  expect(lexicalEmbedding('the and of', 128)).toHaveLength(128); // no content words: still a unit vector
  expect(cosine(lexicalEmbedding('milk texturing', 128), lexicalEmbedding('tax law', 128))).toBeLessThan(0.5);
});
