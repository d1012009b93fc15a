// The standard Temporal client configuration as this project reads it: TOML profiles and TEMPORAL_* variables
// through @temporalio/envconfig, and start-up errors that name the setting instead of a hang or a stack trace.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadClientConfig } from '../../client/config';
import { ConfigError, loadConfig } from '../../workers/config';
import { connectClient, connectWorkerConnection, describeTemporalConnection, loadTemporalConnection } from '../../workers/temporal-connection';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-profile-'));
  fs.writeFileSync(path.join(dir, 'cert.pem'), '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n');
  fs.writeFileSync(path.join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nnot checked here\n-----END PRIVATE KEY-----\n');
  fs.writeFileSync(
    path.join(dir, 'temporal.toml'),
    `[profile.default]
address = "127.0.0.1:7233"

[profile.cloud]
address = "my-ns.a1b2c.tmprl.cloud:7233"
namespace = "my-ns.a1b2c"
[profile.cloud.tls]
client_cert_path = "${path.join(dir, 'cert.pem')}"
client_key_path = "${path.join(dir, 'key.pem')}"

[profile.apikey]
address = "us-east-1.aws.api.temporal.io:7233"
namespace = "my-ns.a1b2c"
api_key = "profile-api-key-value"
`,
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const file = () => path.join(dir, 'temporal.toml');

test('no settings: the local dev server, plain text, no encryption', () => {
  const config = loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file() });
  expect([config.address, config.namespace, config.connectionOptions.tls, config.dataConverter]).toEqual(['127.0.0.1:7233', 'default', undefined, {}]);
});

test('a profile with a client certificate gives mTLS, and the variables override the profile', () => {
  const config = loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file(), TEMPORAL_PROFILE: 'cloud' });
  expect(config.address).toBe('my-ns.a1b2c.tmprl.cloud:7233');
  expect(config.namespace).toBe('my-ns.a1b2c');
  expect(describeTemporalConnection(config).tls).toBe('mTLS');
  const overridden = loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file(), TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'other' });
  expect(overridden.namespace).toBe('other');
});

test('an API key (profile or TEMPORAL_API_KEY) turns TLS on and is never in the printable description', () => {
  const config = loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file(), TEMPORAL_PROFILE: 'apikey' });
  expect(config.connectionOptions.apiKey).toBe('profile-api-key-value');
  expect(config.connectionOptions.tls).toBe(true);
  const fromEnv = loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file(), TEMPORAL_API_KEY: 'env-api-key-value' });
  expect(fromEnv.connectionOptions.apiKey).toBe('env-api-key-value');
  expect(JSON.stringify(describeTemporalConnection(fromEnv))).not.toContain('env-api-key-value');
});

test('TEMPORAL_TLS=true turns TLS on and false turns it off (envconfig before 1.22 had this inverted)', () => {
  expect(loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file(), TEMPORAL_TLS: 'true' }).connectionOptions.tls).toBeTruthy();
  expect(loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file(), TEMPORAL_PROFILE: 'apikey', TEMPORAL_TLS: 'false' }).connectionOptions.tls).toBe(false);
});

test('the worker and the CLI read the same settings', () => {
  const env = { TEMPORAL_CONFIG_FILE: file(), TEMPORAL_PROFILE: 'cloud', LLM_API_KEY: 'x', TEMPORAL_TASK_QUEUE: 'q' };
  const worker = loadConfig(env).temporal;
  const client = loadClientConfig(env);
  expect([worker.address, worker.namespace, worker.taskQueue]).toEqual([client.address, client.namespace, client.taskQueue]);
  expect(worker.connectionOptions).toEqual(client.temporal.connectionOptions);
});

test('bad settings are start-up errors that name the setting', () => {
  expect(() => loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file(), TEMPORAL_PROFILE: 'staging' })).toThrow(/TEMPORAL_PROFILE=staging: no such profile in .*temporal\.toml/);
  expect(() => loadTemporalConnection({ TEMPORAL_CONFIG_FILE: path.join(dir, 'missing.toml') })).toThrow(/TEMPORAL_CONFIG_FILE=.*missing\.toml: no such file/);
  expect(() =>
    loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file(), TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'nope.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'key.pem') }),
  ).toThrow(/TLS file .*nope\.pem \(set by TEMPORAL_TLS_CLIENT_CERT_PATH\) cannot be read: ENOENT/);
  expect(() => loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file(), TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'cert.pem') })).toThrow(
    /client certificate is configured without its key: set TEMPORAL_TLS_CLIENT_KEY_PATH/,
  );
  fs.writeFileSync(path.join(dir, 'broken.toml'), '[profile.default\naddress = ');
  expect(() => loadTemporalConnection({ TEMPORAL_CONFIG_FILE: path.join(dir, 'broken.toml') })).toThrow(/broken\.toml.* is invalid/);
  // The worker reports the same errors as configuration errors (printed without a stack trace).
  expect(() => loadConfig({ TEMPORAL_CONFIG_FILE: file(), TEMPORAL_PROFILE: 'staging', LLM_API_KEY: 'x' })).toThrow(ConfigError);
  expect(() => loadTemporalConnection({ PAYLOAD_CODEC_KEYS: 'k:short' })).toThrow(/PAYLOAD_CODEC_KEYS: key "k"/);
});

test('an address nobody listens on fails the worker and the client with a message naming TEMPORAL_ADDRESS', async () => {
  const closedPort = await new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
  const config = loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file(), TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}` });
  await expect(connectWorkerConnection(config)).rejects.toThrow(new RegExp(`Cannot connect to Temporal at 127.0.0.1:${closedPort}[\\s\\S]*Check TEMPORAL_ADDRESS`));
  await expect(connectClient(config)).rejects.toThrow(new RegExp(`Cannot connect to Temporal at 127.0.0.1:${closedPort}[\\s\\S]*Check TEMPORAL_ADDRESS`));
});
