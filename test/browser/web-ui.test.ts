// The Temporal Web UI, in a real browser, shows what an operator needs about a finished course run: its id and
// Completed status, the per-section activity summaries and the group-delay timer on the timeline, and the static
// summary/details under "User Metadata". Runs against the test stack's dev server with a headless Chromium.
//
// Screenshots go to a temp folder, kept only when the test fails; SAVE_SCREENSHOT=1 also copies the history page
// to docs/web-ui-run.png (kept out of ordinary runs so tests never dirty the work tree). Without Chromium at CHROMIUM_PATH (default
// /usr/bin/chromium) the test is reported as skipped, with a warning saying how to install it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { exampleInput } from '../fixtures/example-input';
import { createHarness, type Harness } from '../support/harness';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { testStackEnv } from '../support/stack-env';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const DOCS_SCREENSHOT = path.resolve(__dirname, '..', '..', 'docs', 'web-ui-run.png');
/** The UI renders its shell first and loads the run over its API; every check waits up to this long. */
const UI_TIMEOUT_MS = 30_000;

if (!HAVE_CHROMIUM) {
  console.warn(
    `SKIPPED test/browser/web-ui.test.ts: no Chromium at ${CHROMIUM}. ` +
      'Install it (apt-get install -y --no-install-recommends chromium) or set CHROMIUM_PATH.',
  );
}
const browserTest = HAVE_CHROMIUM ? test : test.skip;

let harness: Harness;
let pipeline: Pipeline;
let profileDir: string;
let browser: BrowserContext;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  harness = await createHarness();
  // The production default: both metadata calls of hybrid routing are on the timeline.
  pipeline = await startPipeline(harness, { env: { METADATA_ROUTING: 'hybrid' } });
  // A fresh profile per run: no cached UI state, no first-run prompts, nothing left behind.
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 1400 },
    args: [
      '--headless',
      '--no-sandbox', // CI runs as root, where Chromium's sandbox cannot start
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  await pipeline?.close();
  await harness?.close();
});

const visible = (locator: Locator) => locator.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });

/** The static summary and details are markdown the UI renders into iframes; wait until one of them shows `text`. */
async function frameShowing(page: Page, text: string): Promise<void> {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const body = await frame.locator('body').innerText({ timeout: 1000 }).catch(() => '');
      if (body.includes(text)) return;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`No rendered markdown frame showed "${text}"`);
}

browserTest('the Web UI shows the finished run: id, Completed, section and timer summaries, static summary', async () => {
  const ui = testStackEnv().temporalUiUrl;
  expect(ui).toMatch(/^http/); // the global setup's dev server serves the UI
  const input = exampleInput();
  const title = input.frontend_parameters.course_title;
  const { exitCode, json } = await pipeline.generate(input);
  expect(exitCode).toBe(0);

  const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-web-ui-'));
  const page = await browser.newPage();
  try {
    // Never wait for "network idle": the UI keeps polling the run.
    await page.goto(`${ui}/namespaces/default/workflows/${json.workflow_id}/${json.run_id}/history`, { waitUntil: 'domcontentloaded' });
    await visible(page.getByRole('heading', { name: json.workflow_id }));
    await visible(page.getByText('Completed', { exact: true }));
    // Activity summaries label the timeline (SVG text): one per section, and the two metadata calls.
    await visible(page.getByText(/Section 3\/8: /));
    await visible(page.getByText(/Section 8\/8: /));
    await visible(page.getByText(`Metadata (critical): ${title}`));
    await visible(page.getByText(`Metadata (support): ${title}`));
    // The timer between section groups carries its own summary.
    await visible(page.getByText(/Delay before group 2\/2/));

    const screenshot = path.join(shots, 'web-ui-run.png');
    await page.screenshot({ path: screenshot });
    if (process.env.SAVE_SCREENSHOT === '1') {
      fs.copyFileSync(screenshot, DOCS_SCREENSHOT);
      console.log(`Saved ${DOCS_SCREENSHOT}`);
    }

    await page.getByText('User Metadata', { exact: true }).first().click();
    await visible(page.getByText('Events with Metadata'));
    await frameShowing(page, `Course: ${title}`);
    await frameShowing(page, `Course id: ${input.course_id}`);
  } catch (error) {
    // Kept for whoever debugs the failure; a passing run removes its screenshots below.
    const failed = path.join(shots, 'failure.png');
    await page.screenshot({ path: failed, fullPage: true }).catch(() => undefined);
    throw new Error(`${(error as Error).message}\nScreenshot of the page: ${failed}`);
  } finally {
    await page.close();
  }
  fs.rmSync(shots, { recursive: true, force: true });
});
