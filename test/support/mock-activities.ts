// Mocked activities for workflow tests, typed as the real ones so a signature change breaks the tests. They
// record what the workflow asked for; behaviour per test is injected through `overrides`.
import { Context } from '@temporalio/activity';
import type { Activities } from '../../activities';
import { currentRun } from '../../activities/current-run';
import type { GenerationReceipt, GenerationSettings } from '../../workflows/types';

export interface MockLog {
  calls: string[];
  sectionAttempts: Map<number, number[]>;
  inFlight: number;
  maxInFlight: number;
  failures: { phase: string; errorType: string }[];
}

export const testSettings: GenerationSettings = {
  sectionConcurrency: 4,
  sectionGroupDelayMs: 2000,
  fanoutMode: 'groups',
  qualityThreshold: 0.75,
  minLessons: 10,
  maxCostUsd: null,
  metadataActivityTimeoutMs: 30_000,
  sectionActivityTimeoutMs: 30_000,
  heartbeatTimeoutMs: 10_000,
};

const receipt = (sectionIndex: number | null, lessonCount: number): GenerationReceipt => ({
  sectionIndex,
  model: `model-${Context.current().info.attempt}`,
  attempt: Context.current().info.attempt,
  lessonCount,
  title: sectionIndex === null ? 'A course title' : `Section ${sectionIndex + 1}`,
  tokens: 100,
  costUsd: 0.001,
});

/**
 * Section mocks hold until `expectedParallel` sections are in flight together (or 2 s pass, for the last,
 * smaller group), so the max-in-flight count measures the fan-out rather than the mocks' speed.
 */
export function mockActivities(overrides: Partial<Activities> = {}, options: { expectedParallel?: number; lessonsPerSection?: number } = {}) {
  const log: MockLog = { calls: [], sectionAttempts: new Map(), inFlight: 0, maxInFlight: 0, failures: [] };
  const expected = options.expectedParallel ?? 4;
  const activities: Activities = {
    async loadSettingsActivity() {
      log.calls.push('loadSettings');
      return testSettings;
    },
    async spentCostActivity() {
      log.calls.push('spentCost');
      return 0;
    },
    async generateMetadataActivity() {
      log.calls.push('metadata');
      return receipt(null, 0);
    },
    async generateCriticalMetadataActivity() {
      log.calls.push('metadata:critical');
      return { ...receipt(null, 0), part: 'critical' };
    },
    async generateSupportMetadataActivity() {
      log.calls.push('metadata:support');
      return { ...receipt(null, 0), title: 'A course title', part: 'support' };
    },
    async mergeMetadataActivity() {
      log.calls.push('mergeMetadata');
      return { title: 'A course title' };
    },
    async generateSectionActivity({ sectionIndex }) {
      log.calls.push(`section:${sectionIndex}`);
      const attempts = log.sectionAttempts.get(sectionIndex) ?? [];
      attempts.push(Context.current().info.attempt);
      log.sectionAttempts.set(sectionIndex, attempts);
      log.inFlight++;
      log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
      const deadline = Date.now() + 2000;
      while (log.inFlight < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      log.inFlight--;
      return receipt(sectionIndex, options.lessonsPerSection ?? 6);
    },
    async validateQualityActivity() {
      log.calls.push('quality');
      return { metadata_similarity: 0.9, sections_similarity: [0.9], overall: 0.9, backend: 'mock', tokens: 10, costUsd: 0 };
    },
    async judgeSectionActivity({ sectionIndex }) {
      log.calls.push(`judge:${sectionIndex}`);
      const verdict = { score: 0.9, on_plan: true, objectives_covered: [], reasons: ['mock verdict'] };
      return { verdict, model: `model-${Context.current().info.attempt}`, attempt: Context.current().info.attempt, tokens: 10, costUsd: 0 };
    },
    async sanitizeCourseActivity() {
      log.calls.push('sanitize');
      return { lessonCount: 48, changedStrings: 0 };
    },
    async commitCourseActivity(request) {
      log.calls.push('commit');
      const info = currentRun();
      return {
        model_used: {
          metadata: request.metadataReceipt.model,
          ...(request.metadataSupportReceipt ? { metadata_support: request.metadataSupportReceipt.model } : {}),
          sections: '',
          per_section: request.sectionReceipts.map((r) => r.model),
        },
        total_tokens: { metadata: 0, sections: 0, validation: 0, total: 0 },
        cost_usd: 0,
        duration_ms: request.durations,
        quality_scores: { metadata_similarity: 0.9, sections_similarity: [], overall: 0.9 },
        quality_backend: 'mock',
        batch_count: request.batchCount,
        retry_count: { metadata: request.metadataReceipt.attempt - 1, sections: request.sectionReceipts.map((r) => r.attempt - 1) },
        llm_calls: { total: 0, failed: 0 },
        created_at: new Date().toISOString(),
        workflow_id: info.workflowId,
        run_id: info.runId,
      };
    },
    async repairSectionActivity({ sectionIndex }) {
      log.calls.push(`repair:${sectionIndex}`);
      return receipt(sectionIndex, 6);
    },
    async regenerateSectionActivity({ sectionIndex }) {
      log.calls.push(`regenerate:${sectionIndex}`);
      return receipt(sectionIndex, 6);
    },
    async commitRegeneratedSectionActivity({ sectionIndex, receipt: r }) {
      log.calls.push(`commitRegenerated:${sectionIndex}`);
      const info = currentRun();
      return { section_number: sectionIndex + 1, section_title: r.title, model: r.model, attempt: r.attempt, similarity: 0.9, tokens: r.tokens, cost_usd: r.costUsd, workflow_id: info.workflowId };
    },
    async recordFailureActivity(record) {
      log.calls.push('recordFailure');
      log.failures.push({ phase: record.phase, errorType: record.errorType });
    },
    ...overrides,
  };
  return { activities, log };
}
