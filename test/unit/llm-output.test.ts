import { z } from 'zod';
import { extractJsonText, parseLlmOutput, toSnakeCase } from '../../activities/llm-output';
import { MetadataOutputSchema, SectionOutputSchema, type SectionOutput } from '../../workflows/schemas';

const validSection: SectionOutput = {
  section_title: 'Handling Objections with Confidence',
  section_description: 'Classify common objections and answer each one without losing the deal.',
  learning_objectives: ['Classify common objections by type', 'Use objections to deepen commitment'],
  lessons: [
    {
      lesson_title: 'Answering Price Objections',
      lesson_objectives: ['Respond to "too expensive" without discounting'],
      key_topics: ['price objections', 'value reframing'],
      difficulty_level: 'intermediate',
      practical_exercises: [
        {
          exercise_type: 'role_play',
          exercise_title: 'Price objection role-play',
          exercise_description: 'A procurement lead says your quote is 30% above budget. Respond in three turns.',
          solution_outline: 'Acknowledge, reconnect to quantified value, trade rather than discount.',
        },
      ],
    },
  ],
};
const validJson = JSON.stringify(validSection, null, 2);

function expectOk<T>(result: ReturnType<typeof parseLlmOutput<T>>): { value: T; repairs: string[] } {
  if (!result.ok) throw new Error(`expected ok, got problems:\n${result.problems.join('\n')}`);
  return result;
}

function expectProblems(result: ReturnType<typeof parseLlmOutput<unknown>>): string[] {
  if (result.ok) throw new Error('expected problems, got a value');
  return result.problems;
}

