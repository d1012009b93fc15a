// Messages a client can send to a course run. Kept apart from the phase sequence so the operator surface is
// readable in one place.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { GenerationProgress, RegenerateSectionRequest, RegenerationResult } from './types';

/** Where the run is: phase, per-section status (model, attempt), tokens and cost so far, phase durations. */
export const getProgressQuery = defineQuery<GenerationProgress>('getProgress');

/**
 * Regenerate one section, re-validate, re-sanitise and re-commit it. Validated before acceptance: a section
 * number out of range is rejected and never enters history.
 */
export const regenerateSectionUpdate = defineUpdate<RegenerationResult, [RegenerateSectionRequest]>('regenerateSection');
