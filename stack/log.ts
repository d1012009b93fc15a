/** Every stack module reports progress through one of these; callers choose where it goes. */
export type StackLog = (message: string) => void;

/** Progress goes to stderr so stdout stays machine-readable (see services.ts). */
export function stderrLog(prefix = '[stack]'): StackLog {
  return (message) => process.stderr.write(`${prefix} ${message}\n`);
}

export const silentLog: StackLog = () => undefined;
