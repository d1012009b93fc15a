// Pure assembly of the course structure from the metadata and section drafts: numbering, ids, language and
// durations are injected here by code, never taken from a model.
import { createHash } from 'node:crypto';
import type { CourseStructure, GenerationJobInput, MetadataOutput, SectionOutput } from '../workflows/schemas';

type CourseSection = CourseStructure['sections'][number];

/** A stable UUID (RFC 4122 layout, version 5 style) from a name, so re-assembling yields the same ids. */
export function stableUuid(name: string): string {
  const hex = createHash('sha1').update(name).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** One section with its number, lesson numbers and injected lesson durations. */
export function assembleSection(section: SectionOutput, index: number, lessonMinutes: number): CourseSection {
  return {
    section_number: index + 1,
    section_title: section.section_title,
    section_description: section.section_description,
    learning_objectives: section.learning_objectives,
    estimated_duration_minutes: section.lessons.length * lessonMinutes,
    lessons: section.lessons.map((lesson, lessonIndex) => ({
      ...lesson,
      lesson_number: lessonIndex + 1,
      estimated_duration_minutes: lessonMinutes,
    })),
  };
}

/** Hours from the sections' minutes, two decimals. */
export function courseHours(sections: CourseSection[]): number {
  const totalMinutes = sections.reduce((sum, s) => sum + s.estimated_duration_minutes, 0);
  return Math.round((totalMinutes / 60) * 100) / 100;
}

export function assembleCourse(
  input: GenerationJobInput,
  metadata: MetadataOutput,
  sections: SectionOutput[],
): CourseStructure {
  const minutes = input.frontend_parameters.lesson_duration_minutes;
  const language = input.frontend_parameters.language;
  const builtSections = sections.map((section, index) => assembleSection(section, index, minutes));
  return {
    course_title: metadata.course_title,
    course_description: metadata.course_description,
    course_overview: metadata.course_overview,
    target_audience: metadata.target_audience,
    estimated_duration_hours: courseHours(builtSections),
    difficulty_level: metadata.difficulty_level,
    prerequisites: metadata.prerequisites,
    learning_outcomes: metadata.learning_outcomes.map((text, index) => ({
      id: stableUuid(`${input.course_id}/learning_outcome/${index}`),
      text,
      language,
    })),
    course_tags: metadata.course_tags,
    sections: builtSections,
  };
}
