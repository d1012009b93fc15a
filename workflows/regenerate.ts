// Section regeneration, shared by the generation run (for requests that arrive while it runs: applied once the
// course is committed) and by the revision workflow (for courses whose run has finished). Requests are applied
// one at a time, so two regenerations never race on the course row.
import { ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { regenerateSectionUpdate } from './messages';
import { databaseOptions, llmSectionOptions } from './options';
import { ErrorType, type GenerationSettings, type RegenerateSectionRequest, type RegenerationResult } from './types';


export function validateRegenerateRequest(request: RegenerateSectionRequest, sectionCount: number): void {
  const n = request?.section_number;
  if (!Number.isInteger(n) || n < 1 || n > sectionCount) {
    throw new Error(`section_number must be an integer from 1 to ${sectionCount}; got ${JSON.stringify(n)}`);
  }
  if (request.model !== undefined && (typeof request.model !== 'string' || !request.model.trim())) {
    throw new Error('model, when given, must be a non-empty model name');
  }
}

export interface RegenerationOptions {
  courseId: string;
  sectionCount: number;
  settings: () => Promise<GenerationSettings>;
  /** Resolves when regeneration may start (the course is committed); rejects if it never will be. */
  ready: () => Promise<void>;
}

export function handleRegenerations(options: RegenerationOptions): void {
  let queue: Promise<unknown> = Promise.resolve();
  setHandler(
    regenerateSectionUpdate,
    (request) => {
      const run = queue.then(async () => {
        await options.ready();
        return regenerateSection(options.courseId, request, await options.settings());
      });
      queue = run.catch(() => undefined);
      return run;
    },
    { validator: (request) => validateRegenerateRequest(request, options.sectionCount) },
  );
}

async function regenerateSection(
  courseId: string,
  request: RegenerateSectionRequest,
  settings: GenerationSettings,
): Promise<RegenerationResult> {
  const sectionIndex = request.section_number - 1;
  const llm = proxyActivities<Activities>({
    ...llmSectionOptions(settings),
    summary: `Regenerate section ${request.section_number}${request.model ? ` with ${request.model}` : ' with the next model'}`,
  });
  const db = proxyActivities<Activities>(databaseOptions(settings));
  const receipt = await llm.regenerateSectionActivity({ courseId, sectionIndex, model: request.model });
  const result = await db.commitRegeneratedSectionActivity({ courseId, sectionIndex, receipt, qualityThreshold: settings.qualityThreshold });
  if (!result) {
    throw ApplicationFailure.nonRetryable(`Section ${request.section_number} was not committed`, ErrorType.DATABASE_ERROR);
  }
  return result;
}
