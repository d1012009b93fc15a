// The PostgreSQL pool every store shares, and the one place a driver error becomes a typed failure: every failure
// leaves as a retryable DATABASE_ERROR, so an outage delays a run (Temporal retries) instead of failing it.
import { ApplicationFailure } from '@temporalio/common';
import { Pool, type PoolClient } from 'pg';
import { ErrorType } from '../../workflows/types';

export class Database {
  constructor(private readonly pool: Pool) {}

  static fromUrl(databaseUrl: string): Database {
    // Small pool: activities hold a connection for milliseconds; a burst of sections needs a handful at most.
    const pool = new Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 5_000 });
    // An idle client dropped by the server (restart, outage) must not crash the worker process.
    pool.on('error', () => undefined);
    return new Database(pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** For health checks: resolves when PostgreSQL answers a trivial query. */
  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async query(sql: string, params: unknown[] = []) {
    try {
      return await this.pool.query(sql, params);
    } catch (error) {
      throw asDatabaseFailure(error);
    }
  }

  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asDatabaseFailure(error);
    }
    // A checked-out client has no pool listener: without this one, a connection lost mid-transaction is an
    // unhandled 'error' event that kills the worker process. The failing query rejects on its own.
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (!lost) await client.query('ROLLBACK').catch(() => undefined);
      throw asDatabaseFailure(error);
    } finally {
      client.off('error', onError);
      // A broken connection is destroyed instead of going back to the pool.
      client.release(lost);
    }
  }
}

function asDatabaseFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  // The driver's error stays as the cause: isDatabaseUnreachable reads its code.
  return ApplicationFailure.create({ message: `PostgreSQL: ${message}`, type: ErrorType.DATABASE_ERROR, cause: error instanceof Error ? error : undefined });
}

/** SQLSTATEs of a server that is going away or not taking connections (class 08 is checked as a prefix). */
const UNREACHABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNREACHABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** What node-postgres says when the socket is gone or a connection could not be had in time. */
const UNREACHABLE_MESSAGE = /connection terminated|timeout exceeded when trying to connect|connection error|not queryable|Connection ended/i;

/**
 * True when PostgreSQL could not be reached (down, restarting, connection lost or refused); false when it answered
 * and refused the statement (a constraint, a bad value): only the first is worth keeping an entry for until it is back.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (code.startsWith('08') || UNREACHABLE_SQLSTATES.has(code) || UNREACHABLE_SOCKET_CODES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code)) return false;
    }
    if (!(e instanceof ApplicationFailure) && e instanceof Error && UNREACHABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}
