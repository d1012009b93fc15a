// `npm run bench:streaming`: plain vs streamed section calls on the LLM simulator in OpenRouter mode, through the
// worker's own request path (provider profile, SSE reader, classifier, parser). Reports per mode the median and p95
// wall time of a call, its overhead over the simulated latency, the client CPU per call, the time to the first
// answer chunk and the longest silence the client saw — the figure a proxy's idle timeout is compared with.
//
//   npx tsx bench/streaming.ts [--calls 24] [--concurrency 4] [--time-factor 0.02]
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { parseLlmOutput } from '../activities/llm-output';
import { providerProfile } from '../activities/llm-provider';
import { classifyCompletion } from '../activities/llm-response';
import { streamCompletion, type RawCompletion } from '../activities/llm-stream';
import { DEFAULT_LATENCY_MS, startLlmSimulator } from '../simulator/server';
import { SECTION_SCHEMA_NAME, SectionOutputSchema } from '../workflows/schemas';

interface CallSample {
  wallMs: number;
  firstChunkMs: number;
  longestSilenceMs: number;
  ok: boolean;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function main() {
  const { values } = parseArgs({
    options: { calls: { type: 'string', default: '24' }, concurrency: { type: 'string', default: '4' }, 'time-factor': { type: 'string', default: '0.02' } },
  });
  const calls = Number(values.calls);
  const concurrency = Number(values.concurrency);
  const timeFactor = Number(values['time-factor']);
  const sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor, openRouter: true });
  const client = new OpenAI({ baseURL: sim.url, apiKey: 'bench-key', maxRetries: 0 });
  const profile = providerProfile('openrouter');
  const context = { model: 'openai/gpt-oss-120b', phase: 'section' };
  const simulatedMs = DEFAULT_LATENCY_MS.section * timeFactor;

  async function oneCall(index: number, streamed: boolean): Promise<CallSample> {
    const params = {
      model: context.model,
      // A distinct prompt per call, as each section's is.
      messages: [{ role: 'user' as const, content: `Title: Benchmark course\nWorking title: Section ${index}\nArea: streaming` }],
      ...profile.requestFields(SECTION_SCHEMA_NAME, SectionOutputSchema),
    };
    const started = performance.now();
    let last = started;
    let firstChunkMs = NaN;
    let longestSilenceMs = 0;
    let raw: RawCompletion;
    if (streamed) {
      raw = await streamCompletion(client, { ...params, ...profile.streamFields } as never, {
        timeoutMs: 120_000,
        idleTimeoutMs: 30_000,
        signal: new AbortController().signal,
        context,
        onProgress: () => {
          const now = performance.now();
          if (Number.isNaN(firstChunkMs)) firstChunkMs = now - started;
          longestSilenceMs = Math.max(longestSilenceMs, now - last);
          last = now;
        },
      });
    } else {
      const { data, response } = await client.chat.completions.create(params as never, { timeout: 120_000 }).withResponse();
      raw = { body: data, generationId: response.headers.get('x-generation-id') };
      firstChunkMs = performance.now() - started;
      longestSilenceMs = firstChunkMs;
    }
    const classified = classifyCompletion(raw.body, context);
    const ok = classified.ok && parseLlmOutput(classified.text, SectionOutputSchema).ok;
    return { wallMs: performance.now() - started, firstChunkMs, longestSilenceMs, ok };
  }

  async function run(streamed: boolean) {
    const samples: CallSample[] = [];
    const cpu = process.cpuUsage();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < calls) samples.push(await oneCall(next++, streamed));
      }),
    );
    const used = process.cpuUsage(cpu);
    const wall = samples.map((s) => s.wallMs);
    return {
      mode: streamed ? 'streamed' : 'plain',
      calls: samples.length,
      allValid: samples.every((s) => s.ok),
      medianMs: Math.round(percentile(wall, 50)),
      p95Ms: Math.round(percentile(wall, 95)),
      medianOverheadMs: Math.round(percentile(wall, 50) - simulatedMs),
      // Client and simulator share the process: this is an upper bound of the client's own cost.
      cpuMsPerCall: Math.round((used.user + used.system) / 1000 / samples.length),
      medianFirstChunkMs: Math.round(percentile(samples.map((s) => s.firstChunkMs), 50)),
      longestSilenceMs: Math.round(Math.max(...samples.map((s) => s.longestSilenceMs))),
    };
  }

  // One warm-up call each, so JIT and connection set-up are not charged to the first mode measured.
  await oneCall(-1, false);
  await oneCall(-2, true);
  const results = [];
  for (const streamed of [false, true, false, true]) results.push(await run(streamed));
  await sim.close();
  console.log(JSON.stringify({ timeFactor, simulatedSectionMs: simulatedMs, concurrency, results }, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
