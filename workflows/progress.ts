// The run's live status: what getProgress answers, what the Web UI shows as current details, and the search
// attributes the run list can be filtered by. Deterministic: only workflow time and workflow APIs.
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { CourseCostUsdKey, CoursePhaseKey } from './search-attributes';
import {
  WAITING_PHASE,
  type GenerationProgress,
  type GenerationReceipt,
  type JudgedSection,
  type MetadataCallProgress,
  type MetadataPart,
  type Phase,
  type PhaseDurations,
  type RepairRecord,
} from './types';

export class ProgressTracker {
  readonly state: GenerationProgress;
  private phaseStartedAt = Date.now();
  private readonly startedAt = Date.now();
  /** Spend not yet in the CourseCostUsd search attribute (costUpsertPerPhase). */
  private costUnpublished = false;

  /**
   * costUpsertPerPhase: the spend joins the next phase change's upsert instead of one upsert per LLM call. Every
   * upsert is a history event and a visibility write on the server; per call they were half of a course's events.
   */
  constructor(private readonly options: { costUpsertPerPhase?: boolean } = {}) {
    this.state = {
      phase: 'validate_input',
      sectionsTotal: 0,
      sectionsDone: 0,
      sectionsRunning: 0,
      sectionsFailed: 0,
      sectionsWaiting: 0,
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
    if (this.costUnpublished) {
      upsertSearchAttributes([{ key: CoursePhaseKey, value: phase }, { key: CourseCostUsdKey, value: this.state.costUsd }]);
      this.costUnpublished = false;
    } else {
      upsertSearchAttributes([{ key: CoursePhaseKey, value: phase }]);
    }
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
    const section = this.state.sections[index];
    const wasWaiting = section.status === 'waiting';
    section.status = 'running';
    delete section.nextTryAt;
    delete section.roundsLeft;
    delete section.roundsTotal;
    if (wasWaiting) this.leaveWaitingIfNoneWaits();
    this.recount();
  }

  /** A metadata call (the single one, or a half of METADATA_ROUTING=hybrid) started. */
  metadataStarted(part: MetadataPart): void {
    this.setMetadataCall({ part, status: 'running' });
    this.publish();
  }

  metadataDone(part: MetadataPart, receipt: GenerationReceipt): void {
    this.setMetadataCall({
      part,
      status: 'done',
      model: receipt.model,
      attempt: receipt.attempt,
      ...(receipt.reusedFromRunId ? { reusedFromRunId: receipt.reusedFromRunId } : {}),
    });
    this.addSpend(receipt);
  }

  metadataFailed(part: MetadataPart, error: string): void {
    this.setMetadataCall({ part, status: 'failed', error });
    this.publish();
  }

  private setMetadataCall(call: MetadataCallProgress): void {
    this.state.metadata = [...(this.state.metadata ?? []).filter((c) => c.part !== call.part), call];
  }

  sectionDone(receipt: GenerationReceipt): void {
    const section = this.state.sections[receipt.sectionIndex ?? 0];
    Object.assign(section, { status: 'done', model: receipt.model, attempt: receipt.attempt, title: receipt.title });
    delete section.error;
    if (receipt.reusedFromRunId) section.reusedFromRunId = receipt.reusedFromRunId;
    else delete section.reusedFromRunId;
    this.addSpend(receipt);
  }

  sectionFailed(index: number, error: string): void {
    const section = this.state.sections[index];
    const wasWaiting = section.status === 'waiting';
    Object.assign(section, { status: 'failed', error });
    if (wasWaiting) this.leaveWaitingIfNoneWaits();
    this.recount();
  }

  /**
   * A section whose ladder failed waits for its provider: the run says so in the query, the current details and
   * the CoursePhase search attribute (one upsert per wait, so history grows per round, never per poll).
   */
  sectionWaiting(index: number, wait: { nextTryAt: number; roundsLeft: number; roundsTotal: number; cause: string }): void {
    Object.assign(this.state.sections[index], {
      status: 'waiting',
      nextTryAt: new Date(wait.nextTryAt).toISOString(),
      roundsLeft: wait.roundsLeft,
      roundsTotal: wait.roundsTotal,
      error: wait.cause,
    });
    upsertSearchAttributes([{ key: CoursePhaseKey, value: WAITING_PHASE }]);
    this.recount();
  }

  repaired(record: RepairRecord): void {
    this.state.repairs = [...(this.state.repairs ?? []).filter((r) => !(r.section_number === record.section_number && r.round === record.round && r.reason === record.reason)), record];
    this.publish();
  }

  /** The quality judge read a section: its verdict (or why the embedding score decided) is shown with the repairs. */
  judged(record: JudgedSection): void {
    this.state.judged = [...(this.state.judged ?? []), record];
    this.publish();
  }

  private leaveWaitingIfNoneWaits(): void {
    if (!this.state.sections.some((s) => s.status === 'waiting')) {
      upsertSearchAttributes([{ key: CoursePhaseKey, value: this.state.phase }]);
    }
  }

  addSpend(receipt: Pick<GenerationReceipt, 'tokens' | 'costUsd'>): void {
    this.state.tokens += receipt.tokens;
    this.state.costUsd = Math.round((this.state.costUsd + receipt.costUsd) * 1e8) / 1e8;
    if (this.options.costUpsertPerPhase) this.costUnpublished = true;
    else upsertSearchAttributes([{ key: CourseCostUsdKey, value: this.state.costUsd }]);
    this.recount();
  }

  /** SECTION_FANOUT=adaptive narrowed or widened the window of sections in flight. */
  concurrencyChanged(change: { at: string; width: number; reason: string }, min: number, max: number): void {
    const changes = [...(this.state.concurrency?.changes ?? []), change];
    this.state.concurrency = { width: change.width, min, max, changes };
    this.publish();
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
    this.state.sectionsWaiting = count('waiting');
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
    if (s.metadata?.length) lines.push(`**Metadata:** ${describeMetadataCalls(s.metadata)}`);
    if (s.concurrency) {
      const widths = s.concurrency.changes.map((c) => c.width).join(' → ');
      lines.push(`**Sections in flight (adaptive):** ${s.concurrency.width} of ${s.concurrency.min}–${s.concurrency.max} (${widths})`);
    }
    for (const section of s.sections.filter((x) => x.status === 'waiting')) {
      lines.push(
        `**Section ${section.index + 1} waiting for the provider**, next try ${section.nextTryAt?.slice(11, 19)} UTC, ` +
          `${section.roundsLeft} of ${section.roundsTotal} rounds left — ${section.error ?? ''}`,
      );
    }
    for (const j of s.judged ?? []) lines.push(describeJudgement(j));
    for (const r of s.repairs ?? []) {
      const change =
        r.reason === 'lessons' ? `lessons ${r.before} → ${r.after ?? '…'}` : `${r.reason === 'judge' ? 'judge score' : 'score'} ${r.before} → ${r.after ?? '…'}`;
      lines.push(`**Repair** of section ${r.section_number} (${r.reason}, round ${r.round}): ${r.model_before} → ${r.model}, ${change}`);
    }
    if (s.error) lines.push(`**Error:** ${s.error.type} — ${s.error.message}`);
    setCurrentDetails(lines.join('\n\n'));
  }
}

/** One line per judgement for the Web UI's current details. */
export function describeJudgement(j: JudgedSection): string {
  const head = `**Judge** of section ${j.section_number} (${j.why}, embedding ${j.embedding_score})`;
  if (!j.verdict) return `${head}: judge unavailable, the embedding score decided (${j.passed ? 'passes' : 'fails'}) — ${j.error ?? ''}`;
  const plan = j.verdict.on_plan ? 'on plan' : 'off plan';
  return `${head}: ${j.model} says ${plan}, score ${j.verdict.score} — ${j.passed ? 'passes' : 'rejected'}; ${j.verdict.reasons.join('; ')}`;
}

/** "critical qwen/qwen3-max attempt 1 done · support running": one line for the Web UI and the CLI. */
export function describeMetadataCalls(calls: MetadataCallProgress[]): string {
  return calls
    .map((c) => {
      const who = c.part === 'single' ? '' : `${c.part} `;
      const model = c.model ? `${c.model} attempt ${c.attempt} ` : '';
      const reused = c.reusedFromRunId ? ' (reused)' : '';
      return `${who}${model}${c.status}${reused}${c.error ? ` — ${c.error}` : ''}`;
    })
    .join(' · ');
}
