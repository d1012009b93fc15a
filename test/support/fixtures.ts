// The example job input (the seeds' t053 scenario: 8 sections, 48 lessons) and variations of it.
import { randomUUID } from 'node:crypto';
import example from '../../examples/t053-synergy-sales.input.json';
import { GenerationJobInputSchema, type GenerationJobInput } from '../../workflows/schemas';

/** A parsed copy with a fresh course id, so every test owns its course row and workflow id. */
export function exampleInput(overrides: { sections?: number } = {}): GenerationJobInput {
  const input = GenerationJobInputSchema.parse(structuredClone(example));
  input.course_id = randomUUID();
  if (overrides.sections !== undefined) {
    const structure = input.analysis_result.recommended_structure;
    structure.sections_breakdown = structure.sections_breakdown.slice(0, overrides.sections);
    structure.total_sections = overrides.sections;
  }
  return input;
}

export function rawExample(): Record<string, unknown> {
  return structuredClone(example) as Record<string, unknown>;
}
