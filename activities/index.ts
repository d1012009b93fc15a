// createActivities(deps): every activity the worker registers, with its dependencies injected (no module-level
// singletons), so tests can build them against the simulator and a real PostgreSQL.
import { currentRun } from './current-run';
import type OpenAI from 'openai';
import type { GenerationSettings } from '../workflows/types';
import type { Stores } from './db/stores';
import { createFinalizeActivities } from './finalize';
import { createGenerateActivities } from './generate';
import { withHeartbeats } from './heartbeat';
import { createJudgeActivities } from './judge';
import { providerProfile, type ProviderKind } from './llm-provider';
import type { PriceTable } from './pricing';
import { createQualityActivities } from './quality';
import { createRegenerateActivities } from './regenerate';
import type { createTextSanitizer } from './sanitize';

export interface ActivityDeps {
  settings: GenerationSettings;
  stores: Stores;
  prices: PriceTable;
  llm: {
    client: OpenAI;
    metadataModels: string[];
    /** The support half of METADATA_ROUTING=hybrid; the worker's config always sets it. */
    metadataSupportModels: string[];
    sectionModels: string[];
    metadataTimeoutMs: number;
    sectionTimeoutMs: number;
    /** LLM_JUDGE_MODELS and LLM_JUDGE_TIMEOUT_MS: the quality judge's ladder and HTTP timeout. */
    judgeModels: string[];
    judgeTimeoutMs: number;
    heartbeatIntervalMs: number;
    /** Provider profile (LLM_PROVIDER); generic when absent. */
    provider?: ProviderKind;
    stream?: boolean;
    streamIdleTimeoutMs?: number;
  };
  embeddings: { client: OpenAI; model: string } | null;
  sanitizer: ReturnType<typeof createTextSanitizer>;
}

export function createActivities(deps: ActivityDeps) {
  const llm = { ...deps.llm, profile: providerProfile(deps.llm.provider ?? 'generic') };
  const { ledger, drafts, artifacts, courses } = deps.stores;
  return {
    /** The worker's settings, recorded once in history (a local activity) so the workflow stays deterministic. */
    async loadSettingsActivity(): Promise<GenerationSettings> {
      return deps.settings;
    },
    /** What this run has spent so far, failed attempts included: the budget guard's input. */
    async spentCostActivity(): Promise<number> {
      return ledger.spentCost(currentRun().runId);
    },
    ...createGenerateActivities({ ...llm, ledger, drafts, artifacts, prices: deps.prices }),
    ...createJudgeActivities({ ...llm, ledger, artifacts, prices: deps.prices }),
    ...withHeartbeats(
      {
        ...createQualityActivities({ ledger, artifacts, prices: deps.prices, embeddings: deps.embeddings }),
        ...createFinalizeActivities({ artifacts, ledger, courses, sanitizer: deps.sanitizer }),
      },
      deps.llm.heartbeatIntervalMs,
    ),
    ...createRegenerateActivities({
      ...llm,
      ledger,
      artifacts,
      courses,
      prices: deps.prices,
      quality: { ledger, artifacts, prices: deps.prices, embeddings: deps.embeddings },
      sanitizer: deps.sanitizer,
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
