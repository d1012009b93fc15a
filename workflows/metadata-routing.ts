// METADATA_ROUTING=hybrid (RT-001): the critical metadata fields from the critical ladder and the rest from the
// support ladder, as two activities started together, each with its own retries and model escalation; then one
// activity merges the two answers and validates them as the run's metadata.
import { CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureSummary } from './failures';
import { llmMetadataOptions, llmMetadataSupportOptions, databaseOptions } from './options';
import type { ProgressTracker } from './progress';
import type { GenerationJobInput } from './schemas';
import type { GenerationReceipt, GenerationSettings, MetadataPart } from './types';

export interface HybridMetadataReceipts {
  /** The critical half: the course title the run reports, and the metadata model of generation_metadata. */
  critical: GenerationReceipt;
  support: GenerationReceipt;
}

export async function generateHybridMetadata(
  input: GenerationJobInput,
  settings: GenerationSettings,
  progress: ProgressTracker,
  fresh: boolean,
): Promise<HybridMetadataReceipts> {
  const title = input.frontend_parameters.course_title;
  const critical = proxyActivities<Activities>({ ...llmMetadataOptions(settings), summary: `Metadata (critical): ${title}` });
  const support = proxyActivities<Activities>({ ...llmMetadataSupportOptions(settings), summary: `Metadata (support): ${title}` });
  const db = proxyActivities<Activities>(databaseOptions(settings));

  const track = async (part: Exclude<MetadataPart, 'single'>, call: () => Promise<GenerationReceipt>) => {
    progress.metadataStarted(part);
    try {
      const receipt = await call();
      progress.metadataDone(part, receipt);
      return receipt;
    } catch (error) {
      if (!isCancellation(error)) progress.metadataFailed(part, failureSummary(error));
      throw error;
    }
  };

  // When one half fails for good the run fails: the other half is cancelled and awaited (its activity options wait
  // for the cancellation to complete), so no call keeps spending after the run has given up, and the ledger is
  // complete when the failure is recorded.
  const [criticalReceipt, supportReceipt] = await CancellationScope.cancellable(async () => {
    const calls = [
      track('critical', () => critical.generateCriticalMetadataActivity(input, { fresh })),
      track('support', () => support.generateSupportMetadataActivity(input, { fresh })),
    ];
    try {
      return await Promise.all(calls);
    } catch (error) {
      CancellationScope.current().cancel();
      await Promise.allSettled(calls);
      throw error;
    }
  });
  await db.mergeMetadataActivity(input);
  return { critical: criticalReceipt, support: supportReceipt };
}
