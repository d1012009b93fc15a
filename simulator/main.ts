// CLI for running the simulator by hand:
//   npx tsx simulator/main.ts --port 8787 --time-factor 0.01 [--faults faults.json] [--api-key KEY] [--jitter 0.2]
// then point the pipeline at it with the printed URL (e.g. OPENAI_BASE_URL=http://127.0.0.1:8787/v1).
// The faults file holds a JSON array of fault rules, or an object { "faults": [...] } with other options.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { describeZodError } from '../workflows/schemas';
import { ConfigPatchSchema, FaultRuleSchema } from './options';
import { startLlmSimulator } from './server';
import type { SimulatorOptions } from './types';

const USAGE = `Usage: tsx simulator/main.ts [--port 8787] [--time-factor 1] [--jitter 0] [--seed 1]
                            [--faults file.json] [--api-key KEY] [--quiet]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function numberArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a non-negative number, got "${value}"`);
  return n;
}

function loadFaultsFile(file: string): Partial<SimulatorOptions> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`Cannot read faults file ${file}: ${(error as Error).message}`);
  }
  const parsed = Array.isArray(raw) ? z.array(FaultRuleSchema).safeParse(raw) : ConfigPatchSchema.safeParse(raw);
  if (!parsed.success) fail(`Invalid faults file ${file}:\n${describeZodError(parsed.error)}`);
  if (Array.isArray(parsed.data)) return { faults: parsed.data };
  const { apiKey, ...rest } = parsed.data;
  return apiKey ? { ...rest, apiKey } : rest;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8787' },
      'time-factor': { type: 'string' },
      jitter: { type: 'string' },
      seed: { type: 'string' },
      faults: { type: 'string' },
      'api-key': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options: SimulatorOptions = {
    ...(values.faults ? loadFaultsFile(values.faults) : {}),
    port: numberArg('port', values.port),
    quiet: values.quiet,
  };
  const timeFactor = numberArg('time-factor', values['time-factor']);
  const jitter = numberArg('jitter', values.jitter);
  const seed = numberArg('seed', values.seed);
  if (timeFactor !== undefined) options.timeFactor = timeFactor;
  if (jitter !== undefined) options.jitter = jitter;
  if (seed !== undefined) options.seed = seed;
  if (values['api-key']) options.apiKey = values['api-key'];

  const sim = await startLlmSimulator(options);
  process.stdout.write(`${sim.url}\n`);
  if (options.faults?.length) process.stderr.write(`fault rules loaded: ${options.faults.length}\n`);

  const shutdown = (signal: string) => {
    process.stderr.write(`\n${signal}: closing LLM simulator\n`);
    sim.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`LLM simulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
