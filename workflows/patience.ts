// Durable patience: a section whose whole ladder failed for a reason the provider may get over (an outage, a
// burst of 429s) waits on a durable timer and runs its ladder again, SECTION_PATIENCE rounds with growing waits,
// while its siblings' results stay stored. A wait is one timer and one condition: history grows per round and per
// operator Update, never per poll, however long the run waits. Operators act on waiting sections with Updates:
// retrySectionsNow, useModel, giveUp.
import { CancellationScope, condition, setHandler, sleep } from '@temporalio/workflow';
import { failureSummary, isTransientFailure } from './failures';
import { giveUpUpdate, retrySectionsNowUpdate, useModelUpdate } from './messages';
import type { ProgressTracker } from './progress';
import type { GenerationReceipt, PatienceRecord, WaitingSectionsResult } from './types';

type WakeReason = 'retry_now' | 'use_model' | 'give_up';

export class SectionPatience {
  readonly records: PatienceRecord[] = [];
  private readonly waiting = new Set<number>();
  private readonly models = new Map<number, string>();
  private wakes = 0;
  private lastWake: WakeReason = 'retry_now';
  private gaveUp = false;
  /** One wait per round; empty (no patience) until the run's settings are known. */
  private waitsMs: number[] = [];

  /** @param beforeRound the budget guard: every round is spending */
  constructor(
    private readonly progress: ProgressTracker,
    private readonly beforeRound: () => Promise<void>,
  ) {}

  /** The run's SECTION_PATIENCE, once its settings are read. */
  enable(waitsMs: number[]): void {
    this.waitsMs = [...waitsMs];
  }

  /** Registered on every run, so an Update sent to a run without waiting sections gets a clear rejection. */
  registerUpdates(): void {
    const waitingNumbers = (): number[] => [...this.waiting].sort((a, b) => a - b).map((i) => i + 1);
    const requireWaiting = () => {
      if (this.waiting.size === 0) throw new Error('No section of this run is waiting for its provider');
    };
    const wake = (reason: WakeReason): WaitingSectionsResult => {
      const sections = waitingNumbers();
      this.lastWake = reason;
      this.wakes++;
      return { sections };
    };
    setHandler(retrySectionsNowUpdate, () => wake('retry_now'), { validator: requireWaiting });
    setHandler(
      useModelUpdate,
      (request) => {
        for (const index of this.waiting) this.models.set(index, request.model.trim());
        return wake('use_model');
      },
      {
        validator: (request) => {
          if (typeof request?.model !== 'string' || !request.model.trim()) throw new Error('model must be a non-empty model name');
          requireWaiting();
        },
      },
    );
    setHandler(
      giveUpUpdate,
      () => {
        this.gaveUp = true;
        return wake('give_up');
      },
      { validator: requireWaiting },
    );
  }

  /**
   * Runs `generate` (one activity: the section's whole ladder) and, while it fails for a transient reason, waits
   * and runs it again, at most one round per configured wait. Throws the last failure when patience runs out, the
   * cause cannot pass with time, or an operator gives up.
   */
  async generate(index: number, generate: (model?: string) => Promise<GenerationReceipt>): Promise<GenerationReceipt> {
    let lastWait: PatienceRecord | undefined;
    for (let round = 0; ; round++) {
      let failure: unknown;
      try {
        const receipt = await generate(this.models.get(index));
        if (lastWait) lastWait.outcome = 'generated';
        return receipt;
      } catch (error) {
        failure = error;
      }
      if (this.gaveUp || round >= this.waitsMs.length || !isTransientFailure(failure)) throw failure;
      lastWait = await this.wait(index, round, failureSummary(failure));
      if (lastWait.ended_by === 'give_up') throw failure;
      await this.beforeRound();
      this.progress.sectionStarted(index);
    }
  }

  /** One durable timer, cut short by an operator's Update. The record's outcome is 'failed' until a round succeeds. */
  private async wait(index: number, round: number, cause: string): Promise<PatienceRecord> {
    const waitMs = this.waitsMs[round];
    const started = Date.now();
    const seen = this.wakes;
    this.waiting.add(index);
    this.progress.sectionWaiting(index, {
      nextTryAt: started + waitMs,
      roundsLeft: this.waitsMs.length - round - 1,
      roundsTotal: this.waitsMs.length,
      cause,
    });
    const woken = await this.sleepUnlessWoken(waitMs, seen, `Section ${index + 1} waiting for the provider (round ${round + 1} of ${this.waitsMs.length})`);
    this.waiting.delete(index);
    const endedBy = this.gaveUp ? 'give_up' : woken ? this.lastWake : 'timer';
    const record: PatienceRecord = {
      section_number: index + 1,
      round: round + 1,
      waited_ms: Date.now() - started,
      cause,
      ended_by: endedBy,
      outcome: endedBy === 'give_up' ? 'gave_up' : 'failed',
    };
    this.records.push(record);
    return record;
  }

  /**
   * A labelled durable timer (its summary names the section in the Web UI's timeline) raced against the operators'
   * Updates; whichever loses is cancelled, so nothing is left pending. True when an Update ended the wait.
   */
  private sleepUnlessWoken(waitMs: number, seen: number, summary: string): Promise<boolean> {
    return CancellationScope.cancellable(async () => {
      const timer = sleep(waitMs, { summary }).then(() => false);
      const wake = condition(() => this.gaveUp || this.wakes !== seen).then(() => true);
      // The loser rejects with the scope's cancellation: expected, not an error of the run.
      timer.catch(() => undefined);
      wake.catch(() => undefined);
      const woken = await Promise.race([timer, wake]);
      CancellationScope.current().cancel();
      return woken;
    });
  }
}
