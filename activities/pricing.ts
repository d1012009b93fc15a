// Cost of one LLM call in USD. OpenRouter reports the billed cost in `usage.cost`; when a provider does not, the
// price table (USD per 1M tokens) estimates it so the budget check still works.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const ModelPriceSchema = z.strictObject({
  input: z.number().finite().min(0),
  output: z.number().finite().min(0),
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

// Keys starting with "$" ("$comment") are documentation inside the JSON file, not models.
const PriceTableSchema = z
  .record(z.string(), z.unknown())
  .transform((entries) => Object.fromEntries(Object.entries(entries).filter(([key]) => !key.startsWith('$'))))
  .pipe(z.record(z.string(), ModelPriceSchema))
  .refine((table) => Object.hasOwn(table, 'default'), { message: 'a "default" entry is required for unknown models' });

/** Model id → price; "default" applies to any model not listed. */
export type PriceTable = Record<string, ModelPrice>;

export const DEFAULT_PRICES_FILE = path.join(__dirname, '..', 'config', 'prices.json');

export function parsePriceTable(json: unknown): PriceTable {
  const result = PriceTableSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`Invalid price table: ${issues.join('; ')}`);
  }
  return result.data;
}

/** Reads and validates a price file; throws with the file name and the invalid entries. */
export function loadPriceTable(file: string = DEFAULT_PRICES_FILE): PriceTable {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read price table ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return parsePriceTable(json);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

export function priceFor(table: PriceTable, model: string): ModelPrice {
  return Object.hasOwn(table, model) ? table[model] : table.default;
}

// Token prices are tiny fractions of a cent; rounding to 1e-8 USD removes float noise (0.1 + 0.2) from sums and
// ledger rows while staying far below any amount that matters.
const roundUsd = (usd: number): number => Math.round(usd * 1e8) / 1e8;

export function computeCostUsd(
  table: PriceTable,
  model: string,
  promptTokens: number,
  completionTokens: number,
  providerCost?: number | null,
): { costUsd: number; source: 'provider' | 'price_table' } {
  // The provider's figure is what was actually billed (discounts, caching, BYOK), so it wins when usable.
  if (typeof providerCost === 'number' && Number.isFinite(providerCost) && providerCost >= 0) {
    return { costUsd: roundUsd(providerCost), source: 'provider' };
  }
  const price = priceFor(table, model);
  const tokens = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);
  const usd = (tokens(promptTokens) * price.input + tokens(completionTokens) * price.output) / 1_000_000;
  return { costUsd: roundUsd(usd), source: 'price_table' };
}
