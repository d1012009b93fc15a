// The course every run generates: the seeds' t053 scenario (8 sections, 48 lessons), with a fresh course id so
// each run owns its workflow id, ledger rows, artifacts and course row.
import { randomUUID } from 'node:crypto';
import example from '../examples/t053-synergy-sales.input.json';
import { GenerationJobInputSchema, type GenerationJobInput } from '../workflows/schemas';

export function benchCourse(): GenerationJobInput {
  const input = GenerationJobInputSchema.parse(structuredClone(example));
  input.course_id = randomUUID();
  return input;
}

export function sectionTitles(input: GenerationJobInput): string[] {
  return input.analysis_result.recommended_structure.sections_breakdown.map((plan) => plan.area);
}

/** When each phase of one run ended, in epoch milliseconds (same clock for in-process and Temporal runs). */
export interface PhaseTimes {
  startedAt: number;
  metadataDoneAt: number;
  sectionsDoneAt: number;
  endedAt: number;
}

export function phaseDurations(t: PhaseTimes) {
  return {
    totalMs: t.endedAt - t.startedAt,
    metadataMs: t.metadataDoneAt - t.startedAt,
    sectionsMs: t.sectionsDoneAt - t.metadataDoneAt,
    tailMs: t.endedAt - t.sectionsDoneAt,
  };
}
