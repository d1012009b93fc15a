// How fast `npm run stats` answers on a big ledger: fills a database with `--rows` (default a million) synthetic
// ledger rows over 30 days (bench/ledger-fixture.ts, generated inside PostgreSQL), then times the stats queries for
// several windows, with the indexes of migrations/005_ledger_indexes.sql and without them.
//
//   npx tsx bench/stats-queries.ts [--rows 1000000] [--repeat 3]
//
// Uses DATABASE_URL when set (a database it may fill: it refuses one that already holds courses), else starts an
// embedded PostgreSQL in a temp folder and removes it afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { Database } from '../activities/db/database';
import { migrate } from '../activities/db/migrations';
import { buildStatsReport } from '../client/stats/report';
import { startEmbeddedPostgres } from '../stack/postgres';
import { freePorts } from '../stack/util';
import { seedLedger } from './ledger-fixture';

/** Calls per synthetic course run: 9 generations × ~1.1 attempts + one embeddings call. */
const CALLS_PER_COURSE = 11;
const STATS_INDEXES = {
  llm_calls_created_at: 'CREATE INDEX llm_calls_created_at ON llm_calls (created_at)',
  llm_calls_course_created_at: 'CREATE INDEX llm_calls_course_created_at ON llm_calls (course_id, created_at)',
  courses_updated_at: 'CREATE INDEX courses_updated_at ON courses (updated_at)',
};

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function median(repeat: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function main(): Promise<void> {
  const rows = arg('rows', 1_000_000);
  const repeat = arg('repeat', 3);
  let databaseUrl = process.env.DATABASE_URL;
  let stop = async () => undefined as void;
  if (!databaseUrl) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-stats-bench-'));
    fs.chmodSync(root, 0o755);
    const [port] = await freePorts(1);
    const pg = await startEmbeddedPostgres({ dataDir: path.join(root, 'data'), port, database: 'coursegen', log: () => undefined });
    databaseUrl = pg.databaseUrl;
    stop = async () => {
      await pg.stop();
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    };
  }
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  // The server stops at the end: an idle connection it closes must not crash the script.
  pool.on('error', () => undefined);
  try {
    const database = Database.fromUrl(databaseUrl);
    await migrate(database);
    await database.close();
    const existing = await pool.query('SELECT count(*)::int AS n FROM courses');
    if (existing.rows[0].n > 0) throw new Error(`${databaseUrl} already holds courses: give an empty database`);
    const end = new Date();
    const seeding = Date.now();
    const seeded = await seedLedger(pool, { courses: Math.round(rows / CALLS_PER_COURSE), days: 30, end });
    console.log(`Seeded ${seeded.calls} ledger rows and ${seeded.courses} courses over 30 days in ${((Date.now() - seeding) / 1000).toFixed(1)} s`);
    const size = await pool.query("SELECT pg_size_pretty(pg_total_relation_size('llm_calls')) AS size");
    console.log(`llm_calls with its indexes: ${size.rows[0].size}`);

    const oneCourse = (await pool.query('SELECT course_id FROM courses ORDER BY updated_at DESC LIMIT 1')).rows[0].course_id;
    const day = 86_400_000;
    const until = new Date(end.getTime() + 1000);
    const cases = [
      { name: '--since 1h', filter: { since: new Date(end.getTime() - day / 24), until } },
      { name: '--since 24h', filter: { since: new Date(end.getTime() - day), until } },
      { name: '--since 7d', filter: { since: new Date(end.getTime() - 7 * day), until } },
      { name: '--since 30d (whole ledger)', filter: { since: new Date(end.getTime() - 31 * day), until } },
      { name: '--course <id>', filter: { since: new Date(0), until, courseId: oneCourse } },
    ];
    const timeAll = async () => {
      const out: Record<string, number> = {};
      for (const c of cases) {
        await buildStatsReport(pool, c.filter); // warm the cache: the figure is the steady state
        out[c.name] = await median(repeat, () => buildStatsReport(pool, c.filter));
      }
      return out;
    };
    const withIndexes = await timeAll();
    for (const name of Object.keys(STATS_INDEXES)) await pool.query(`DROP INDEX ${name}`);
    await pool.query('ANALYZE llm_calls; ANALYZE courses');
    const withoutIndexes = await timeAll();
    for (const sql of Object.values(STATS_INDEXES)) await pool.query(sql);
    console.log(`\nbuildStatsReport (4 queries), median of ${repeat}, ms:`);
    console.log(`${'window'.padEnd(28)} ${'with 005 indexes'.padStart(17)} ${'without'.padStart(10)}`);
    for (const c of cases) {
      console.log(`${c.name.padEnd(28)} ${withIndexes[c.name].toFixed(1).padStart(17)} ${withoutIndexes[c.name].toFixed(1).padStart(10)}`);
    }
  } finally {
    await pool.end();
    await stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
