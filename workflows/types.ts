// Pure names and DTOs shared by the workflow, the activities and the client. Deterministic: no I/O, no Node
// built-ins, so the workflow sandbox may import this file.

export const DEFAULT_TASK_QUEUE = 'course-generation';
export const WORKFLOW_TYPE = 'courseGenerationWorkflow';

/** One workflow per course: the id is the idempotency key, so starting the same course twice attaches. */
export function courseWorkflowId(courseId: string): string {
  return `course-generation-${courseId}`;
}

export const PHASES = [
  'validate_input',
  'generate_metadata',
  'generate_sections',
  'validate_quality',
  'validate_lessons',
  'sanitize',
  'commit',
  'completed',
  'failed',
] as const;
export type Phase = (typeof PHASES)[number];

/** ApplicationFailure types. Workflows and the client branch on these strings, never on messages. */
export const ErrorType = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  LLM_RATE_LIMITED: 'LLM_RATE_LIMITED',
  LLM_TIMEOUT: 'LLM_TIMEOUT',
  LLM_UNAVAILABLE: 'LLM_UNAVAILABLE',
  LLM_OUTPUT_INVALID: 'LLM_OUTPUT_INVALID',
  LLM_AUTH: 'LLM_AUTH',
  /** 402: the account or the key's credit limit is spent. A person must add credits or raise the limit. */
  LLM_PAYMENT_REQUIRED: 'LLM_PAYMENT_REQUIRED',
  /** 403 moderation / guardrail, 400 content policy, finish_reason content_filter, a refusal: this model would
   * not serve the request; the next model of the ladder may. Never retried on the same model. */
  LLM_CONTENT_REFUSED: 'LLM_CONTENT_REFUSED',
  QUALITY_THRESHOLD_NOT_MET: 'QUALITY_THRESHOLD_NOT_MET',
  MINIMUM_LESSONS_NOT_MET: 'MINIMUM_LESSONS_NOT_MET',
  SECTION_GENERATION_FAILED: 'SECTION_GENERATION_FAILED',
  DATABASE_ERROR: 'DATABASE_ERROR',
  BUDGET_EXCEEDED: 'BUDGET_EXCEEDED',
  CONFIGURATION_ERROR: 'CONFIGURATION_ERROR',
  CANCELLED: 'CANCELLED',
  UNEXPECTED_ERROR: 'UNEXPECTED_ERROR',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** Types that no retry can fix: the activity retry policies list them as non-retryable. */
export const NON_RETRYABLE_ERROR_TYPES: ErrorType[] = [
  ErrorType.VALIDATION_FAILED,
  ErrorType.LLM_AUTH,
  ErrorType.LLM_PAYMENT_REQUIRED,
  ErrorType.QUALITY_THRESHOLD_NOT_MET,
  ErrorType.MINIMUM_LESSONS_NOT_MET,
  ErrorType.BUDGET_EXCEEDED,
  ErrorType.CONFIGURATION_ERROR,
];

export type LlmPhase = 'metadata' | 'section' | 'validation';

/** How the section phase schedules its activities. */
export type FanoutMode = 'groups' | 'window';

/** Knobs the worker's environment decides; the workflow reads them once through a local activity. */
export interface GenerationSettings {
  sectionConcurrency: number;
  sectionGroupDelayMs: number;
  fanoutMode: FanoutMode;
  qualityThreshold: number;
  minLessons: number;
  maxCostUsd: number | null;
  /** Activity start-to-close timeouts; the worker keeps its HTTP timeouts below these (workers/config.ts). */
  metadataActivityTimeoutMs: number;
  sectionActivityTimeoutMs: number;
  heartbeatTimeoutMs: number;
}

/** What an LLM activity returns: a receipt, not the content (the content is stored in PostgreSQL). */
export interface GenerationReceipt {
  sectionIndex: number | null;
  model: string;
  attempt: number;
  lessonCount: number;
  title: string;
  tokens: number;
  costUsd: number;
}

export interface QualityScores {
  metadata_similarity: number;
  sections_similarity: number[];
  overall: number;
  backend: string;
}

/** Quality scores plus what computing them cost (embeddings calls are in the ledger too). */
export interface QualityResult extends QualityScores {
  tokens: number;
  costUsd: number;
}

export interface PhaseDurations {
  metadata: number;
  sections: number;
  validation: number;
  total: number;
}

export interface CommitRequest {
  courseId: string;
  sectionCount: number;
  batchCount: number;
  qualityScores: QualityScores;
  durations: PhaseDurations;
  metadataReceipt: GenerationReceipt;
  sectionReceipts: GenerationReceipt[];
}

export interface FailureRecord {
  courseId: string;
  courseTitle: string;
  phase: Phase;
  errorType: string;
  message: string;
}

export interface GenerationMetadata {
  model_used: { metadata: string; sections: string; per_section: string[] };
  total_tokens: { metadata: number; sections: number; validation: number; total: number };
  cost_usd: number;
  duration_ms: PhaseDurations;
  quality_scores: { metadata_similarity: number; sections_similarity: number[]; overall: number };
  quality_backend: string;
  batch_count: number;
  retry_count: { metadata: number; sections: number[] };
  llm_calls: { total: number; failed: number };
  created_at: string;
  workflow_id: string;
  run_id: string;
}

export interface GenerationResult {
  course_id: string;
  workflow_id: string;
  run_id: string;
  course_title: string;
  section_count: number;
  lesson_count: number;
  generation_metadata: GenerationMetadata;
}

export interface SectionProgress {
  index: number;
  title: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  model?: string;
  attempt?: number;
  error?: string;
}

export interface GenerationProgress {
  phase: Phase;
  sectionsTotal: number;
  sectionsDone: number;
  sectionsRunning: number;
  sectionsFailed: number;
  sections: SectionProgress[];
  tokens: number;
  costUsd: number;
  durations: Partial<PhaseDurations>;
  error?: { type: string; message: string };
}

/** Regenerate one section of a course: with the given model, or with the next model of the section ladder. */
export interface RegenerateSectionRequest {
  section_number: number;
  model?: string;
}

export interface RegenerationResult {
  section_number: number;
  section_title: string;
  model: string;
  attempt: number;
  similarity: number;
  tokens: number;
  cost_usd: number;
  workflow_id: string;
}

/** Input of the workflow that applies section regenerations to an already committed course. */
export interface CourseRevisionInput {
  courseId: string;
  sectionCount: number;
}

export function courseRevisionWorkflowId(courseId: string): string {
  return `course-revision-${courseId}`;
}
export const REVISION_WORKFLOW_TYPE = 'courseRevisionWorkflow';
