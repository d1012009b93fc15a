import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { computeCostUsd, loadPriceTable, parsePriceTable, priceFor, type PriceTable } from '../../activities/pricing';

const table: PriceTable = loadPriceTable();

function writeTemp(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'prices-')), 'prices.json');
  writeFileSync(file, content);
  return file;
}

describe('config/prices.json', () => {
  it('holds the three ladder models, the embeddings model and a default', () => {
    expect(table['qwen/qwen3-max']).toEqual({ input: 0.6, output: 2 });
    expect(table['openai/gpt-oss-120b']).toEqual({ input: 0.9, output: 0.9 });
    expect(table['google/gemini-2.5-flash']).toEqual({ input: 0.075, output: 0.3 });
    expect(table['jina-embeddings-v3']).toEqual({ input: 0.02, output: 0 });
    expect(table).not.toHaveProperty('$comment');
  });

  it('prices unknown models at least as high as every known chat model', () => {
    const chatModels = ['qwen/qwen3-max', 'openai/gpt-oss-120b', 'google/gemini-2.5-flash'];
    for (const model of chatModels) {
      expect(table.default.input).toBeGreaterThanOrEqual(table[model].input);
      expect(table.default.output).toBeGreaterThanOrEqual(table[model].output);
    }
    expect(priceFor(table, 'some/new-model')).toBe(table.default);
  });
});

describe('loadPriceTable / parsePriceTable', () => {
  it('loads a custom file', () => {
    const file = writeTemp(JSON.stringify({ 'a/model': { input: 1, output: 2 }, default: { input: 3, output: 4 } }));
    expect(loadPriceTable(file)).toEqual({ 'a/model': { input: 1, output: 2 }, default: { input: 3, output: 4 } });
  });

  it('requires a default entry', () => {
    expect(() => parsePriceTable({ 'a/model': { input: 1, output: 2 } })).toThrow(/default/);
  });

  it('rejects negative, missing or extra price fields', () => {
    expect(() => parsePriceTable({ default: { input: -1, output: 2 } })).toThrow(/default\.input/);
    expect(() => parsePriceTable({ default: { input: 1 } })).toThrow(/default\.output/);
    expect(() => parsePriceTable({ default: { input: 1, output: 1, cached: 0.5 } })).toThrow(/cached/);
  });

  it('names the file when it is missing or not JSON', () => {
    expect(() => loadPriceTable('/nonexistent/prices.json')).toThrow(/\/nonexistent\/prices\.json/);
    const file = writeTemp('{ not json');
    expect(() => loadPriceTable(file)).toThrow(file);
  });
});

describe('computeCostUsd', () => {
  it('computes from the price table per million tokens', () => {
    // 10,000 × 0.60 / 1M + 2,000 × 2.00 / 1M = 0.006 + 0.004
    expect(computeCostUsd(table, 'qwen/qwen3-max', 10_000, 2_000)).toEqual({ costUsd: 0.01, source: 'price_table' });
    expect(computeCostUsd(table, 'google/gemini-2.5-flash', 1_000_000, 1_000_000)).toEqual({
      costUsd: 0.375,
      source: 'price_table',
    });
  });

  it('uses the default price for unknown models', () => {
    expect(computeCostUsd(table, 'mystery/model', 1_000_000, 1_000_000).costUsd).toBe(
      table.default.input + table.default.output,
    );
  });

  it('prefers the provider-reported cost when it is a finite number ≥ 0', () => {
    const reported = computeCostUsd(table, 'qwen/qwen3-max', 10_000, 2_000, 0.0042);
    expect(reported).toEqual({ costUsd: 0.0042, source: 'provider' });
    expect(computeCostUsd(table, 'qwen/qwen3-max', 10_000, 2_000, 0)).toEqual({ costUsd: 0, source: 'provider' });
  });

  it.each([[null], [undefined], [Number.NaN], [Number.POSITIVE_INFINITY], [-0.01]])(
    'falls back to the table when the provider cost is %p',
    (providerCost) => {
      expect(computeCostUsd(table, 'qwen/qwen3-max', 10_000, 2_000, providerCost)).toEqual({
        costUsd: 0.01,
        source: 'price_table',
      });
    },
  );

  it('rounds to 1e-8 USD', () => {
    expect(computeCostUsd(table, 'qwen/qwen3-max', 1, 0).costUsd).toBe(0.0000006);
    expect(computeCostUsd(table, 'google/gemini-2.5-flash', 1, 0).costUsd).toBe(0.00000008); // 7.5e-8 rounds up
    expect(computeCostUsd(table, 'x', 0, 0, 0.1 + 0.2).costUsd).toBe(0.3);
  });

  it('treats negative or non-finite token counts as zero', () => {
    expect(computeCostUsd(table, 'qwen/qwen3-max', -5, Number.NaN).costUsd).toBe(0);
  });
});
