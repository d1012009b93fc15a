// Messages a client can send to a running course generation. Kept apart from the phase sequence so the
// operator surface is readable in one place.
import { defineQuery } from '@temporalio/workflow';
import type { GenerationProgress } from './types';

/** Where the run is: phase, per-section status (model, attempt), tokens and cost so far, phase durations. */
export const getProgressQuery = defineQuery<GenerationProgress>('getProgress');
