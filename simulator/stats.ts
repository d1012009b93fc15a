// Counters the tests and the demo read back. Token totals are added only when a response carrying `usage` is
// actually written, so they equal the sum of the usage blocks clients received and a token ledger can be checked
// against them exactly.
import type { CallKind, CallRecord, FaultKind, SimulatorStats } from './types';

/** The call log keeps the most recent entries only, so a long demo run cannot grow memory without bound. */
const MAX_CALL_LOG = 10000;

export interface CallHandle {
  record: CallRecord;
  finished: boolean;
}

export class StatsRecorder {
  private stats = emptyStats();
  private readonly inFlightByKind: Record<string, number> = {};

  /** Requests of this kind running now. */
  inFlightOf(kind: CallKind): number {
    return this.inFlightByKind[kind] ?? 0;
  }

  begin(model: string, kind: CallKind, sectionTitle?: string, courseTitle?: string): CallHandle {
    const s = this.stats;
    s.requests++;
    s.requestsByModel[model] = (s.requestsByModel[model] ?? 0) + 1;
    s.requestsByKind[kind] = (s.requestsByKind[kind] ?? 0) + 1;
    s.inFlight++;
    s.maxConcurrent = Math.max(s.maxConcurrent, s.inFlight);
    this.inFlightByKind[kind] = (this.inFlightByKind[kind] ?? 0) + 1;
    s.maxConcurrentByKind[kind] = Math.max(s.maxConcurrentByKind[kind] ?? 0, this.inFlightByKind[kind]);
    const record: CallRecord = { model, kind, status: 0, startedAt: Date.now(), promptTokens: 0, completionTokens: 0 };
    if (sectionTitle !== undefined) record.sectionTitle = sectionTitle;
    if (courseTitle !== undefined) record.courseTitle = courseTitle;
    s.calls.push(record);
    if (s.calls.length > MAX_CALL_LOG) s.calls.splice(0, s.calls.length - MAX_CALL_LOG);
    return { record, finished: false };
  }

  /** Called once per request: when its response is written, or when the client went away without one. */
  /** Counted when injected (not when answered) so a hung request shows up while it hangs. */
  fault(handle: CallHandle, kind: FaultKind): void {
    handle.record.fault = kind;
    this.stats.faultsInjected[kind] = (this.stats.faultsInjected[kind] ?? 0) + 1;
  }

  finish(handle: CallHandle, status: number, usage?: { prompt: number; completion: number; costUsd?: number }): void {
    if (handle.finished) return;
    handle.finished = true;
    const s = this.stats;
    const { record } = handle;
    s.inFlight = Math.max(0, s.inFlight - 1);
    this.inFlightByKind[record.kind] = Math.max(0, (this.inFlightByKind[record.kind] ?? 0) - 1);
    record.status = status;
    record.endedAt = Date.now();
    if (usage) {
      record.promptTokens = usage.prompt;
      record.completionTokens = usage.completion;
      s.promptTokens += usage.prompt;
      s.completionTokens += usage.completion;
      s.totalTokens += usage.prompt + usage.completion;
      const perModel = (s.tokensByModel[record.model] ??= { prompt: 0, completion: 0 });
      perModel.prompt += usage.prompt;
      perModel.completion += usage.completion;
      if (usage.costUsd !== undefined) {
        record.costUsd = usage.costUsd;
        s.costUsd += usage.costUsd;
      }
    }
  }

  /** A deep copy, so callers can keep it as a before/after snapshot. */
  snapshot(): SimulatorStats {
    return structuredClone(this.stats);
  }

  /**
   * Zero everything except requests still running: they stay in inFlight (and seed the maxima) so the gauge never
   * goes negative. Their tokens land in the new totals if they are answered after the reset.
   */
  reset(): void {
    const inFlight = this.stats.inFlight;
    this.stats = emptyStats();
    this.stats.inFlight = inFlight;
    this.stats.maxConcurrent = inFlight;
    for (const [kind, n] of Object.entries(this.inFlightByKind)) if (n > 0) this.stats.maxConcurrentByKind[kind] = n;
  }
}

function emptyStats(): SimulatorStats {
  return {
    requests: 0,
    requestsByModel: {},
    requestsByKind: {},
    faultsInjected: {},
    inFlight: 0,
    maxConcurrent: 0,
    maxConcurrentByKind: {},
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    costUsd: 0,
    tokensByModel: {},
    calls: [],
  };
}
