// `npm run codec-server`: the Temporal codec server protocol (POST /encode, POST /decode with
// { payloads: [...] } in protobuf JSON), so the Web UI (`--ui-codec-endpoint`, or the UI's own setting) and the
// `temporal` CLI (`--codec-endpoint`) can show encrypted payloads to an operator. The keys stay with this process;
// the UI only sends payloads here. Access is limited to the Web UI's origins (CORS) and, when
// CODEC_SERVER_TOKEN is set, to requests carrying `Authorization: Bearer <token>`.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { AesGcmPayloadCodec, loadCodecKeys } from '../workers/payload-codec';

export const DEFAULT_CODEC_SERVER_PORT = 8888;
/** The dev server's Web UI (npm run services) on its usual addresses. */
const DEFAULT_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233'];
/** A decode request carries one history page's payloads at most; anything far larger is not from the UI. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface CodecServerOptions {
  codec: AesGcmPayloadCodec;
  port?: number;
  host?: string;
  origins?: string[];
  token?: string;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

const PayloadJson = temporal.api.common.v1.Payload;
const toJson = (p: Payload) => PayloadJson.toObject(PayloadJson.create(p), { bytes: String });
const fromJson = (o: unknown) => PayloadJson.fromObject(o as Record<string, unknown>) as Payload;

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const origins = new Set(options.origins ?? DEFAULT_ORIGINS);
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      // The Web UI may send its login's cookies or token along ("include credentials").
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    }
    if (req.method === 'OPTIONS') return void res.writeHead(origin && origins.has(origin) ? 204 : 403).end();
    const route = req.url?.split('?')[0].replace(/\/+$/, '');
    if (req.method !== 'POST' || (route !== '/encode' && route !== '/decode')) return void res.writeHead(404).end();
    if (origin && !origins.has(origin)) return void res.writeHead(403).end('origin not allowed');
    if (expected) {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return void res.writeHead(401).end('unauthorized');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      void (async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads?: unknown[] };
          if (!Array.isArray(body.payloads)) throw new Error('body must be { "payloads": [...] }');
          const payloads = body.payloads.map(fromJson);
          const out = route === '/encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJson) }));
        } catch (error) {
          // The message names a key id or a malformed body, never key material or payload contents.
          res.writeHead(400, { 'Content-Type': 'text/plain' }).end((error as Error).message);
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_CODEC_SERVER_PORT, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The codec server's settings from the environment (README): the payload keys and CODEC_SERVER_*. */
export function codecServerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CodecServerOptions {
  const keys = loadCodecKeys(env);
  if (keys.length === 0) throw new Error('The codec server needs the payload keys: set PAYLOAD_CODEC_KEYS or PAYLOAD_CODEC_KEY_FILE');
  const port = env.CODEC_SERVER_PORT ? Number(env.CODEC_SERVER_PORT) : DEFAULT_CODEC_SERVER_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`CODEC_SERVER_PORT must be a port number, got ${env.CODEC_SERVER_PORT}`);
  return {
    codec: new AesGcmPayloadCodec(keys),
    port,
    host: env.CODEC_SERVER_HOST || '127.0.0.1',
    token: env.CODEC_SERVER_TOKEN || undefined,
    ...(env.CODEC_SERVER_ORIGINS ? { origins: env.CODEC_SERVER_ORIGINS.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean) } : {}),
  };
}

if (require.main === module) {
  (async () => {
    const options = codecServerOptionsFromEnv();
    const server = await startCodecServer(options);
    console.error(`codec server on ${server.url} for ${[...(options.origins ?? DEFAULT_ORIGINS)].join(', ')}${options.token ? ' (bearer token required)' : ''}`);
    const stop = () => void server.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  })().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
