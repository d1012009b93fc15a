// The worker's log lines: JSON with the run's coordinates under stable names, readable on a terminal, secrets masked.
import type { LogEntry } from '@temporalio/worker';
import { formatLogLine } from '../../workers/logger';

const entry = (meta: Record<string, unknown>): LogEntry => ({
  level: 'INFO',
  message: 'LLM call',
  timestampNanos: BigInt(Date.parse('2026-11-30T12:00:00.123Z')) * 1_000_000n,
  meta,
});

const ACTIVITY_META = {
  namespace: 'default',
  taskQueue: 'course-generation',
  isLocal: false,
  activityId: '5',
  activityType: 'generateSectionActivity',
  workflowId: 'course-generation-abc',
  workflowRunId: 'run-1',
  workflowType: 'courseGenerationWorkflow',
  attempt: 2,
  sdkComponent: 'activity',
};

test('an activity log line is one JSON object with workflow_id, run_id, activity, attempt and model', () => {
  const line = formatLogLine(entry({ ...ACTIVITY_META, model: 'qwen/qwen3-max', outcome: 'ok' }));
  expect(line).not.toContain('\n');
  expect(JSON.parse(line)).toEqual({
    time: '2026-11-30T12:00:00.123Z',
    level: 'info',
    msg: 'LLM call',
    task_queue: 'course-generation',
    activity_id: '5',
    activity: 'generateSectionActivity',
    workflow_id: 'course-generation-abc',
    run_id: 'run-1',
    workflow_type: 'courseGenerationWorkflow',
    attempt: 2,
    component: 'activity',
    model: 'qwen/qwen3-max',
    outcome: 'ok',
  });
});

test('errors become their message; on a terminal the line is readable', () => {
  const json = JSON.parse(formatLogLine(entry({ error: new TypeError('boom') })));
  expect(json.error).toBe('TypeError: boom');
  const pretty = formatLogLine(entry({ ...ACTIVITY_META, model: 'm' }), { pretty: true });
  expect(pretty).toMatch(/^12:00:00\.123 INFO {2}LLM call {2}/);
  expect(pretty).toContain('workflow_id=course-generation-abc');
  expect(pretty).toContain('attempt=2');
});

test('configured secrets are masked wherever they appear', () => {
  const line = formatLogLine(entry({ error: 'provider said: bad key sk-or-v1-SECRET123' }), { secrets: ['sk-or-v1-SECRET123'] });
  expect(line).not.toContain('SECRET123');
  expect(line).toContain('bad key ***');
});
