// docker-compose.temporal.yml cannot be started here (no Docker engine), so it is checked against the code it must
// agree with: the worker's environment variables, the task queue, the ports, the search attributes, the shape every
// production service needs (pinned images, health checks, ordered start-up), and the versions and config files of
// the local cluster (stack/temporal-cluster.ts), which CI does run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_PORTS, STACK_NAMESPACE } from '../../stack/stack';
import { TEMPORAL_DYNAMIC_CONFIG_FILE, TEMPORAL_SERVER_CONFIG_FILE, writeDynamicConfig } from '../../stack/temporal-cluster';
import { TEMPORAL_SERVER_VERSION } from '../../stack/temporal-server-binary';
import { TEMPORAL_UI_CONFIG_DIR, TEMPORAL_UI_SERVER_VERSION } from '../../stack/temporal-ui-server';
import { CONFIG_KEYS, DEFAULT_DATABASE_URL } from '../../workers/config';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import { DEFAULT_TASK_QUEUE } from '../../workflows/types';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_TEXT = fs.readFileSync(path.join(ROOT, 'docker-compose.temporal.yml'), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | null>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  command?: string[] | string;
  restart?: string;
}
const compose = parse(COMPOSE_TEXT) as { services: Record<string, Service> };
const services = compose.services;
const worker = services.worker;
const workerEnv = worker.environment ?? {};

/** "127.0.0.1:7233:7233" → host and container port. */
function portMappings(service: Service): { host: number; container: number }[] {
  return (service.ports ?? []).map((spec) => {
    const parts = spec.split(':');
    return { host: Number(parts[parts.length - 2]), container: Number(parts[parts.length - 1]) };
  });
}

const commandText = (service: Service) => [service.command ?? []].flat().join('\n');

/** One-shot jobs: something waits for them to complete, and they are never restarted. */
const oneShots = new Set(
  Object.values(services).flatMap((s) =>
    Object.entries(s.depends_on ?? {})
      .filter(([, dep]) => dep.condition === 'service_completed_successfully')
      .map(([name]) => name),
  ),
);

test('every variable the worker service sets is one workers/config.ts reads, with the ones operators need', () => {
  const known = CONFIG_KEYS;
  expect(known).toContain('TEMPORAL_ADDRESS'); // the source parse found the schema
  expect(Object.keys(workerEnv).filter((key) => !known.includes(key))).toEqual([]);
  expect(Object.keys(workerEnv)).toEqual(
    expect.arrayContaining([
      'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'DATABASE_URL', 'LLM_BASE_URL', 'LLM_API_KEY',
      'LLM_METADATA_MODELS', 'LLM_SECTION_MODELS', 'EMBEDDINGS_BASE_URL', 'EMBEDDINGS_API_KEY', 'EMBEDDINGS_MODEL',
      'SECTION_CONCURRENCY', 'SECTION_GROUP_DELAY_MS',
    ]),
  );
  // The key comes from the user's environment only: no value (and so no default) in the file.
  expect(workerEnv.LLM_API_KEY).toBeNull();
  expect(COMPOSE_TEXT).not.toMatch(/LLM_API_KEY:-/);
});

test('the worker uses the default task queue and namespace and reaches Temporal and PostgreSQL by service name', () => {
  expect(workerEnv.TEMPORAL_TASK_QUEUE).toBe(DEFAULT_TASK_QUEUE);
  expect(workerEnv.TEMPORAL_NAMESPACE).toBe(STACK_NAMESPACE);
  expect(workerEnv.TEMPORAL_ADDRESS).toBe(`temporal:${DEFAULT_PORTS.temporal}`);
  const url = new URL(String(workerEnv.DATABASE_URL).replace(/\$\{POSTGRES_PASSWORD:-([^}]*)\}/, '$1'));
  const defaults = new URL(DEFAULT_DATABASE_URL);
  expect(url.hostname).toBe('postgres');
  expect(url.port).toBe('5432');
  expect([url.username, url.password, url.pathname]).toEqual([defaults.username, defaults.password, defaults.pathname]);
});

