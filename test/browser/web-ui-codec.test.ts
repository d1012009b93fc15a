// Encrypted payloads in the Web UI, in a real browser: a dev server started with `--ui-codec-endpoint` pointing at
// the codec server shows an encrypted run's course title (decoded in the browser through the codec server), and
// the test stack's UI, which has no codec server, shows the same kind of run without it. Skipped, with a warning,
// without Chromium (as test/browser/web-ui.test.ts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadClientConfig } from '../../client/config';
import { startCodecServer, type CodecServer } from '../../client/codec-server';
import { startLlmSimulator, type LlmSimulator } from '../../simulator/server';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import { resolveTemporalCli } from '../../stack/temporal-cli';
import { startTemporalDevServer, type TemporalDevServer } from '../../stack/temporal-server';
import { freePorts } from '../../stack/util';
import { buildWorker, type BuiltWorker } from '../../workers/build-worker';
import { loadConfig } from '../../workers/config';
import { AesGcmPayloadCodec, parseCodecKeys } from '../../workers/payload-codec';
import { exampleInput } from '../fixtures/example-input';
import { createHarness, type Harness } from '../support/harness';
import { runGenerate, startPipeline, type Pipeline } from '../support/pipeline';
import { testStackEnv, uniqueTaskQueue } from '../support/stack-env';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const UI_TIMEOUT_MS = 30_000;
const KEYS = `ui-2026:${crypto.randomBytes(32).toString('base64')}`;

if (!HAVE_CHROMIUM) console.warn(`SKIPPED test/browser/web-ui-codec.test.ts: no Chromium at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium).`);
const browserTest = HAVE_CHROMIUM ? test : test.skip;

let dir: string;
let harness: Harness;
let codec: CodecServer;
let server: TemporalDevServer;
let sim: LlmSimulator;
let worker: BuiltWorker;
let running: Promise<void>;
let plainUiPipeline: Pipeline;
let browser: BrowserContext;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-ui-codec-'));
  harness = await createHarness();
  const [port, uiPort] = await freePorts(2);
  codec = await startCodecServer({ codec: new AesGcmPayloadCodec(parseCodecKeys(KEYS, 'test')), port: 0, origins: [`http://127.0.0.1:${uiPort}`] });
  server = await startTemporalDevServer({
    cliPath: await resolveTemporalCli(() => undefined),
    port,
    uiPort,
    dbFile: path.join(dir, 'temporal.sqlite'),
    searchAttributes: SEARCH_ATTRIBUTE_TYPES,
    log: () => undefined,
    uiCodecEndpoint: codec.url,
  });
  sim = await startLlmSimulator({ port: 0, quiet: true, timeFactor: 0.004 });
  worker = await buildWorker(loadConfig(codecEnv()), { workflowBundle: harness.bundle });
  running = worker.worker.run();
  plainUiPipeline = await startPipeline(harness, { env: { PAYLOAD_CODEC_KEYS: KEYS } });
  browser = await chromium.launchPersistentContext(path.join(dir, 'chromium'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 1400 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  worker?.worker.shutdown();
  await running;
  await worker?.close();
  await plainUiPipeline?.close();
  await sim?.close();
  await server?.stop();
  await codec?.close();
  await harness?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const taskQueue = uniqueTaskQueue('ui-codec');
function codecEnv() {
  return {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_UI: server.uiUrl,
    DATABASE_URL: testStackEnv().databaseUrl,
    LLM_BASE_URL: sim.url,
    LLM_API_KEY: 'ui-codec-test-key-not-secret',
    SECTION_GROUP_DELAY_MS: '200',
    PAYLOAD_CODEC_KEYS: KEYS,
  };
}

function smallInput(title: string) {
  const input = exampleInput({ sections: 2 });
  input.analysis_result.recommended_structure.sections_breakdown.forEach((s) => (s.estimated_lessons = 5));
  input.frontend_parameters.course_title = title;
  return input;
}

/** Everything the page shows, the markdown frames (summary, details) included. */
async function pageText(page: Page): Promise<string> {
  const texts = await Promise.all(page.frames().map((f) => f.locator('body').innerText({ timeout: 1000 }).catch(() => '')));
  return texts.join('\n');
}

async function openUserMetadata(page: Page, ui: string, workflowId: string, runId: string): Promise<void> {
  await page.goto(`${ui}/namespaces/default/workflows/${workflowId}/${runId}/history`, { waitUntil: 'domcontentloaded' });
  await page.getByRole('heading', { name: workflowId }).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  await page.getByText('Completed', { exact: true }).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  await page.getByText('User Metadata', { exact: true }).first().click();
  await page.getByText('Events with Metadata').first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
}

browserTest('with the codec server the Web UI shows the encrypted run decoded; without it, not', async () => {
  const title = `Encrypted UI course ${crypto.randomBytes(3).toString('hex')}`;
  const decoded = await runGenerate(loadClientConfig(codecEnv()), smallInput(title));
  expect(decoded.exitCode).toBe(0);
  const plainTitle = `Encrypted plain-UI course ${crypto.randomBytes(3).toString('hex')}`;
  const sealed = await plainUiPipeline.generate(smallInput(plainTitle));
  expect(sealed.exitCode).toBe(0);

  const page = await browser.newPage();
  try {
    await openUserMetadata(page, server.uiUrl, decoded.json.workflow_id, decoded.json.run_id);
    const deadline = Date.now() + UI_TIMEOUT_MS;
    let text = '';
    while (Date.now() < deadline && !(text = await pageText(page)).includes(`Course: ${title}`)) await page.waitForTimeout(250);
    expect(text).toContain(`Course: ${title}`);

    await openUserMetadata(page, testStackEnv().temporalUiUrl, sealed.json.workflow_id, sealed.json.run_id);
    // Give the UI the same chance to render the summary it cannot decode.
    await page.waitForTimeout(3000);
    expect(await pageText(page)).not.toContain(plainTitle);
  } catch (error) {
    const shot = path.join(os.tmpdir(), `coursegen-ui-codec-failure-${Date.now()}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
    throw new Error(`${(error as Error).message}\nScreenshot: ${shot}`);
  } finally {
    await page.close();
  }
});
