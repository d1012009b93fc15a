// A workflow run's history turned into spans: one per activity (scheduled → started → closed, with the attempt
// that closed it) and one per timer. The server records ActivityTaskStarted only for the attempt that ends the
// activity (its `attempt` says how many there were), so earlier attempts are not in history: the timeline takes
// their times from the simulator's call log.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';

export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];
type Payload = Parameters<typeof defaultPayloadConverter.fromPayload>[0];

export interface ActivitySpan {
  scheduledEventId: number;
  type: string;
  /** From the activity's input, for generateSectionActivity; null otherwise. */
  sectionIndex: number | null;
  scheduledAt: number;
  /** Start of the attempt that closed the activity. */
  startedAt?: number;
  closedAt?: number;
  attempt: number;
  outcome: 'completed' | 'failed' | 'timed_out' | 'canceled' | 'open';
}

export interface TimerSpan {
  timerId: string;
  summary: string;
  startedAt: number;
  firedAt?: number;
}

export interface RunSpans {
  startedAt: number;
  closedAt?: number;
  activities: ActivitySpan[];
  timers: TimerSpan[];
}

function decode(payload: Payload | null | undefined): unknown {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
}

const num = (value: unknown): number => Number(value ?? 0);

export function spansFromHistory(history: History): RunSpans {
  const events: HistoryEvent[] = history.events ?? [];
  const byScheduledId = new Map<number, ActivitySpan>();
  const timers = new Map<string, TimerSpan>();
  let startedAt = NaN;
  let closedAt: number | undefined;

  for (const event of events) {
    const at = tsToMs(event.eventTime);
    const id = num(event.eventId);
    if (event.workflowExecutionStartedEventAttributes) startedAt = at;
    if (
      event.workflowExecutionCompletedEventAttributes ||
      event.workflowExecutionFailedEventAttributes ||
      event.workflowExecutionTerminatedEventAttributes ||
      event.workflowExecutionCanceledEventAttributes
    ) {
      closedAt = at;
    }

    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const input = decode(scheduled.input?.payloads?.[0]) as { sectionIndex?: unknown } | undefined;
      byScheduledId.set(id, {
        scheduledEventId: id,
        type: scheduled.activityType?.name ?? 'activity',
        sectionIndex: typeof input?.sectionIndex === 'number' ? input.sectionIndex : null,
        scheduledAt: at,
        attempt: 1,
        outcome: 'open',
      });
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const span = byScheduledId.get(num(started.scheduledEventId));
      if (span) Object.assign(span, { startedAt: at, attempt: started.attempt ?? 1 });
    }
    const close = (attrs: { scheduledEventId?: unknown } | null | undefined, outcome: ActivitySpan['outcome']) => {
      const span = attrs ? byScheduledId.get(num(attrs.scheduledEventId)) : undefined;
      if (span) Object.assign(span, { closedAt: at, outcome });
    };
    close(event.activityTaskCompletedEventAttributes, 'completed');
    close(event.activityTaskFailedEventAttributes, 'failed');
    close(event.activityTaskTimedOutEventAttributes, 'timed_out');
    close(event.activityTaskCanceledEventAttributes, 'canceled');

    const timerStarted = event.timerStartedEventAttributes;
    if (timerStarted?.timerId) {
      const summary = decode(event.userMetadata?.summary);
      timers.set(timerStarted.timerId, {
        timerId: timerStarted.timerId,
        summary: typeof summary === 'string' ? summary : `timer ${timerStarted.timerId}`,
        startedAt: at,
      });
    }
    const fired = event.timerFiredEventAttributes;
    if (fired?.timerId) {
      const timer = timers.get(fired.timerId);
      if (timer) timer.firedAt = at;
    }
  }
  return { startedAt, closedAt, activities: [...byScheduledId.values()], timers: [...timers.values()] };
}

