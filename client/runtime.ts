// The Temporal Core runtime logs at WARN for in-process workers (demo, tests): output stays about the run.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/** Tests pass 'ERROR': the failures they provoke on purpose would otherwise fill the output with warnings. */
export function quietRuntime(level: LogLevel = 'WARN'): void {
  if (installed) return;
  Runtime.install({ logger: new DefaultLogger(level) });
  installed = true;
}
