// Pure names and DTOs shared by the workflow, the activities and the client. Deterministic: no I/O, no Node
// built-ins, so the workflow sandbox may import this file.
import type { JudgeVerdict } from './schemas';

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

/** The CoursePhase search attribute while a section waits for its provider (the phase stays generate_sections). */
export const WAITING_PHASE = 'waiting_for_provider';

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
  /** METADATA_ROUTING=hybrid: the two metadata answers do not make one valid metadata object (fields named). */
  METADATA_MERGE_FAILED: 'METADATA_MERGE_FAILED',
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
  ErrorType.METADATA_MERGE_FAILED,
];

/** metadata_support: the support half of METADATA_ROUTING=hybrid (the critical half and a single call are metadata). */
export type LlmPhase = 'metadata' | 'metadata_support' | 'section' | 'validation';

/** METADATA_ROUTING: two metadata calls on two ladders at once (RT-001), or one call on the metadata ladder. */
export type MetadataRouting = 'hybrid' | 'single';

/** Failure types that say the provider may answer later: only these make a section wait (SECTION_PATIENCE). */
export const TRANSIENT_ERROR_TYPES: string[] = [
  ErrorType.LLM_RATE_LIMITED,
  ErrorType.LLM_TIMEOUT,
  ErrorType.LLM_UNAVAILABLE,
  ErrorType.LLM_OUTPUT_INVALID,
];

/** What an operator may do about sections waiting for their provider (Updates on the run). */
export interface UseModelRequest {
  model: string;
}

export interface WaitingSectionsResult {
  /** Section numbers the request applied to. */
  sections: number[];
}

/** How the section phase schedules its activities. */
export type FanoutMode = 'groups' | 'window' | 'adaptive';

/** Knobs the worker's environment decides; the workflow reads them once through a local activity. */
export interface GenerationSettings {
  sectionConcurrency: number;
  /** SECTION_CONCURRENCY_MIN: the narrowest window of SECTION_FANOUT=adaptive (SECTION_CONCURRENCY is the widest). */
  sectionConcurrencyMin?: number;
  sectionGroupDelayMs: number;
  fanoutMode: FanoutMode;
  qualityThreshold: number;
  minLessons: number;
  maxCostUsd: number | null;
  /** Activity start-to-close timeouts; the worker keeps its HTTP timeouts below these (workers/config.ts). */
  metadataActivityTimeoutMs: number;
  sectionActivityTimeoutMs: number;
  heartbeatTimeoutMs: number;
  /**
   * LLM_SECTION_TIMEOUT_MIN_MS / LLM_SECTION_TIMEOUT_MS: the bounds of a section's HTTP timeout, which is sized to
   * the section (workflows/section-timeout.ts). Absent in settings recorded by older runs: they keep the constant.
   */
  sectionTimeoutMinMs?: number;
  sectionTimeoutMaxMs?: number;
  /**
   * QUALITY_REPAIR_ROUNDS: how often sections below the quality threshold (or short of their planned lessons) are
   * regenerated before the run fails. Absent in settings recorded by older runs: they replay as 0.
   */
  qualityRepairRounds?: number;
  /** SECTION_PATIENCE: waits (ms) before each new round of a section whose ladder failed; [] fails at once. */
  sectionPatienceMs?: number[];
  /** SECTION_ORDER: which sections start first. Absent in settings recorded by older runs: plan order. */
  sectionOrder?: 'importance' | 'plan';
  /** QUALITY_JUDGE: null (or absent, in settings recorded by older runs) when no judge reads the sections. */
  qualityJudge?: QualityJudgeSettings | null;
  /** METADATA_ROUTING. Absent in settings recorded by older runs: one metadata call. */
  metadataRouting?: MetadataRouting;
}

/** Which sections a judge model reads after the embedding score, and how long its call may take. */
export interface QualityJudgeSettings {
  /** QUALITY_JUDGE_BAND: embedding scores in [threshold − bandBelow, threshold + bandAbove) go to the judge. */
  bandBelow: number;
  bandAbove: number;
  /** QUALITY_JUDGE_SAMPLE: share of all sections judged whatever their score (deterministic per course and section). */
  sample: number;
  /** Start-to-close of one judge attempt: LLM_JUDGE_TIMEOUT_MS plus the activity margin. */
  activityTimeoutMs: number;
}

/** What the judge activity returns: the verdict (small, so it travels in history) and what it cost. */
export interface JudgeResult {
  verdict: JudgeVerdict;
  model: string;
  attempt: number;
  tokens: number;
  costUsd: number;
}

/** One section read by the judge, and what decided it. */
export interface JudgedSection {
  section_number: number;
  /** band: its embedding score was near the threshold; sample: the seed's share of all sections; recheck: written
   * again after the judge rejected it. */
  why: 'band' | 'sample' | 'recheck';
  embedding_score: number;
  /** null when the judge could not answer (its whole ladder failed): the embedding score decided. */
  verdict: JudgeVerdict | null;
  model: string | null;
  passed: boolean;
  decided_by: 'judge' | 'embedding';
  /** Why the judge could not answer (error type and message). */
  error?: string;
}

