// jest's globalSetup: starts one Temporal + PostgreSQL for the whole test run and tells the tests where they are.
//
// Free random ports in a fresh temp dir, so tests never touch (or collide with) a developer's `npm run services` on
// the default ports. Temporal is the dev server, or with COURSEGEN_TEST_ENGINE=cluster (jest.cluster.config.js) the
// production server on that PostgreSQL (stack/temporal-cluster.ts, no Web UI).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stderrLog, type StackLog } from '../../stack/log';
import { startStack, STACK_NAMESPACE, type RunningStack } from '../../stack/stack';
import { freePorts, formatMs } from '../../stack/util';
import { STACK_HANDLE, TEST_STACK_FILE, type GlobalStackHandle } from './stack-env';

export default async function globalSetup(): Promise<void> {
  // Quiet on CI and when output isn't a terminal, but always one timing line per component.
  const quiet = Boolean(process.env.CI) || !process.stderr.isTTY;
  const say = stderrLog('[test-stack]');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-test-stack-'));
  // mkdtemp makes it 0700; as root, PostgreSQL runs as the `postgres` user and must be able to enter it.
  fs.chmodSync(root, 0o755);
  const started = Date.now();
  // On a terminal, jest's "Determining test suites…" status has no trailing newline yet.
  if (process.stderr.isTTY) process.stderr.write('\n');
  say(`starting test stack in ${root}`);
  // A first-time Temporal CLI build lasts minutes: its progress is shown even when quiet.
  const log: StackLog = quiet ? (m) => /Temporal (CLI|server|SQL tool)|go: downloading/.test(m) && say(m) : say;
  const engine = process.env.COURSEGEN_TEST_ENGINE === 'cluster' ? 'cluster' : 'dev';
  let stack: RunningStack | undefined;
  let postgresPort = 0;
  for (let attempt = 1; !stack; attempt++) {
    const [temporalPort, temporalUiPort, pgPort] = await freePorts(3);
    postgresPort = pgPort;
    try {
      stack = await startStack({
        root,
        temporalPort,
        temporalUiPort,
        postgresPort,
        log,
        cluster: engine === 'cluster' ? { freePorts: true, webUi: false } : undefined,
      });
    } catch (err) {
      // Another process can still take a checked-free port before our server binds it: retry elsewhere.
      if (attempt < 3 && /already in use/i.test((err as Error).message)) {
        say(`port clash, retrying on other ports: ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      fs.rmSync(root, { recursive: true, force: true });
      throw err;
    }
  }
  if (stack.timings.temporalCliMs > 5000) say(`Temporal CLI ready in ${formatMs(stack.timings.temporalCliMs)}`);
  say(`temporal (${stack.engine}) ready in ${formatMs(stack.timings.temporalMs)} at ${stack.temporalAddress}`);
  say(`postgres ready in ${formatMs(stack.timings.postgresMs)} on port ${postgresPort}`);
  if (!quiet) say(`stack up in ${formatMs(Date.now() - started)}; logs in ${path.join(root, 'logs')}`);

  // Jest workers are forked after globalSetup and inherit process.env.
  Object.assign(process.env, {
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_UI: stack.temporalUiUrl,
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_NAMESPACE: STACK_NAMESPACE,
    COURSEGEN_TEST_ENGINE: stack.engine,
    ...(stack.temporalServerPid ? { TEMPORAL_SERVER_PID: String(stack.temporalServerPid) } : {}),
  });
  fs.mkdirSync(path.dirname(TEST_STACK_FILE), { recursive: true });
  fs.writeFileSync(
    TEST_STACK_FILE,
    `${JSON.stringify({
      temporalAddress: stack.temporalAddress,
      temporalUiUrl: stack.temporalUiUrl,
      databaseUrl: stack.databaseUrl,
      namespace: STACK_NAMESPACE,
      engine: stack.engine,
      temporalServerPid: stack.temporalServerPid,
      pid: process.pid,
      root,
    }, null, 2)}\n`,
  );
  const handle: GlobalStackHandle = { stop: stack.stop, root, pid: process.pid };
  (globalThis as Record<symbol, unknown>)[STACK_HANDLE] = handle;
}
