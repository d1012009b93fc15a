// One course through the real Temporal workflow, started the way the CLI starts it (startCourseGeneration), with
// the fan-out chosen per run through the workflow's second argument (overrides). Timed on the client's clock from
// the start call to the result; the history gives the phase boundaries and the timeline.
import { startCourseGeneration } from '../client/start';
import type { GenerationJobInput } from '../workflows/schemas';
import type { GenerationSettings } from '../workflows/types';
import type { PhaseTimes } from './course';
import type { BenchEnv } from './env';
import { phaseBoundaries, spansFromHistory, type RunSpans } from './history';

export interface TemporalRun {
  times: PhaseTimes;
  spans: RunSpans;
  /** Start → close as the server recorded it (excludes the client's start and result round trips). */
  serverMakespanMs: number;
  workflowId: string;
}

export async function runOnTemporal(
  env: BenchEnv,
  input: GenerationJobInput,
  overrides: Partial<GenerationSettings>,
): Promise<TemporalRun> {
  const startedAt = Date.now();
  const { handle } = await startCourseGeneration(env.client, input, { taskQueue: env.taskQueue, overrides });
  await env.guard(handle.result());
  const endedAt = Date.now();
  const spans = spansFromHistory(await handle.fetchHistory());
  const { metadataDoneAt, sectionsDoneAt } = phaseBoundaries(spans);
  return {
    times: { startedAt, metadataDoneAt, sectionsDoneAt, endedAt },
    spans,
    serverMakespanMs: (spans.closedAt ?? NaN) - spans.startedAt,
    workflowId: handle.workflowId,
  };
}
