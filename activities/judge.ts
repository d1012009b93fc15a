// The quality judge: a model reads one generated section against its plan and answers with a structured verdict
// (JudgeVerdictSchema, sent as response_format from the same zod schema that validates it). The call goes through
// callStructured like every other LLM call: model by attempt from LLM_JUDGE_MODELS, failures typed, one ledger row
// per HTTP call under phase `validation`.
import { currentRun } from './current-run';
import { JUDGE_SCHEMA_NAME, JudgeVerdictSchema, type GenerationJobInput, type SectionOutput } from '../workflows/schemas';
import type { JudgeResult } from '../workflows/types';
import type { Artifacts } from './db/artifacts';
import { callStructured, spendUnreadable, type LlmDeps } from './llm';
import { buildJudgeMessages } from './prompts';

export interface JudgeDeps extends LlmDeps {
  artifacts: Artifacts;
  judgeModels: string[];
  judgeTimeoutMs: number;
}

export interface JudgeRequest {
  input: GenerationJobInput;
  sectionIndex: number;
  /** The embedding score that sent the section to the judge; recorded by the workflow, not sent to the model. */
  embeddingScore: number;
}

export function createJudgeActivities(deps: JudgeDeps) {
  return {
    async judgeSectionActivity(request: JudgeRequest): Promise<JudgeResult> {
      const { input, sectionIndex } = request;
      const section = await deps.artifacts.load<SectionOutput>({ runId: currentRun().runId, kind: 'section', sectionIndex });
      const result = await callStructured(deps, {
        phase: 'validation',
        courseId: input.course_id,
        sectionIndex,
        models: deps.judgeModels,
        timeoutMs: deps.judgeTimeoutMs,
        schemaName: JUDGE_SCHEMA_NAME,
        schema: JudgeVerdictSchema,
        buildMessages: () => buildJudgeMessages(input, sectionIndex, section),
      });
      // A verdict is not kept across attempts: without its spend, the attempt fails as before an outage did.
      if (result.spendUnknown) throw spendUnreadable();
      return { verdict: result.value, model: result.model, attempt: result.attempt, tokens: result.tokens, costUsd: result.costUsd };
    },
  };
}
