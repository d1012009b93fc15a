// What the worker loads into the workflow sandbox.
export { courseGenerationWorkflow } from './course-generation';
export { courseRevisionWorkflow } from './course-revision';
