import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { silentLog } from '../../stack/log';
import { SEARCH_ATTRIBUTES } from '../../stack/search-attributes';
import { resolveTemporalCli } from '../../stack/temporal-cli';
import { startTemporalDevServer, type TemporalDevServer } from '../../stack/temporal-server';
import { freePorts } from '../../stack/util';
import { testStackEnv, uniqueTaskQueue } from '../support/stack-env';

describe('local stack (global test stack)', () => {
  const env = testStackEnv();

  it('Temporal has the course search attributes registered', async () => {
    const connection = await Connection.connect({ address: env.temporalAddress });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: env.namespace });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)));
    } finally {
      await connection.close();
    }
  });

  it('PostgreSQL answers on DATABASE_URL', async () => {
    const pg = new PgClient({ connectionString: env.databaseUrl });
    await pg.connect();
    try {
      const { rows } = await pg.query<{ one: number }>('select 1 as one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await pg.end();
    }
  });
});

describe('Temporal dev server restart', () => {
  // A separate server (own ports and SQLite file): restarting the global one would disturb other tests.
  let dir: string;
  let server: TemporalDevServer | undefined;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-restart-'));
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps workflow histories in its SQLite file and adds missing search attributes', async () => {
    const cliPath = await resolveTemporalCli(silentLog);
    const [port, uiPort] = await freePorts(2);
    const start = (searchAttributes: typeof SEARCH_ATTRIBUTES) =>
      startTemporalDevServer({ cliPath, port, uiPort, dbFile: path.join(dir, 'temporal.sqlite'), searchAttributes, log: silentLog });
    const workflowId = `restart-${Date.now()}`;

    // First run registers only one attribute, like a SQLite file from an older version of the project.
    server = await start({ CourseId: SEARCH_ATTRIBUTES.CourseId });
    let connection = await Connection.connect({ address: server.address });
    // No worker polls this queue: the workflow just stays RUNNING, which is all we need.
    const handle = await new Client({ connection }).workflow.start('NoSuchWorkflow', {
      taskQueue: uniqueTaskQueue('stack-restart'),
      workflowId,
    });
    await connection.close();
    await server.stop();

    // start-dev registers --search-attribute only on a new file: the rest must be added by the stack.
    server = await start(SEARCH_ATTRIBUTES);
    connection = await Connection.connect({ address: server.address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)));
      const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
      expect(description.runId).toBe(handle.firstExecutionRunId);
      expect(description.type).toBe('NoSuchWorkflow');
      expect(description.status.name).toBe('RUNNING');
    } finally {
      await connection.close();
    }
  });
});