describe('parseLlmOutput', () => {
  it('passes valid JSON through unchanged and reports no repairs', () => {
    const { value, repairs } = expectOk(parseLlmOutput(validJson, SectionOutputSchema));
    expect(value).toEqual(validSection);
    expect(repairs).toEqual([]);
  });

  it('extracts JSON from a ```json fence', () => {
    const raw = `Here is the section:\n\`\`\`json\n${validJson}\n\`\`\`\nLet me know if you need changes.`;
    const { value, repairs } = expectOk(parseLlmOutput(raw, SectionOutputSchema));
    expect(value).toEqual(validSection);
    expect(repairs).toContain('extracted JSON from markdown fence');
  });

  it('extracts JSON from a bare ``` fence', () => {
    const { value } = expectOk(parseLlmOutput(`\`\`\`\n${validJson}\n\`\`\``, SectionOutputSchema));
    expect(value).toEqual(validSection);
  });

  it('skips a fence without JSON and uses the one that has it', () => {
    const raw = `\`\`\`text\nno json here\n\`\`\`\n\`\`\`json\n${validJson}\n\`\`\``;
    expect(expectOk(parseLlmOutput(raw, SectionOutputSchema)).value).toEqual(validSection);
  });

  it('extracts JSON surrounded by prose that has braces of its own', () => {
    const raw = `Sure! Keys look like {"key": "value"}. Here it is:\n${validJson}\nHope this helps {:}`;
    const { value, repairs } = expectOk(parseLlmOutput(raw, SectionOutputSchema));
    expect(value).toEqual(validSection);
    expect(repairs).toContain('removed text around JSON');
  });

  it('removes <think> blocks that contain braces', () => {
    const raw = `<think>The schema wants {section_title}... let me draft.</think>\n${validJson}`;
    const { value, repairs } = expectOk(parseLlmOutput(raw, SectionOutputSchema));
    expect(value).toEqual(validSection);
    expect(repairs).toContain('removed <think> block');
  });

  it('does not look for fences inside JSON strings', () => {
    const section = structuredClone(validSection);
    section.lessons[0].practical_exercises[0].exercise_description = 'Paste this: ```{"x": 1}``` into the CRM notes field.';
    const { value } = expectOk(parseLlmOutput(JSON.stringify(section), SectionOutputSchema));
    expect(value).toEqual(section);
  });

  it('repairs trailing commas', () => {
    const raw = validJson.replace('"value reframing"', '"value reframing",').replace(/\]\n}$/, '],\n}');
    expect(() => JSON.parse(raw)).toThrow();
    const { value, repairs } = expectOk(parseLlmOutput(raw, SectionOutputSchema));
    expect(value).toEqual(validSection);
    expect(repairs.some((r) => r.startsWith('repaired malformed JSON'))).toBe(true);
  });

  it('repairs single-quoted JSON', () => {
    const raw = "{'section_title': 'Handling Objections with Confidence', 'section_description': 'Classify common objections and answer each one.', 'learning_objectives': ['Classify common objections by type'], 'lessons': " +
      JSON.stringify(validSection.lessons) + '}';
    const { value } = expectOk(parseLlmOutput(raw, SectionOutputSchema));
    expect(value.section_title).toBe('Handling Objections with Confidence');
    expect(value.lessons).toEqual(validSection.lessons);
  });

  it('fails validation for truncated JSON instead of crashing', () => {
    const truncated = validJson.slice(0, validJson.indexOf('"solution_outline"') - 5);
    const problems = expectProblems(parseLlmOutput(truncated, SectionOutputSchema));
    expect(problems.join('\n')).toMatch(/lessons\.0\.practical_exercises\.0\.solution_outline/);
  });

  it('fails validation for output cut inside an unterminated fence', () => {
    const raw = `\`\`\`json\n${validJson.slice(0, 120)}`;
    const problems = expectProblems(parseLlmOutput(raw, SectionOutputSchema));
    expect(problems.some((p) => p.startsWith('lessons'))).toBe(true);
  });

  it('reports output without any JSON', () => {
    expect(expectProblems(parseLlmOutput('I cannot help with that.', SectionOutputSchema))).toEqual([
      'output contains no JSON value',
    ]);
    expect(expectProblems(parseLlmOutput('', SectionOutputSchema))).toEqual(['output contains no JSON value']);
  });

  it('renames camelCase, PascalCase and kebab-case fields to the schema’s snake_case', () => {
    const raw = JSON.stringify({
      SectionTitle: validSection.section_title,
      'section-description': validSection.section_description,
      learningObjectives: validSection.learning_objectives,
      lessons: validSection.lessons.map((lesson) => ({
        lessonTitle: lesson.lesson_title,
        lessonObjectives: lesson.lesson_objectives,
        keyTopics: lesson.key_topics,
        difficultyLevel: lesson.difficulty_level,
        practicalExercises: lesson.practical_exercises.map((exercise) => ({
          exerciseType: exercise.exercise_type,
          exerciseTitle: exercise.exercise_title,
          exerciseDescription: exercise.exercise_description,
          solutionOutline: exercise.solution_outline,
        })),
      })),
    });
    const { value, repairs } = expectOk(parseLlmOutput(raw, SectionOutputSchema));
    expect(value).toEqual(validSection);
    expect(repairs).toContain('renamed field lessonTitle -> lesson_title');
    expect(repairs).toContain('renamed field SectionTitle -> section_title');
  });

  it('applies aliases according to the level they appear at', () => {
    const raw = JSON.stringify({
      title: validSection.section_title,
      description: validSection.section_description,
      objectives: validSection.learning_objectives,
      lessons: validSection.lessons.map((lesson) => ({
        title: lesson.lesson_title,
        objectives: lesson.lesson_objectives,
        topics: lesson.key_topics,
        difficulty: lesson.difficulty_level,
        exercises: lesson.practical_exercises.map((exercise) => ({
          type: exercise.exercise_type,
          title: exercise.exercise_title,
          description: exercise.exercise_description,
          solution: exercise.solution_outline,
        })),
      })),
    });
    const { value, repairs } = expectOk(parseLlmOutput(raw, SectionOutputSchema));
    expect(value).toEqual(validSection);
    expect(repairs).toEqual(
      expect.arrayContaining([
        'renamed field title -> section_title',
        'renamed field title -> lesson_title',
        'renamed field objectives -> learning_objectives',
        'renamed field objectives -> lesson_objectives',
        'renamed field exercises -> practical_exercises',
      ]),
    );
  });

  it('does not alias over a field that is already present', () => {
    const raw = JSON.stringify({ ...validSection, title: 'An extra title the model added' });
    const problems = expectProblems(parseLlmOutput(raw, SectionOutputSchema));
    expect(problems.join('\n')).toMatch(/Unrecognized key.*title/);
  });

  it('accepts caller aliases', () => {
    const { section_title, ...rest } = validSection;
    const raw = JSON.stringify({ ...rest, heading: section_title });
    expect(expectProblems(parseLlmOutput(raw, SectionOutputSchema)).join('\n')).toMatch(/section_title/);
    const { value } = expectOk(parseLlmOutput(raw, SectionOutputSchema, { aliases: { heading: 'section_title' } }));
    expect(value).toEqual(validSection);
  });

  it('derives expected keys from optional, defaulted and array-wrapped schemas', () => {
    const schema = z.strictObject({
      items: z.array(z.strictObject({ item_name: z.string(), extra_info: z.string().optional() })).optional(),
      settings: z.strictObject({ max_count: z.number() }).default({ max_count: 1 }),
    });
    const { value } = expectOk(
      parseLlmOutput('{"Items": [{"itemName": "a", "extraInfo": "b"}], "settings": {"maxCount": 3}}', schema),
    );
    expect(value).toEqual({ items: [{ item_name: 'a', extra_info: 'b' }], settings: { max_count: 3 } });
  });

  it('unwraps a single top-level envelope object', () => {
    const { value, repairs } = expectOk(parseLlmOutput(JSON.stringify({ section: validSection }), SectionOutputSchema));
    expect(value).toEqual(validSection);
    expect(repairs).toContain('unwrapped top-level "section" object');
  });

  it('parses top-level arrays when the schema expects one', () => {
    const schema = z.array(z.strictObject({ key_topic: z.string() }));
    const { value } = expectOk(parseLlmOutput('Topics: [{"keyTopic": "pricing"}, {"keyTopic": "BATNA"}] done', schema));
    expect(value).toEqual([{ key_topic: 'pricing' }, { key_topic: 'BATNA' }]);
  });

  it('reports placeholders with their paths even when the schema accepts them', () => {
    const section = structuredClone(validSection);
    section.lessons[0].key_topics[1] = 'TODO: add topic';
    section.section_description = 'Lorem ipsum dolor sit amet, consectetur.';
    const problems = expectProblems(parseLlmOutput(JSON.stringify(section), SectionOutputSchema));
    expect(problems).toEqual(
      expect.arrayContaining(['section_description: placeholder text', 'lessons.0.key_topics.1: placeholder text']),
    );
  });

  it('lists schema problems with paths', () => {
    const section = structuredClone(validSection) as unknown as Record<string, unknown>;
    section.section_title = 'Short';
    (section.lessons as Array<Record<string, unknown>>)[0].difficulty_level = 'expert';
    const problems = expectProblems(parseLlmOutput(JSON.stringify(section), SectionOutputSchema));
    expect(problems.some((p) => p.startsWith('section_title: '))).toBe(true);
    expect(problems.some((p) => p.startsWith('lessons.0.difficulty_level: '))).toBe(true);
  });

  it('caps the problem list at 20 entries plus a count', () => {
    const metadata = {
      course_title: 'x',
      course_description: 'x',
      course_overview: 'x',
      target_audience: 'x',
      difficulty_level: 'x',
      prerequisites: Array(10).fill('x'),
      learning_outcomes: Array(15).fill('x'),
      course_tags: Array(20).fill('x'),
    };
    const problems = expectProblems(parseLlmOutput(JSON.stringify(metadata), MetadataOutputSchema));
    expect(problems).toHaveLength(21);
    expect(problems[20]).toMatch(/^… and \d+ more$/);
  });

  it('keeps a "__proto__" key as data and rejects it as unknown', () => {
    const raw = `{"__proto__": {"polluted": true}, ${validJson.slice(1)}`;
    const problems = expectProblems(parseLlmOutput(raw, SectionOutputSchema));
    expect(problems.join('\n')).toMatch(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('extractJsonText', () => {
  it('runs an unbalanced object to the end of the text', () => {
    expect(extractJsonText('prefix {"a": [1, 2', '{')).toBe('{"a": [1, 2');
  });

  it('takes the longest balanced object', () => {
    expect(extractJsonText('a {"x": 1} b {"y": [1, 2, 3]} c {}', '{')).toBe('{"y": [1, 2, 3]}');
  });

  it('ignores braces inside strings when matching', () => {
    expect(extractJsonText('x {"a": "}{", "b": "\\"}"} y', '{')).toBe('{"a": "}{", "b": "\\"}"}');
  });
});

describe('toSnakeCase', () => {
  it.each([
    ['lessonTitle', 'lesson_title'],
    ['LessonTitle', 'lesson_title'],
    ['lesson-title', 'lesson_title'],
    ['Lesson Title', 'lesson_title'],
    ['HTMLContent', 'html_content'],
    ['already_snake', 'already_snake'],
  ])('%s → %s', (input, expected) => {
    expect(toSnakeCase(input)).toBe(expected);
  });
});
