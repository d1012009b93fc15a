// A readable summary of a finished run: what a person checks first.
import type { CourseStructure } from '../workflows/schemas';
import type { GenerationMetadata } from '../workflows/types';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatSummary(structure: CourseStructure, metadata: GenerationMetadata, uiLink: string): string {
  const lessons = structure.sections.reduce((sum, s) => sum + s.lessons.length, 0);
  const rows = structure.sections.map((section, i) => {
    const attempts = (metadata.retry_count.sections[i] ?? 0) + 1;
    const score = metadata.quality_scores.sections_similarity[i];
    return `  ${String(section.section_number).padStart(2)}. ${section.section_title.slice(0, 52).padEnd(52)} ${String(section.lessons.length).padStart(2)} lessons  ${metadata.model_used.per_section[i].padEnd(24)} attempt ${attempts}  quality ${score?.toFixed(2) ?? '-'}`;
  });
  const t = metadata.total_tokens;
  const d = metadata.duration_ms;
  return [
    `Course: ${structure.course_title}`,
    `Sections: ${structure.sections.length}   Lessons: ${lessons}   Duration: ${structure.estimated_duration_hours} h`,
    ...rows,
    metadata.model_used.metadata_support
      ? `Metadata models: critical ${metadata.model_used.metadata} (attempt ${metadata.retry_count.metadata + 1}), support ${metadata.model_used.metadata_support} (attempt ${(metadata.retry_count.metadata_support ?? 0) + 1})`
      : `Metadata model: ${metadata.model_used.metadata} (attempt ${metadata.retry_count.metadata + 1})`,
    `Tokens: ${t.total} (metadata ${t.metadata}, sections ${t.sections}, validation ${t.validation})`,
    `LLM calls: ${metadata.llm_calls.total} (${metadata.llm_calls.failed} failed)   Cost: $${metadata.cost_usd.toFixed(4)}`,
    `Phases: metadata ${seconds(d.metadata)}, sections ${seconds(d.sections)}, validation ${seconds(d.validation)}, total ${seconds(d.total)}`,
    `Quality: overall ${metadata.quality_scores.overall.toFixed(3)} (metadata ${metadata.quality_scores.metadata_similarity.toFixed(3)}; ${metadata.quality_backend})`,
    ...(metadata.quality_judged ?? []).map(
      (j) =>
        `Judged: section ${j.section_number} (${j.why}, embedding ${j.embedding_score}) ` +
        (j.verdict
          ? `${j.model}: ${j.verdict.on_plan ? 'on plan' : 'off plan'}, score ${j.verdict.score} → ${j.passed ? 'passes' : 'rejected'}`
          : `judge unavailable, embedding score decided → ${j.passed ? 'passes' : 'fails'}`),
    ),
    ...(metadata.repairs ?? []).map(
      (r) => `Repaired: section ${r.section_number} (${r.reason}, round ${r.round}) ${r.model_before} → ${r.model}, ${r.before} → ${r.after ?? '-'}`,
    ),
    ...(metadata.patience ?? []).map(
      (w) => `Waited: section ${w.section_number} round ${w.round}, ${seconds(w.waited_ms)} (${w.cause.split(':')[0]}), ended by ${w.ended_by}: ${w.outcome}`,
    ),
    ...(metadata.reused?.length
      ? [`Reused from earlier runs: ${metadata.reused.map((r) => `${r.section_number === null ? 'metadata' : `section ${r.section_number}`} (run ${r.from_run_id})`).join(', ')}`]
      : []),
    `Workflow: ${metadata.workflow_id} (run ${metadata.run_id})`,
    `Web UI: ${uiLink}`,
  ].join('\n');
}
