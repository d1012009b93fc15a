// Applies section regenerations to a course whose generation run has finished (a closed workflow accepts no
// updates). Started with update-with-start by the client; it stays open while requests keep coming and closes
// after a quiet minute, so its history stays short.
import { allHandlersFinished, condition, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { localOptions } from './options';
import { handleRegenerations } from './regenerate';
import type { CourseRevisionInput, GenerationSettings } from './types';

const local = proxyLocalActivities<Activities>(localOptions);
const QUIET_PERIOD = '1 minute';

export async function courseRevisionWorkflow(input: CourseRevisionInput): Promise<number> {
  let settings: GenerationSettings | undefined;
  let requests = 0;
  handleRegenerations({
    courseId: input.courseId,
    sectionCount: input.sectionCount,
    settings: async () => (settings ??= await local.loadSettingsActivity()),
    ready: async () => {
      requests++;
    },
  });
  let seen = -1;
  // Close once every accepted request is done and none arrived during the quiet period.
  while (seen !== requests) {
    seen = requests;
    await condition(allHandlersFinished);
    await condition(() => requests !== seen, QUIET_PERIOD);
  }
  return requests;
}
