/** Shared between global-setup and global-teardown, which run in the same jest parent process. */
export const STACK_HANDLE = Symbol.for('coursegen.testStack');

export interface GlobalStackHandle {
  stop(): Promise<void>;
  /** Temp dir holding the run's data and logs; removed at teardown. */
  root: string;
  pid: number;
}
