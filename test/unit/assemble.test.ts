import { assembleCourse, stableUuid } from '../../activities/assemble';
import { buildGenerationMetadata } from '../../activities/generation-metadata';
import type { LedgerRow } from '../../activities/db/ledger';
import { CourseStructureSchema, type MetadataOutput, type SectionOutput } from '../../workflows/schemas';
import type { CommitRequest } from '../../workflows/types';
import { exampleInput } from '../fixtures/example-input';

const metadata: MetadataOutput = {
  course_title: 'Consultative selling for B2B teams',
  course_description: 'A practical course on consultative B2B selling.',
  course_overview: 'From prospecting to account growth, with role-play in every lesson.',
  target_audience: 'Account executives in their first three years',
  difficulty_level: 'intermediate',
  prerequisites: [],
  learning_outcomes: ['Run a structured discovery call', 'Handle price objections', 'Plan a negotiation'],
  course_tags: ['sales', 'b2b', 'discovery', 'negotiation', 'saas'],
};

const section = (lessons: number): SectionOutput => ({
  section_title: 'Discovery conversations',
  section_description: 'How to uncover and quantify real business pain.',
  learning_objectives: ['Run a structured discovery call'],
  lessons: Array.from({ length: lessons }, (_, i) => ({
    lesson_title: `Lesson about discovery ${i}`,
    lesson_objectives: ['Ask open questions that uncover pain'],
    key_topics: ['open questions', 'pain quantification'],
    difficulty_level: 'intermediate' as const,
    practical_exercises: [
      {
        exercise_type: 'role_play',
        exercise_title: 'Discovery role-play',
        exercise_description: 'Run a ten-minute discovery call with a partner.',
        solution_outline: 'Open, probe, quantify, confirm next steps.',
      },
    ],
  })),
});

test('assembly numbers sections and lessons and injects durations, language and stable ids', () => {
  const input = exampleInput({ sections: 2 });
  input.frontend_parameters.lesson_duration_minutes = 20;
  const course = assembleCourse(input, metadata, [section(3), section(4)]);
  expect(CourseStructureSchema.parse(course)).toEqual(course);
  expect(course.sections.map((s) => s.section_number)).toEqual([1, 2]);
  expect(course.sections[1].lessons.map((l) => l.lesson_number)).toEqual([1, 2, 3, 4]);
  expect(course.sections.map((s) => s.estimated_duration_minutes)).toEqual([60, 80]);
  expect(course.estimated_duration_hours).toBeCloseTo(140 / 60, 2);
  expect(course.learning_outcomes.every((o) => o.language === 'en')).toBe(true);
  expect(assembleCourse(input, metadata, [section(3), section(4)]).learning_outcomes).toEqual(course.learning_outcomes);
  expect(new Set(course.learning_outcomes.map((o) => o.id)).size).toBe(3);
});

test('stable ids are RFC 4122 shaped and differ per name', () => {
  expect(stableUuid('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(stableUuid('a')).not.toBe(stableUuid('b'));
});

test('generation metadata counts every ledger row, failed attempts included', () => {
  const row = (phase: string, tokens: [number, number], cost: number, outcome = 'ok'): LedgerRow =>
    ({ phase, promptTokens: tokens[0], completionTokens: tokens[1], costUsd: cost, outcome }) as LedgerRow;
  const ledger = [
    row('metadata', [100, 50], 0.001),
    row('section', [200, 0], 0, 'LLM_RATE_LIMITED'),
    row('section', [200, 300], 0.002, 'LLM_OUTPUT_INVALID'),
    row('section', [200, 400], 0.003),
    row('validation', [70, 0], 0.0001),
  ];
  const receipt = (model: string, attempt: number) => ({ sectionIndex: 0, model, attempt, lessonCount: 6, title: 't', tokens: 0, costUsd: 0 });
  const request: CommitRequest = {
    courseId: 'c',
    sectionCount: 2,
    batchCount: 1,
    qualityScores: { metadata_similarity: 0.9, sections_similarity: [0.8, 0.85], overall: 0.85, backend: 'offline-lexical' },
    durations: { metadata: 1, sections: 2, validation: 3, total: 6 },
    metadataReceipt: receipt('m1', 1),
    sectionReceipts: [receipt('tier-2', 3), receipt('tier-2', 1)],
  };
  const metadata = buildGenerationMetadata(ledger, request, { workflowId: 'w', runId: 'r' }, new Date(0));
  expect(metadata.total_tokens).toEqual({ metadata: 150, sections: 1300, validation: 70, total: 1520 });
  expect(metadata.cost_usd).toBeCloseTo(0.0061, 8);
  expect(metadata.llm_calls).toEqual({ total: 5, failed: 2 });
  expect(metadata.retry_count).toEqual({ metadata: 0, sections: [2, 0] });
  expect(metadata.model_used).toEqual({ metadata: 'm1', sections: 'tier-2', per_section: ['tier-2', 'tier-2'] });
});
