// How the worker, the CLI, the demo, the benchmark and the tests reach Temporal: the standard client
// configuration that the `temporal` CLI and every Temporal SDK read (TOML profiles plus TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE), loaded by
// @temporalio/envconfig, plus the payload codec that encrypts what Temporal stores. Read once at start-up; a
// bad setting is an error that names it, and connecting is bounded in time.
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConfigProfile, loadClientConnectConfig, type ClientConfigProfile, type LoadClientProfileOptions } from '@temporalio/envconfig';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { AesGcmPayloadCodec, loadCodecKeys, PayloadKeyError, type CodecKey } from './payload-codec';

/** The variables the standard client configuration reads (envconfig), as the `temporal` CLI does. */
export const TEMPORAL_CONNECTION_KEYS = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
] as const;
export const PAYLOAD_CODEC_SETTINGS = ['PAYLOAD_CODEC_KEYS', 'PAYLOAD_CODEC_KEY_FILE'] as const;

/** The connection and payload-codec settings in `env`, to hand on to a worker started elsewhere. */
export function temporalSettingsOf(env: Env): Record<string, string> {
  const names: readonly string[] = [...TEMPORAL_CONNECTION_KEYS, ...PAYLOAD_CODEC_SETTINGS];
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && (names.includes(entry[0]) || entry[0].startsWith('TEMPORAL_GRPC_META_'))),
  );
}

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
/**
 * How long connecting may take before start-up fails. The SDK's own default is also 10 s for the client; the
 * worker's native connection has no bound of its own, and a black-holed address must not hang a start-up.
 */
const CONNECT_TIMEOUT_MS = 10_000;

export class TemporalConfigError extends Error {}

export interface TemporalConnectionConfig {
  address: string;
  /** false when neither a profile nor TEMPORAL_ADDRESS names a server (the local default applies). */
  addressConfigured: boolean;
  namespace: string;
  /** Where the settings came from, for messages: "profile prod in ~/.config/temporalio/temporal.toml" or "environment". */
  source: string;
  connectionOptions: NativeConnectionOptions;
  /** The payload codec when keys are configured; the SDK's plain JSON otherwise. */
  dataConverter: DataConverter;
  codecKeyIds: string[];
}

type Env = Record<string, string | undefined>;

export function loadTemporalConnection(env: Env = process.env): TemporalConnectionConfig {
  const vars = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const options: LoadClientProfileOptions = { overrideEnvVars: vars };
  // envconfig treats a missing config file as "no file"; one the user named explicitly must exist.
  if (vars.TEMPORAL_CONFIG_FILE && !fs.existsSync(vars.TEMPORAL_CONFIG_FILE)) {
    throw new TemporalConfigError(`TEMPORAL_CONFIG_FILE=${vars.TEMPORAL_CONFIG_FILE}: no such file`);
  }
  const source = vars.TEMPORAL_PROFILE ? `profile "${vars.TEMPORAL_PROFILE}"` : 'the default profile and TEMPORAL_* variables';
  let profile: ClientConfigProfile;
  let connect;
  try {
    profile = loadClientConfigProfile(options);
    checkCertificatePair(profile, vars);
    connect = loadClientConnectConfig(options);
  } catch (error) {
    throw explain(error, vars);
  }
  let codecKeys: CodecKey[];
  try {
    codecKeys = loadCodecKeys(env);
  } catch (error) {
    if (error instanceof PayloadKeyError) throw new TemporalConfigError(error.message);
    throw error;
  }
  const address = connect.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  return {
    address,
    addressConfigured: connect.connectionOptions.address !== undefined,
    namespace: connect.namespace ?? 'default',
    source,
    connectionOptions: { ...connect.connectionOptions, address },
    dataConverter: codecKeys.length > 0 ? { payloadCodecs: [new AesGcmPayloadCodec(codecKeys)] } : {},
    codecKeyIds: codecKeys.map((k) => k.id),
  };
}

/** What is safe to print: never the API key, the client key or the codec keys. */
export function describeTemporalConnection(config: TemporalConnectionConfig): Record<string, unknown> {
  const { tls, apiKey } = config.connectionOptions;
  return {
    address: config.address,
    namespace: config.namespace,
    from: config.source,
    tls: tls === undefined || tls === null || tls === false ? 'off' : typeof tls === 'object' && tls.clientCertPair ? 'mTLS' : 'on',
    apiKey: apiKey ? 'set' : 'not set',
    payloadEncryption: config.codecKeyIds.length > 0 ? `on (encrypting with key "${config.codecKeyIds[0]}")` : 'off',
  };
}

