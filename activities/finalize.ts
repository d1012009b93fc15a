// The last phases: assemble and sanitise the course, commit it atomically, or record why the run failed.
import { currentRun } from './current-run';
import { ApplicationFailure } from '@temporalio/common';
import {
  CourseStructureSchema,
  describeZodError,
  type CourseStructure,
  type GenerationJobInput,
  type MetadataOutput,
  type SectionOutput,
} from '../workflows/schemas';
import { ErrorType, type CommitRequest, type FailureRecord, type GenerationMetadata } from '../workflows/types';
import { assembleCourse } from './assemble';
import { buildGenerationMetadata } from './generation-metadata';
import type { Artifacts } from './db/artifacts';
import type { Courses } from './db/courses';
import type { Ledger } from './db/ledger';
import type { createTextSanitizer } from './sanitize';

export interface FinalizeDeps {
  artifacts: Artifacts;
  ledger: Ledger;
  courses: Courses;
  sanitizer: ReturnType<typeof createTextSanitizer>;
}

const runIds = currentRun;

export function createFinalizeActivities(deps: FinalizeDeps) {
  return {
    /** Assembles the drafts, strips every element and attribute from every string, re-validates, stores it. */
    async sanitizeCourseActivity(input: GenerationJobInput): Promise<{ lessonCount: number; changedStrings: number }> {
      const { runId, workflowId } = runIds();
      const plans = input.analysis_result.recommended_structure.sections_breakdown;
      const metadata = await deps.artifacts.load<MetadataOutput>({ runId, kind: 'metadata' });
      const sections = await Promise.all(
        plans.map((_, sectionIndex) => deps.artifacts.load<SectionOutput>({ runId, kind: 'section', sectionIndex })),
      );
      const { value, changed } = deps.sanitizer.sanitizeDeep(assembleCourse(input, metadata, sections));
      const checked = CourseStructureSchema.safeParse(value);
      if (!checked.success) {
        // Markup-only text becomes too short once stripped: no retry of this step can fix that.
        throw ApplicationFailure.nonRetryable(
          `The course is invalid after sanitising:\n${describeZodError(checked.error)}`,
          ErrorType.LLM_OUTPUT_INVALID,
        );
      }
      const key = { runId, workflowId, courseId: input.course_id };
      await deps.artifacts.save({ ...key, kind: 'course_structure' }, checked.data);
      await deps.artifacts.save({ ...key, kind: 'input' }, input);
      const lessonCount = checked.data.sections.reduce((sum, s) => sum + s.lessons.length, 0);
      return { lessonCount, changedStrings: changed };
    },

    /** One transaction upserting the course row; metadata computed from this run's ledger. */
    async commitCourseActivity(request: CommitRequest): Promise<GenerationMetadata> {
      const ids = runIds();
      const structure = await deps.artifacts.load<CourseStructure>({ runId: ids.runId, kind: 'course_structure' });
      const input = await deps.artifacts.load<GenerationJobInput>({ runId: ids.runId, kind: 'input' });
      const metadata = buildGenerationMetadata(await deps.ledger.ofRun(ids.runId), request, ids, new Date());
      await deps.courses.commit({
        courseId: request.courseId,
        courseTitle: structure.course_title,
        structure,
        metadata,
        input,
        ...ids,
      });
      return metadata;
    },

    async recordFailureActivity(record: FailureRecord): Promise<void> {
      await deps.courses.recordFailure({
        courseId: record.courseId,
        // The failed row has no sanitised structure; its title comes straight from the user.
        courseTitle: deps.sanitizer.sanitizeText(record.courseTitle),
        status: record.errorType === ErrorType.CANCELLED ? 'cancelled' : 'failed',
        phase: record.phase,
        errorType: record.errorType,
        message: record.message,
        ...runIds(),
      });
    },
  };
}
