// The stats HTML report in a real browser: a synthetic day of ledger rows and course runs (bench/ledger-fixture.ts)
// in a database of its own, `stats --html`, then headless Chromium opens the file and checks every chart is drawn
// from the data — buckets, per-model latency boxes, failure types, the slowest courses linking to the Web UI — and
// that the page asked for nothing beyond itself. SAVE_SCREENSHOT=1 writes docs/stats-report.png.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Pool } from 'pg';
import { chromium, type BrowserContext } from 'playwright-core';
import { Database } from '../../activities/db/database';
import { migrate } from '../../activities/db/migrations';
import { seedLedger } from '../../bench/ledger-fixture';
import { statsCommand } from '../../client/commands/stats';
import { loadClientConfig, type ClientConfig } from '../../client/config';
import type { StatsReport } from '../../client/stats/report';
import { createScratchDatabase } from '../support/pipeline';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const DOCS_SCREENSHOT = path.resolve(__dirname, '..', '..', 'docs', 'stats-report.png');
const UI = 'http://127.0.0.1:8233';

if (!HAVE_CHROMIUM) {
  console.warn(
    `SKIPPED test/browser/stats-report.test.ts: no Chromium at ${CHROMIUM}. ` +
      'Install it (apt-get install -y --no-install-recommends chromium) or set CHROMIUM_PATH.',
  );
}
const browserTest = HAVE_CHROMIUM ? test : test.skip;

let db: { url: string; drop(): Promise<void> };
let dir: string;
let browser: BrowserContext;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  db = await createScratchDatabase('coursegen_report');
  const database = Database.fromUrl(db.url);
  await migrate(database);
  await database.close();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-stats-report-'));
  browser = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1000, height: 1400 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

async function stats(options: { json?: boolean; html?: string }): Promise<string> {
  let out = '';
  const sink = new Writable({ write: (chunk, _e, done) => ((out += chunk.toString()), done()) });
  const config: ClientConfig = loadClientConfig({ TEMPORAL_NAMESPACE: 'default', DATABASE_URL: db.url, TEMPORAL_UI: UI });
  expect(await statsCommand({ ...options, since: '24h', config, stdout: sink, stderr: new Writable({ write: (_c, _e, d) => d() }) })).toBe(0);
  return out;
}

browserTest('the HTML report draws its charts from the ledger, offline, with links to the slowest runs', async () => {
  const pool = new Pool({ connectionString: db.url });
  // 260 course runs over the last day, one in six attempts failing: enough to breach the seed's fallback limit.
  await seedLedger(pool, { courses: 260, days: 1, end: new Date(Date.now() - 60_000), failRate: 0.16 });
  await pool.end();
  const report = JSON.parse(await stats({ json: true })) as StatsReport;
  const file = path.join(dir, 'report.html');
  await stats({ html: file });

  const page = await browser.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  try {
    await page.goto(`file://${file}`);
    expect(requested).toEqual([`file://${file}`]);

    const tiles = page.locator('#thresholds .tile');
    expect(await tiles.count()).toBe(5);
    const statuses = await tiles.evaluateAll((els) => els.map((e) => [e.getAttribute('data-threshold'), e.getAttribute('data-status')]));
    expect(statuses).toEqual(report.thresholds.map((t) => [t.key, t.status]));
    expect(statuses).toContainEqual(['escalation_rate', 'breached']);
    await expect(page.locator('.tile.breached').first().isVisible()).resolves.toBe(true);

    // Calls over time: one bar group per bucket, adding up to every call of the window.
    const buckets = page.locator('#chart-activity g.bucket');
    expect(await buckets.count()).toBe(report.series.length);
    expect(report.series.length).toBeGreaterThanOrEqual(20);
    const drawnCalls = await buckets.evaluateAll((els) => els.reduce((s, e) => s + Number(e.getAttribute('data-calls')), 0));
    expect(drawnCalls).toBe(report.series.reduce((s, p) => s + p.calls, 0));
    await expect(page.locator('#chart-activity path.line').count()).resolves.toBe(1);

    // Latency: one box per chat model, with its median.
    const boxes = await page.locator('#chart-latency g.box').evaluateAll((els) => els.map((e) => e.getAttribute('data-model')));
    expect(boxes.sort()).toEqual(Object.keys(report.models).sort());
    expect(boxes.length).toBe(3);

    // Failure types, largest first.
    const failures = await page.locator('#chart-failures g.hbar').evaluateAll((els) => els.map((e) => [e.getAttribute('data-label'), Number(e.getAttribute('data-value'))]));
    expect(failures).toEqual(Object.entries(report.overall.failures_by_type).sort((a, b) => b[1] - a[1]));
    expect(failures.map(([type]) => type)).toEqual(expect.arrayContaining(['LLM_OUTPUT_INVALID', 'LLM_RATE_LIMITED', 'LLM_UNAVAILABLE', 'LLM_TIMEOUT']));

    // The slowest courses open their run in the Web UI.
    const links = await page.locator('#chart-slowest a').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
    expect(links).toEqual(report.courses.slowest.map((c) => `${UI}/namespaces/default/workflows/${c.workflow_id}/${c.run_id}/history`));
    expect(links.length).toBe(10);

    // Each chart is actually laid out on the page, not just present in the markup.
    for (const id of ['chart-activity', 'chart-latency', 'chart-failures', 'chart-slowest']) {
      const box = await page.locator(`#${id}`).boundingBox();
      expect([id, (box?.width ?? 0) > 400, (box?.height ?? 0) > 50]).toEqual([id, true, true]);
    }
    const shot = path.join(dir, 'stats-report.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.SAVE_SCREENSHOT === '1') {
      fs.copyFileSync(shot, DOCS_SCREENSHOT);
      console.log(`Saved ${DOCS_SCREENSHOT}`);
    }
  } finally {
    await page.close();
  }
});
