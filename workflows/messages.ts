// Messages a client can send to a course run. Kept apart from the phase sequence so the operator surface is
// readable in one place.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  GenerationProgress,
  RegenerateSectionRequest,
  RegenerationResult,
  UseModelRequest,
  WaitingSectionsResult,
} from './types';

/** Where the run is: phase, per-section status (model, attempt), tokens and cost so far, phase durations. */
export const getProgressQuery = defineQuery<GenerationProgress>('getProgress');

/**
 * Regenerate one section, re-validate, re-sanitise and re-commit it. Validated before acceptance: a section
 * number out of range is rejected and never enters history.
 */
export const regenerateSectionUpdate = defineUpdate<RegenerationResult, [RegenerateSectionRequest]>('regenerateSection');

/**
 * Sections waiting for their provider (SECTION_PATIENCE): start their next round now instead of at the end of
 * the wait. Rejected before acceptance when no section waits.
 */
export const retrySectionsNowUpdate = defineUpdate<WaitingSectionsResult>('retrySectionsNow');

/** Sections waiting for their provider: their next rounds use this model instead of the ladder, starting now. */
export const useModelUpdate = defineUpdate<WaitingSectionsResult, [UseModelRequest]>('useModel');

/** Sections waiting for their provider: stop waiting and fail the run now with their current cause. */
export const giveUpUpdate = defineUpdate<WaitingSectionsResult>('giveUp');