/** How one run was asked to start (the workflow's third argument). */
export interface RunOptions {
  /** --fresh: regenerate every section even when an earlier run of the course stored a draft for the same inputs. */
  fresh?: boolean;
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
  /** Set when the answer was not generated by this run but reused from an earlier run's stored draft. */
  reusedFromRunId?: string;
  /** Attempts of this activity that met a rate limit or a timeout before it succeeded (absent: none). */
  throttled?: number;
  /** Metadata receipts of METADATA_ROUTING=hybrid: which half (absent: a section or the single metadata call). */
  part?: Exclude<MetadataPart, 'single'>;
}

/** One section regenerated before the run gave up on it (quality below the threshold, or too few lessons). */
export interface RepairRecord {
  section_number: number;
  round: number;
  /** quality: embedding score below the threshold; judge: the judge rejected it; lessons: too few lessons. */
  reason: 'quality' | 'judge' | 'lessons';
  model_before: string;
  model: string;
  /** quality: the similarity scores; judge: the judge's scores (the embedding score when it was not judged
   * again); lessons: the lesson counts. */
  before: number;
  after: number | null;
}

/** One durable wait of a section whose whole ladder failed, and how it ended. */
export interface PatienceRecord {
  section_number: number;
  round: number;
  waited_ms: number;
  cause: string;
  /** timer: the wait ran out; retry_now / use_model: an operator's Update; give_up: the run failed. */
  ended_by: 'timer' | 'retry_now' | 'use_model' | 'give_up';
  outcome: 'generated' | 'failed' | 'gave_up';
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
  /** The single metadata call, or the critical half of METADATA_ROUTING=hybrid. */
  metadataReceipt: GenerationReceipt;
  /** METADATA_ROUTING=hybrid: the support half. */
  metadataSupportReceipt?: GenerationReceipt;
  sectionReceipts: GenerationReceipt[];
  repairs?: RepairRecord[];
  waits?: PatienceRecord[];
  /** Sections the quality judge read (QUALITY_JUDGE). */
  judged?: JudgedSection[];
}

export interface FailureRecord {
  courseId: string;
  courseTitle: string;
  phase: Phase;
  errorType: string;
  message: string;
}

export interface GenerationMetadata {
  /** metadata: the single call's model or, with METADATA_ROUTING=hybrid, the critical half's; metadata_support: the support half's. */
  model_used: { metadata: string; metadata_support?: string; sections: string; per_section: string[] };
  /** metadata: both metadata calls of METADATA_ROUTING=hybrid. */
  total_tokens: { metadata: number; sections: number; validation: number; total: number };
  cost_usd: number;
  duration_ms: PhaseDurations;
  quality_scores: { metadata_similarity: number; sections_similarity: number[]; overall: number };
  quality_backend: string;
  /** Sections a judge model read after the embedding score, with its verdict and what decided them. */
  quality_judged?: JudgedSection[];
  batch_count: number;
  retry_count: { metadata: number; metadata_support?: number; sections: number[] };
  llm_calls: { total: number; failed: number };
  created_at: string;
  workflow_id: string;
  run_id: string;
  /** Sections regenerated by the repair rounds, with score (or lesson count) before → after. */
  repairs?: RepairRecord[];
  /** Durable waits of sections whose ladder failed (SECTION_PATIENCE). */
  patience?: PatienceRecord[];
  /** Sections (and the metadata, as section_number null) taken from an earlier run's drafts instead of a model. */
  reused?: { section_number: number | null; from_run_id: string; model: string; part?: MetadataPart }[];
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

/** Which metadata call: the one call of METADATA_ROUTING=single, or a half of hybrid. */
export type MetadataPart = 'single' | 'critical' | 'support';

export interface MetadataCallProgress {
  part: MetadataPart;
  status: 'running' | 'done' | 'failed';
  model?: string;
  attempt?: number;
  reusedFromRunId?: string;
  error?: string;
}

export interface SectionProgress {
  index: number;
  title: string;
  status: 'pending' | 'running' | 'waiting' | 'done' | 'failed';
  model?: string;
  attempt?: number;
  error?: string;
  /** Waiting sections: when the next round starts (ISO time), rounds left after it, and why it waits. */
  nextTryAt?: string;
  roundsLeft?: number;
  roundsTotal?: number;
  reusedFromRunId?: string;
}

export interface GenerationProgress {
  phase: Phase;
  sectionsTotal: number;
  sectionsDone: number;
  sectionsRunning: number;
  sectionsFailed: number;
  sectionsWaiting?: number;
  /** The metadata calls (two with METADATA_ROUTING=hybrid), once the metadata phase has started. */
  metadata?: MetadataCallProgress[];
  sections: SectionProgress[];
  repairs?: RepairRecord[];
  /** Sections the quality judge read so far, with its verdicts. */
  judged?: JudgedSection[];
  tokens: number;
  costUsd: number;
  durations: Partial<PhaseDurations>;
  error?: { type: string; message: string };
  /** SECTION_FANOUT=adaptive: the window's width now, its bounds and every change. */
  concurrency?: { width: number; min: number; max: number; changes: { at: string; width: number; reason: string }[] };
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
