// Activities that do not wait on a model still need heartbeats: with a heartbeat timeout, a worker lost during
// quality validation or a commit is noticed in seconds instead of after the whole start-to-close timeout.
import { Context } from '@temporalio/activity';

type AsyncFunction = (...args: any[]) => Promise<unknown>;

export function withHeartbeats<T extends Record<string, AsyncFunction>>(activities: T, intervalMs: number): T {
  const wrapped: Record<string, AsyncFunction> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      const context = Context.current();
      context.heartbeat();
      const timer = setInterval(() => context.heartbeat(), intervalMs);
      try {
        return await activity(...args);
      } finally {
        clearInterval(timer);
      }
    };
  }
  return wrapped as T;
}
