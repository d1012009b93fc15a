// The Temporal Core runtime logs at WARN for in-process workers (demo, tests): output stays about the run.
import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

export function quietRuntime(): void {
  if (installed) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  installed = true;
}
