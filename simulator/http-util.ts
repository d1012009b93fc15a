// Small HTTP helpers: JSON bodies in and out, OpenAI-style error bodies, and a wait that gives up when the client
// does (so a request the client abandoned is never answered and never counted as tokens).
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'We could not parse the JSON body of your request.');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload).toString(),
  });
  res.end(payload);
}

/** OpenAI's error envelope: { error: { message, type, code } } (plus param: null, as the real API sends). */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}

/** Resolves true after `ms`, or false as soon as the response closes first (client gone or server closing). */
export function waitUnlessClosed(ms: number, res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      res.off('close', onClose);
      resolve(ok);
    };
    const onClose = () => finish(false);
    const timer = setTimeout(() => finish(true), ms);
    res.once('close', onClose);
  });
}

/** Usage tokens are ceil(chars / 4): the usual rule of thumb, and exactly reproducible by a test. */
export function tokensFor(chars: number): number {
  return Math.ceil(chars / 4);
}
