// METADATA_ROUTING=hybrid, the pure parts: the two halves' schemas partition the metadata schema, their merge is
// validated by the full schema (a bad merge names its fields), the support prompt works from the analysis alone,
// and generation_metadata counts both calls.
import { ApplicationFailure } from '@temporalio/common';
import { buildGenerationMetadata } from '../../activities/generation-metadata';
import { mergeMetadata } from '../../activities/metadata-merge';
import { buildCriticalMetadataMessages, buildMetadataMessages, buildSupportMetadataMessages } from '../../activities/prompts';
import type { LedgerRow } from '../../activities/db/ledger';
import {
  MetadataCriticalOutputSchema,
  MetadataOutputSchema,
  MetadataSupportOutputSchema,
  type MetadataCriticalOutput,
  type MetadataSupportOutput,
} from '../../workflows/schemas';
import { ErrorType, NON_RETRYABLE_ERROR_TYPES, type CommitRequest } from '../../workflows/types';
import { exampleInput } from '../fixtures/example-input';

const critical: MetadataCriticalOutput = {
  course_title: 'Consultative selling for B2B teams',
  course_description: 'A practical course on consultative B2B selling.',
  learning_outcomes: ['Run a structured discovery call', 'Handle price objections', 'Plan a negotiation'],
};
const support: MetadataSupportOutput = {
  course_overview: 'From prospecting to account growth, with role-play in every lesson.',
  target_audience: 'Account executives in their first three years',
  difficulty_level: 'intermediate',
  prerequisites: [],
  course_tags: ['sales', 'b2b', 'discovery', 'negotiation', 'saas'],
};

test('the critical and support schemas split the metadata fields between them, each field once', () => {
  const criticalFields = Object.keys(MetadataCriticalOutputSchema.shape);
  const supportFields = Object.keys(MetadataSupportOutputSchema.shape);
  expect(criticalFields.sort()).toEqual(['course_description', 'course_title', 'learning_outcomes']);
  expect([...criticalFields, ...supportFields].sort()).toEqual(Object.keys(MetadataOutputSchema.shape).sort());
  // Strict like the full schema: a half that writes the other half's fields is rejected, not merged.
  expect(MetadataSupportOutputSchema.safeParse({ ...support, course_title: 'A title from the wrong model' }).success).toBe(false);
});

test('two valid halves merge into metadata the full schema accepts, each field from its own half', () => {
  const merged = mergeMetadata(critical, support);
  expect(MetadataOutputSchema.parse(merged)).toEqual({ ...critical, ...support });
  // A stored half carrying a stray field of the other half does not overwrite the owner's value.
  const stray = { ...support, course_title: 'Not the critical title' } as MetadataSupportOutput;
  expect(mergeMetadata(critical, stray).course_title).toBe(critical.course_title);
});

test('a merge the full schema rejects is a non-retryable METADATA_MERGE_FAILED naming the fields', () => {
  const { course_tags: _tags, ...noTags } = support;
  const broken = { ...critical, learning_outcomes: ['too few'] };
  let failure: unknown;
  try {
    mergeMetadata(broken, noTags as MetadataSupportOutput);
  } catch (error) {
    failure = error;
  }
  expect(failure).toBeInstanceOf(ApplicationFailure);
  const { type, nonRetryable, message, details } = failure as ApplicationFailure;
  expect({ type, nonRetryable }).toEqual({ type: ErrorType.METADATA_MERGE_FAILED, nonRetryable: true });
  expect(message).toContain('course_tags');
  expect(message).toContain('learning_outcomes');
  expect(details).toEqual([{ fields: ['learning_outcomes', 'course_tags'] }]);
  expect(NON_RETRYABLE_ERROR_TYPES).toContain(ErrorType.METADATA_MERGE_FAILED);
});

test('each half is asked only for its fields, from the same analysis; the support prompt needs no critical answer', () => {
  const input = exampleInput();
  const text = (messages: ReturnType<typeof buildMetadataMessages>) => messages.map((m) => m.content).join('\n');
  const single = text(buildMetadataMessages(input, 1));
  const criticalPrompt = text(buildCriticalMetadataMessages(input, 1));
  const supportPrompt = text(buildSupportMetadataMessages(input, 1));
  const course = single.slice(0, single.indexOf('## Task'));
  // The course part (analysis, size, section map) is the single call's, word for word.
  expect(criticalPrompt.startsWith(course)).toBe(true);
  expect(supportPrompt.startsWith(course)).toBe(true);
  expect(criticalPrompt).toMatch(/title .*description .*learning\s+outcomes/s);
  expect(supportPrompt).toMatch(/overview.*target audience.*difficulty level.*prerequisites.*tags/s);
  expect(supportPrompt).toContain('are written separately');
  // Retries get the strict rules, as for every other call.
  expect(text(buildSupportMetadataMessages(input, 2))).toContain('a previous attempt was rejected');
});

test('generation metadata counts both metadata calls: models, retries, tokens and reuse of each half', () => {
  const row = (phase: string, tokens: [number, number], cost: number, outcome = 'ok'): LedgerRow =>
    ({ phase, promptTokens: tokens[0], completionTokens: tokens[1], costUsd: cost, outcome }) as LedgerRow;
  const ledger = [
    row('metadata', [100, 50], 0.002),
    row('metadata_support', [100, 0], 0, 'LLM_UNAVAILABLE'),
    row('metadata_support', [100, 40], 0.0005),
    row('section', [200, 400], 0.003),
  ];
  const receipt = (sectionIndex: number | null, model: string, attempt: number) =>
    ({ sectionIndex, model, attempt, lessonCount: 0, title: 't', tokens: 0, costUsd: 0 });
  const request: CommitRequest = {
    courseId: 'c',
    sectionCount: 1,
    batchCount: 1,
    qualityScores: { metadata_similarity: 0.9, sections_similarity: [0.8], overall: 0.85, backend: 'offline-lexical' },
    durations: { metadata: 1, sections: 2, validation: 3, total: 6 },
    metadataReceipt: { ...receipt(null, 'qwen/qwen3-max', 1), part: 'critical', reusedFromRunId: 'earlier' },
    metadataSupportReceipt: { ...receipt(null, 'qwen/qwen3-max', 2), part: 'support' },
    sectionReceipts: [receipt(0, 'openai/gpt-oss-120b', 1)],
  };
  const metadata = buildGenerationMetadata(ledger, request, { workflowId: 'w', runId: 'r' }, new Date(0));
  expect(metadata.total_tokens).toEqual({ metadata: 390, sections: 600, validation: 0, total: 990 });
  expect(metadata.cost_usd).toBeCloseTo(0.0055, 8);
  expect(metadata.llm_calls).toEqual({ total: 4, failed: 1 });
  expect(metadata.model_used).toMatchObject({ metadata: 'qwen/qwen3-max', metadata_support: 'qwen/qwen3-max' });
  expect(metadata.retry_count).toEqual({ metadata: 0, metadata_support: 1, sections: [0] });
  expect(metadata.reused).toEqual([{ section_number: null, from_run_id: 'earlier', model: 'qwen/qwen3-max', part: 'critical' }]);
});