/** A worker connection; fails within CONNECT_TIMEOUT_MS with a message naming what to check. */
export async function connectWorkerConnection(config: TemporalConnectionConfig): Promise<NativeConnection> {
  const attempt = NativeConnection.connect(config.connectionOptions);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } catch (error) {
    // A connection that completes after we gave up must not keep the process alive.
    attempt.then((late) => late.close()).catch(() => undefined);
    throw connectError(config, error);
  } finally {
    clearTimeout(timer);
  }
}

/** A client with the configured namespace and data converter; the caller closes `connection`. */
export async function connectClient(config: TemporalConnectionConfig): Promise<{ client: Client; connection: Connection }> {
  const { address, tls, apiKey, metadata } = config.connectionOptions;
  // The client's gRPC library retries a refused TLS handshake until its deadline and then only reports "Failed to
  // connect before the deadline"; the SDK's native connection (the worker's) reports the refusal at once and says
  // why. So the CLI checks with it first: a wrong certificate fails in milliseconds with its reason.
  if (tls) await (await connectWorkerConnection(config)).close();
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, tls: tls ?? undefined, apiKey, metadata, connectTimeout: CONNECT_TIMEOUT_MS });
  } catch (error) {
    throw connectError(config, error);
  }
  return { connection, client: new Client({ connection, namespace: config.namespace, dataConverter: config.dataConverter }) };
}

function connectError(config: TemporalConnectionConfig, error: unknown): TemporalConfigError {
  const reason = error instanceof Error ? error.message : String(error);
  const tlsOn = Boolean(config.connectionOptions.tls);
  const hint = tlsOn
    ? 'Check TEMPORAL_ADDRESS, the server CA (TEMPORAL_TLS_SERVER_CA_CERT_PATH), the client certificate and key (TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH) or TEMPORAL_API_KEY, or the profile that sets them.'
    : 'Check TEMPORAL_ADDRESS (or the profile\'s address) and that the server is running; a server that requires TLS needs TEMPORAL_TLS=true or a TLS profile.';
  return new TemporalConfigError(`Cannot connect to Temporal at ${config.address} (from ${config.source}, TLS ${tlsOn ? 'on' : 'off'}): ${reason}\n${hint}`);
}

/** A client certificate without its key (or the reverse) would silently connect without one. */
function checkCertificatePair(profile: ClientConfigProfile, vars: Env): void {
  const cert = profile.tls?.clientCert;
  const key = profile.tls?.clientKey;
  if (profile.tls?.disabled || Boolean(cert) === Boolean(key)) return;
  const missing = cert ? 'TEMPORAL_TLS_CLIENT_KEY_PATH (or the profile\'s tls.client_key_path)' : 'TEMPORAL_TLS_CLIENT_CERT_PATH (or the profile\'s tls.client_cert_path)';
  throw new TemporalConfigError(`A TLS client ${cert ? 'certificate' : 'key'} is configured without its ${cert ? 'key' : 'certificate'}: set ${missing}${vars.TEMPORAL_PROFILE ? ` (profile "${vars.TEMPORAL_PROFILE}")` : ''}`);
}

const FILE_SETTINGS = ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'];

function explain(error: unknown, vars: Env): Error {
  if (error instanceof TemporalConfigError) return error;
  const err = error as NodeJS.ErrnoException;
  const configFile = vars.TEMPORAL_CONFIG_FILE ?? 'the default config file (~/.config/temporalio/temporal.toml)';
  if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') {
    const setting = FILE_SETTINGS.find((name) => vars[name] === err.path);
    const from = setting ?? `a tls path in profile "${vars.TEMPORAL_PROFILE ?? 'default'}" of ${configFile}`;
    return new TemporalConfigError(`TLS file ${err.path} (set by ${from}) cannot be read: ${err.code}`);
  }
  if (/Profile '.*' not found/.test(err.message ?? '')) {
    return new TemporalConfigError(`TEMPORAL_PROFILE=${vars.TEMPORAL_PROFILE}: no such profile in ${configFile}`);
  }
  return new TemporalConfigError(`Temporal client configuration (${configFile}${vars.TEMPORAL_PROFILE ? `, TEMPORAL_PROFILE=${vars.TEMPORAL_PROFILE}` : ''}) is invalid: ${err.message ?? String(error)}`);
}