/** Phase boundaries of a run from its spans: when the metadata activity and the last section closed. */
export function phaseBoundaries(spans: RunSpans): { metadataDoneAt: number; sectionsDoneAt: number } {
  const metadata = spans.activities.find((a) => a.type === 'generateMetadataActivity');
  const sections = spans.activities.filter((a) => a.type === 'generateSectionActivity');
  return {
    metadataDoneAt: metadata?.closedAt ?? NaN,
    sectionsDoneAt: Math.max(...sections.map((s) => s.closedAt ?? NaN)),
  };
}

/**
 * How long each workflow task waited between scheduled and picked up by a worker, and how many timed out. Every
 * step of a course (start, each activity result, each timer) is one workflow task, so under load their wait adds
 * up along the course's critical path: the main cost of running many courses at once.
 */
export function workflowTaskWaits(history: History): { waitsMs: number[]; timeouts: number } {
  const waitsMs: number[] = [];
  let timeouts = 0;
  let scheduledAt = NaN;
  for (const event of history.events ?? []) {
    if (event.workflowTaskScheduledEventAttributes) scheduledAt = tsToMs(event.eventTime);
    if (event.workflowTaskStartedEventAttributes) waitsMs.push(tsToMs(event.eventTime) - scheduledAt);
    if (event.workflowTaskTimedOutEventAttributes) timeouts++;
  }
  return { waitsMs, timeouts };
}

/** What one course costs the engine: every event is persisted, every workflow task is a round trip to a worker. */
export interface CourseCost {
  events: number;
  workflowTasks: number;
  activities: number;
  /** Local activities (recorded as markers). */
  localActivities: number;
  /** patched() markers. */
  patchMarkers: number;
  searchAttributeUpserts: number;
}
export const COURSE_COST_KEYS: Array<keyof CourseCost> = ['events', 'workflowTasks', 'activities', 'localActivities', 'patchMarkers', 'searchAttributeUpserts'];

export function courseCost(history: History): CourseCost & {
  workflowTaskWaitsMs: number[];
  workflowTaskTimeouts: number;
  /** Scheduled → started of each activity's last attempt (includes retry backoff and heartbeat timeouts). */
  activityWaitsMs: number[];
  /** The activity whose last attempt waited longest to start, with its attempt number. */
  longestActivityWait?: { type: string; waitMs: number; attempt: number };
  /** Workflow start → close, as the server recorded it. */
  durationMs: number;
  /** Activities started by each worker identity (the attempt that closed the activity). */
  activitiesByIdentity: Record<string, number>;
} {
  const events = history.events ?? [];
  const { waitsMs, timeouts } = workflowTaskWaits(history);
  const activitiesByIdentity: Record<string, number> = {};
  const spans = spansFromHistory(history);
  const started = spans.activities.filter((a) => a.startedAt !== undefined);
  const activityWaitsMs = started.map((a) => a.startedAt! - a.scheduledAt);
  const longest = started.reduce<(typeof started)[number] | undefined>((m, a) => (!m || a.startedAt! - a.scheduledAt > m.startedAt! - m.scheduledAt ? a : m), undefined);
  let activities = 0;
  let localActivities = 0;
  let patchMarkers = 0;
  let searchAttributeUpserts = 0;
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes) activities++;
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const identity = started.identity ?? 'unknown';
      activitiesByIdentity[identity] = (activitiesByIdentity[identity] ?? 0) + 1;
    }
    const marker = event.markerRecordedEventAttributes?.markerName;
    if (marker === 'core_local_activity') localActivities++;
    if (marker === 'core_patch') patchMarkers++;
    if (event.upsertWorkflowSearchAttributesEventAttributes) searchAttributeUpserts++;
  }
  return {
    events: events.length,
    workflowTasks: waitsMs.length,
    activities,
    localActivities,
    patchMarkers,
    searchAttributeUpserts,
    workflowTaskWaitsMs: waitsMs,
    workflowTaskTimeouts: timeouts,
    activityWaitsMs,
    longestActivityWait: longest && { type: longest.type, waitMs: longest.startedAt! - longest.scheduledAt, attempt: longest.attempt },
    durationMs: (spans.closedAt ?? NaN) - spans.startedAt,
    activitiesByIdentity,
  };
}
