// Live progress on stderr from the workflow's getProgress query: a bar on a terminal, one line per change
// elsewhere (CI logs stay readable).
import type { WorkflowHandle } from '@temporalio/client';
import { SingleBar } from 'cli-progress';
import { getProgressQuery } from '../workflows/messages';
import { describeMetadataCalls } from '../workflows/progress';
import type { GenerationProgress } from '../workflows/types';

const POLL_MS = 1000;

export function describeProgress(p: GenerationProgress): string {
  const waiting = p.sections
    .filter((s) => s.status === 'waiting')
    .map((s) => ` · section ${s.index + 1} waiting for the provider, next try ${s.nextTryAt?.slice(11, 19)} UTC, ${s.roundsLeft} of ${s.roundsTotal} rounds left`)
    .join('');
  const repairs = p.repairs?.length ? ` · ${p.repairs.length} repair(s)` : '';
  const rejected = p.judged?.filter((j) => !j.passed).length ?? 0;
  const judged = p.judged?.length ? ` · ${p.judged.length} judged (${rejected} rejected)` : '';
  if (p.phase === 'generate_metadata' && p.metadata?.length) {
    return `${p.phase}: ${describeMetadataCalls(p.metadata)} · ${p.tokens} tokens · $${p.costUsd.toFixed(4)}`;
  }
  return `${p.phase}: ${p.sectionsDone}/${p.sectionsTotal} sections done, ${p.sectionsRunning} running, ${p.sectionsFailed} failed${waiting}${judged}${repairs} · ${p.tokens} tokens · $${p.costUsd.toFixed(4)}`;
}

/** Polls until `done` settles; returns a stop function for early exits. */
export function watchProgress(handle: WorkflowHandle, done: Promise<unknown>, stream: NodeJS.WriteStream = process.stderr): Promise<void> {
  const bar = stream.isTTY
    ? new SingleBar({ stream, format: ' {phase} |{bar}| {value}/{total} sections | {tokens} tokens | ${cost}', hideCursor: true })
    : null;
  let lastLine = '';
  let started = false;
  let finished = false;
  done.finally(() => (finished = true)).catch(() => undefined);

  const render = (p: GenerationProgress) => {
    if (bar) {
      const payload = { phase: p.phase.padEnd(17), tokens: p.tokens, cost: p.costUsd.toFixed(4) };
      if (!started) bar.start(p.sectionsTotal, p.sectionsDone, payload);
      else bar.update(p.sectionsDone, payload);
      started = true;
      return;
    }
    const line = describeProgress(p);
    if (line !== lastLine) stream.write(`[progress] ${line}\n`);
    lastLine = line;
  };

  return (async () => {
    let waitingNoted = false;
    while (!finished) {
      try {
        render(await handle.query(getProgressQuery));
      } catch (error) {
        // Usually no worker has picked the run up yet; say so once instead of failing the watch.
        if (!waitingNoted && !finished) stream.write(`[progress] waiting for a worker (${(error as Error).message})\n`);
        waitingNoted = true;
      }
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, POLL_MS))]);
    }
    bar?.stop();
  })();
}