test('published ports are the stack defaults, so the CLI on the host needs no configuration', () => {
  expect(portMappings(services.temporal)).toEqual([{ host: DEFAULT_PORTS.temporal, container: 7233 }]);
  expect(portMappings(services['temporal-ui'])).toEqual([{ host: DEFAULT_PORTS.temporalUi, container: 8080 }]);
  expect(portMappings(services.postgres)).toEqual([{ host: DEFAULT_PORTS.postgres, container: 5432 }]);
  // DEFAULT_DATABASE_URL (what the client uses without DATABASE_URL) logs into this PostgreSQL as it is set up.
  const defaults = new URL(DEFAULT_DATABASE_URL);
  const pg = services.postgres.environment!;
  expect(Number(defaults.port)).toBe(DEFAULT_PORTS.postgres);
  expect(pg.POSTGRES_USER).toBe(defaults.username);
  expect(pg.POSTGRES_PASSWORD).toBe(`\${POSTGRES_PASSWORD:-${defaults.password}}`);
  expect(pg.POSTGRES_DB).toBe(defaults.pathname.slice(1));
  // Published on loopback only: a database with a default password must not face the network.
  expect(services.postgres.ports!.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
});

test('the one-shot registers exactly the search attributes the workflow upserts, in the default namespace', () => {
  const registering = Object.entries(services).filter(([, s]) => commandText(s).includes('search-attribute create'));
  expect(registering.map(([name]) => name)).toEqual(['temporal-search-attributes']);
  const command = commandText(registering[0][1]);
  const registered = Object.fromEntries([...command.matchAll(/--name (\w+) --type (\w+)/g)].map((m) => [m[1], m[2]]));
  expect(registered).toEqual(SEARCH_ATTRIBUTE_TYPES);
  expect(command).toContain(`--namespace ${STACK_NAMESPACE} --name`);
  expect(worker.depends_on?.['temporal-search-attributes']?.condition).toBe('service_completed_successfully');
});

test('every image is pinned to a version', () => {
  const images = Object.entries(services).filter(([, s]) => !s.build).map(([, s]) => s.image ?? '');
  expect(images.length).toBeGreaterThanOrEqual(5);
  for (const image of images) {
    expect(image).toMatch(/^[\w./-]+:[\w.-]+$/);
    expect(image).toMatch(/:\d+\.\d+(\.\d+)?(-[\w.-]+)?$/); // a version, not a moving name such as latest
  }
  const from = /^FROM\s+(\S+)/m.exec(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  expect(from).toMatch(/^node:20\.\d+\.\d+-[\w-]+$/);
});

test('long-running services have health checks; start-up waits on health or completion, never on mere start', () => {
  for (const [name, service] of Object.entries(services)) {
    if (oneShots.has(name)) {
      expect([name, service.restart]).toEqual([name, 'no']);
      continue;
    }
    expect([name, service.healthcheck?.test]).toEqual([name, expect.anything()]);
    expect([name, service.restart]).toEqual([name, 'unless-stopped']);
  }
  for (const [name, service] of Object.entries(services)) {
    for (const [target, dep] of Object.entries(service.depends_on ?? {})) {
      const expected = oneShots.has(target) ? 'service_completed_successfully' : 'service_healthy';
      expect([name, target, dep.condition]).toEqual([name, target, expected]);
      expect(services[target]).toBeDefined();
    }
  }
  expect(Object.keys(worker.depends_on ?? {}).sort()).toEqual(['postgres', 'temporal', 'temporal-search-attributes']);
});

test('shell text is escaped for compose: every literal $ is $$, variables are ${NAME} or ${NAME:-default}', () => {
  const unescaped = COMPOSE_TEXT.replace(/\$\$/g, '').match(/\$(?!\{[A-Z_]+(:-[^}]*)?\})/g);
  expect(unescaped).toBeNull();
});

test('the worker image runs `npm run worker`, the same entry point as on a laptop', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/^RUN npm ci\b/m);
  expect(dockerfile).toContain('CMD ["npm", "run", "worker"]');
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.scripts.worker).toBe('tsx workers/main.ts');
  // Everything the worker imports at run time is copied into the image.
  for (const dir of ['workflows', 'activities', 'workers', 'migrations', 'config']) {
    expect(dockerfile).toMatch(new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'));
  }
});

