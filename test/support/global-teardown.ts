// jest's globalTeardown: stops the stack global-setup.ts started and removes its folder (unless KEEP_TEST_STACK).
import fs from 'node:fs';
import { STACK_HANDLE, TEST_STACK_FILE, type GlobalStackHandle } from './stack-env';

export default async function globalTeardown(): Promise<void> {
  const handle = (globalThis as Record<symbol, unknown>)[STACK_HANDLE] as GlobalStackHandle | undefined;
  if (!handle) return;
  await handle.stop();
  delete (globalThis as Record<symbol, unknown>)[STACK_HANDLE];
  // Keep the data and logs when asked, e.g. to inspect a failing run's server logs.
  if (process.env.KEEP_TEST_STACK) process.stderr.write(`[test-stack] kept ${handle.root}\n`);
  else fs.rmSync(handle.root, { recursive: true, force: true });
  // Only remove the JSON if it still describes this run (a parallel run may have replaced it).
  try {
    const saved = JSON.parse(fs.readFileSync(TEST_STACK_FILE, 'utf8')) as { pid?: number };
    if (saved.pid === handle.pid) fs.rmSync(TEST_STACK_FILE, { force: true });
  } catch {
    // already gone
  }
}
