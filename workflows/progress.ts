// The run's live status: what getProgress answers, what the Web UI shows as current details, and the search
// attributes the run list can be filtered by. Deterministic: only workflow time and workflow APIs.
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { CourseCostUsdKey, CoursePhaseKey } from './search-attributes';
import type { GenerationProgress, GenerationReceipt, Phase, PhaseDurations } from './types';

export class ProgressTracker {
  readonly state: GenerationProgress;
  private phaseStartedAt = Date.now();
  private readonly startedAt = Date.now();

  constructor() {
    this.state = {
      phase: 'validate_input',
      sectionsTotal: 0,
      sectionsDone: 0,
      sectionsRunning: 0,
      sectionsFailed: 0,
      sections: [],
      tokens: 0,
      costUsd: 0,
      durations: {},
    };
  }

  /** Known once the input is valid. */
  setSections(titles: string[]): void {
    this.state.sections = titles.map((title, index) => ({ index, title, status: 'pending' }));
    this.state.sectionsTotal = titles.length;
  }

  enterPhase(phase: Phase): void {
    this.state.phase = phase;
    this.phaseStartedAt = Date.now();
    upsertSearchAttributes([{ key: CoursePhaseKey, value: phase }]);
    this.publish();
  }

  /** Milliseconds since the current phase began, recorded under `key`. */
  finishPhase(key: keyof PhaseDurations): number {
    const elapsed = Date.now() - this.phaseStartedAt;
    this.state.durations[key] = (this.state.durations[key] ?? 0) + elapsed;
    return elapsed;
  }

  totalElapsed(): number {
    return Date.now() - this.startedAt;
  }

  sectionStarted(index: number): void {
    this.state.sections[index].status = 'running';
    this.recount();
  }

  sectionDone(receipt: GenerationReceipt): void {
    const section = this.state.sections[receipt.sectionIndex ?? 0];
    Object.assign(section, { status: 'done', model: receipt.model, attempt: receipt.attempt, title: receipt.title });
    this.addSpend(receipt);
  }

  sectionFailed(index: number, error: string): void {
    Object.assign(this.state.sections[index], { status: 'failed', error });
    this.recount();
  }

  addSpend(receipt: Pick<GenerationReceipt, 'tokens' | 'costUsd'>): void {
    this.state.tokens += receipt.tokens;
    this.state.costUsd = Math.round((this.state.costUsd + receipt.costUsd) * 1e8) / 1e8;
    upsertSearchAttributes([{ key: CourseCostUsdKey, value: this.state.costUsd }]);
    this.recount();
  }

  failed(type: string, message: string): void {
    this.state.error = { type, message };
    this.enterPhase('failed');
  }

  private recount(): void {
    const count = (status: string) => this.state.sections.filter((s) => s.status === status).length;
    this.state.sectionsDone = count('done');
    this.state.sectionsRunning = count('running');
    this.state.sectionsFailed = count('failed');
    this.publish();
  }

  /** A short markdown status for the Web UI's "current details" panel. */
  private publish(): void {
    const s = this.state;
    const lines = [
      `**Phase:** ${s.phase}`,
      `**Sections:** ${s.sectionsDone}/${s.sectionsTotal} done, ${s.sectionsRunning} running, ${s.sectionsFailed} failed`,
      `**Spend so far:** ${s.tokens} tokens, $${s.costUsd.toFixed(4)}`,
    ];
    if (s.error) lines.push(`**Error:** ${s.error.type} — ${s.error.message}`);
    setCurrentDetails(lines.join('\n\n'));
  }
}