test('the worker health check asks the worker\'s own /healthz on WORKER_HTTP_PORT, which is published for scraping', () => {
  const port = Number(workerEnv.WORKER_HTTP_PORT);
  expect(port).toBeGreaterThan(0);
  const check = [worker.healthcheck?.test ?? []].flat().join(' ');
  expect(check).toContain("process.env.WORKER_HTTP_PORT + '/healthz'");
  expect(check).toMatch(/r\.ok \? 0 : 1/);
  expect(portMappings(worker)).toEqual([{ host: port, container: port }]);
  expect(worker.ports!.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
});

test('the worker\'s spool (WORKER_SPOOL_DIR) is on a named volume the image prepares for its user', () => {
  const dir = workerEnv.WORKER_SPOOL_DIR;
  expect(dir).toMatch(/^\//);
  const volumes = (worker as Service & { volumes?: string[] }).volumes ?? [];
  const mount = volumes.map((v) => v.split(':')).find(([, target]) => target === dir);
  expect(mount).toBeDefined();
  expect((compose as unknown as { volumes: Record<string, unknown> }).volumes).toHaveProperty(mount![0]);
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  expect(dockerfile).toContain(`mkdir -p ${dir}`);
  expect(dockerfile.indexOf('chown -R node:node')).toBeLessThan(dockerfile.indexOf('USER node'));
});

describe('one source of truth with the local cluster (npm run services -- --cluster)', () => {
  const tag = (service: Service) => (service.image ?? '').split(':')[1];
  /** "./config/temporal/x.yaml:/in/container.yaml:ro" → host file (absolute) and container path. */
  const mounts = (service: Service) =>
    ((service as { volumes?: string[] }).volumes ?? []).map((spec) => {
      const [host, container] = spec.split(':');
      return { host: path.resolve(ROOT, host), container };
    });
  const templateVariables = (file: string) => new Set([...fs.readFileSync(file, 'utf8').matchAll(/env "([A-Z_]+)"/g)].map((m) => m[1]));

  test('the server, admin-tools and Web UI images are the versions the local cluster builds', () => {
    const server = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
    expect(tag(services.temporal)).toBe(server);
    expect(services.temporal.image).toBe(`temporalio/server:${server}`);
    for (const job of ['temporal-schema', 'temporal-search-attributes']) expect(services[job].image).toBe(`temporalio/admin-tools:${server}`);
    expect(services['temporal-ui'].image).toBe(`temporalio/ui:${TEMPORAL_UI_SERVER_VERSION.replace(/^v/, '')}`);
  });

  test('the server runs the config and dynamic config files the local cluster runs, mounted from config/temporal/', () => {
    const env = services.temporal.environment ?? {};
    const byContainerPath = new Map(mounts(services.temporal).map((m) => [m.container, m.host]));
    expect(byContainerPath.get(String(env.TEMPORAL_SERVER_CONFIG_FILE_PATH))).toBe(TEMPORAL_SERVER_CONFIG_FILE);
    expect(byContainerPath.get(String(env.DYNAMIC_CONFIG_FILE_PATH))).toBe(TEMPORAL_DYNAMIC_CONFIG_FILE);
    for (const file of byContainerPath.values()) expect(fs.existsSync(file)).toBe(true);
    // Mounted read-only: the container must not change the repository's files.
    expect(((services.temporal as { volumes?: string[] }).volumes ?? []).every((v) => v.endsWith(':ro'))).toBe(true);
  });

  test('the deployed dynamic config leaves the testing-only search-attribute refresh off; only a local cluster run turns it on', () => {
    const KEY = 'system.forceSearchAttributesCacheRefreshOnRead';
    const valueIn = (file: string) => (parse(fs.readFileSync(file, 'utf8')) as Record<string, { value: unknown }[]>)[KEY]?.[0]?.value;
    expect(valueIn(TEMPORAL_DYNAMIC_CONFIG_FILE)).toBe(false);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coursegen-dynamic-config-'));
    try {
      expect(valueIn(writeDynamicConfig(path.join(dir, 'local'), undefined))).toBe(true);
      // The benchmark's override wins over the local switch; the shipped file's other keys are kept.
      const bench = writeDynamicConfig(path.join(dir, 'bench'), { [KEY]: false });
      expect(valueIn(bench)).toBe(false);
      expect(Object.keys(parse(fs.readFileSync(bench, 'utf8')))).toEqual(expect.arrayContaining(Object.keys(parse(fs.readFileSync(TEMPORAL_DYNAMIC_CONFIG_FILE, 'utf8')))));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every variable the server service sets is one the config template reads (or one the server itself reads)', () => {
    const template = templateVariables(TEMPORAL_SERVER_CONFIG_FILE);
    expect(template.has('POSTGRES_SEEDS')).toBe(true); // the pattern found the template's variables
    const readByServer = ['TEMPORAL_SERVER_CONFIG_FILE_PATH', 'TEMPORAL_ALLOW_NO_AUTH'];
    const unknown = Object.keys(services.temporal.environment ?? {}).filter((key) => !template.has(key) && !readByServer.includes(key));
    expect(unknown).toEqual([]);
    const templateText = fs.readFileSync(TEMPORAL_SERVER_CONFIG_FILE, 'utf8');
    expect(templateText.split('\n')[0]).toBe('# enable-template');
    // The health check asks the frontend's HTTP port as the template sets it when no variable overrides it.
    const httpPort = /httpPort: \{\{ default "(\d+)" \(env "FRONTEND_HTTP_PORT"\) \}\}/.exec(templateText)?.[1];
    expect(httpPort).toBeDefined();
    expect([services.temporal.healthcheck?.test ?? []].flat().join(' ')).toContain(`http://127.0.0.1:${httpPort}/`);
  });

  test('the schema job migrates with the embedded schemas the local cluster uses', () => {
    const command = commandText(services['temporal-schema']);
    expect(command).toContain('--plugin postgres12');
    expect(command).toContain('temporal update-schema --schema-name postgresql/v12/temporal');
    expect(command).toContain('temporal_visibility update-schema --schema-name postgresql/v12/visibility');
  });

  test('the Web UI runs the config file the local cluster runs, and every variable it sets is one that file reads', () => {
    const uiConfig = path.join(TEMPORAL_UI_CONFIG_DIR, 'docker.yaml');
    expect(mounts(services['temporal-ui'])).toEqual([{ host: uiConfig, container: '/home/ui-server/config/docker.yaml' }]);
    const template = templateVariables(uiConfig);
    expect(Object.keys(services['temporal-ui'].environment ?? {}).filter((key) => !template.has(key))).toEqual([]);
    expect(services['temporal-ui'].environment?.TEMPORAL_UI_PORT).toBe(String(portMappings(services['temporal-ui'])[0].container));
  });
});
