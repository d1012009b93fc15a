// Quality validation: similarity between what was asked (the analysis) and what was generated, per section and
// overall. With EMBEDDINGS_BASE_URL the numbers are cosine similarities of the endpoint's embeddings; without it,
// the deterministic offline lexical score (activities/similarity.ts, calibrated for the 0.75 threshold).
import { Context } from '@temporalio/activity';
import { currentRun } from './current-run';
import type OpenAI from 'openai';
import type { GenerationJobInput, MetadataOutput, SectionOutput, SectionPlan } from '../workflows/schemas';
import type { QualityResult } from '../workflows/types';
import { toLlmFailure } from './llm-errors';
import { computeCostUsd, type PriceTable } from './pricing';
import {
  cosineSimilarity,
  courseReferenceText,
  generatedSectionText,
  lexicalSimilarity,
  metadataText,
  sectionPlanText,
} from './similarity';
import type { Artifacts } from './db/artifacts';
import type { Ledger } from './db/ledger';

export interface QualityDeps {
  ledger: Ledger;
  artifacts: Artifacts;
  prices: PriceTable;
  embeddings: { client: OpenAI; model: string } | null;
}

export type Pair = [reference: string, candidate: string];

export interface PairScores {
  scores: number[];
  tokens: number;
  costUsd: number;
  backend: string;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Scores (reference, candidate) pairs with the configured backend; embeddings calls go to the ledger. */
export function createPairScorer(deps: QualityDeps) {
  async function embeddingScores(courseId: string, pairs: Pair[]): Promise<PairScores> {
    const { client, model } = deps.embeddings!;
    const context = Context.current();
    const { attempt, activityId } = context.info;
    const workflowExecution = currentRun();
    const started = Date.now();
    const call = {
      courseId,
      workflowId: workflowExecution.workflowId,
      runId: workflowExecution.runId,
      activityId,
      phase: 'validation' as const,
      sectionIndex: null,
      attempt,
      model,
    };
    let response: OpenAI.Embeddings.CreateEmbeddingResponse;
    try {
      response = await client.embeddings.create({ model, input: pairs.flat() }, { timeout: 60_000, signal: context.cancellationSignal });
    } catch (error) {
      const failure = toLlmFailure(error, { model, phase: 'validation', secrets: [client.apiKey] });
      await deps.ledger.recordLlmCall({
        ...call, promptTokens: 0, completionTokens: 0, costUsd: 0, costSource: null,
        latencyMs: Date.now() - started, outcome: failure.type ?? 'LLM_UNAVAILABLE', errorMessage: failure.message,
      });
      throw failure;
    }
    const promptTokens = response.usage?.prompt_tokens ?? 0;
    const { costUsd, source } = computeCostUsd(deps.prices, model, promptTokens, 0, (response.usage as { cost?: number })?.cost);
    await deps.ledger.recordLlmCall({
      ...call, promptTokens, completionTokens: 0, costUsd, costSource: source,
      latencyMs: Date.now() - started, outcome: 'ok', errorMessage: null,
    });
    const vectors = [...response.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    const scores = pairs.map((_, i) => round(Math.max(0, cosineSimilarity(vectors[2 * i], vectors[2 * i + 1]))));
    return { scores, tokens: promptTokens, costUsd, backend: `embeddings:${model}` };
  }

  return async function scorePairs(courseId: string, pairs: Pair[]): Promise<PairScores> {
    if (deps.embeddings) return embeddingScores(courseId, pairs);
    const scores = pairs.map(([reference, candidate]) => round(lexicalSimilarity(reference, candidate)));
    return { scores, tokens: 0, costUsd: 0, backend: 'offline-lexical' };
  };
}

export function sectionPair(plan: SectionPlan, section: SectionOutput): Pair {
  return [sectionPlanText(plan), generatedSectionText(section)];
}

export function createQualityActivities(deps: QualityDeps) {
  const scorePairs = createPairScorer(deps);
  return {
    async validateQualityActivity(input: GenerationJobInput): Promise<QualityResult> {
      const { runId } = currentRun();
      const plans = input.analysis_result.recommended_structure.sections_breakdown;
      const metadata = await deps.artifacts.load<MetadataOutput>({ runId, kind: 'metadata' });
      const sections = await Promise.all(
        plans.map((_, sectionIndex) => deps.artifacts.load<SectionOutput>({ runId, kind: 'section', sectionIndex })),
      );
      const { scores, tokens, costUsd, backend } = await scorePairs(input.course_id, [
        [courseReferenceText(input), metadataText(metadata)],
        ...plans.map((plan, i) => sectionPair(plan, sections[i])),
      ]);
      const [metadataScore, ...sectionScores] = scores;
      return {
        metadata_similarity: metadataScore,
        sections_similarity: sectionScores,
        overall: overallScore(metadataScore, sectionScores),
        backend,
        tokens,
        costUsd,
      };
    },
  };
}

/** Every section counts once and the metadata once. */
export function overallScore(metadataScore: number, sectionScores: number[]): number {
  const all = [metadataScore, ...sectionScores];
  return round(all.reduce((sum, s) => sum + s, 0) / all.length);
}
