// The local LLM simulator: an OpenAI-compatible HTTP server for demos and tests when no API key is configured.
// Answers are synthetic (schema-valid, on-topic, deterministic), latency and faults are scripted, and every
// response says so in an `x-llm-simulator: true` header so it can never be mistaken for a real model.
//
//   POST /v1/chat/completions   POST /v1/embeddings   GET /v1/models
//   GET /__simulator/stats      POST /__simulator/reset   GET|POST /__simulator/config  (steering from another process)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describeZodError } from '../workflows/schemas';
import { FaultPlan } from './faults';
import { handleChat, handleEmbeddings, type SimulatorState } from './handlers';
import { HttpError, readJson, sendError, sendJson } from './http-util';
import { ConfigPatchSchema, mergeOptions, resolveOptions } from './options';
import { StatsRecorder } from './stats';
import type { LlmSimulator, ResolvedOptions, SimulatorOptions } from './types';

export type { CallKind, FaultKind, FaultRule, LatencyTable, LlmSimulator, SimulatorOptions, SimulatorStats } from './types';
export { DEFAULT_LATENCY_MS } from './options';

const HOST = '127.0.0.1';

export async function startLlmSimulator(options: SimulatorOptions = {}): Promise<LlmSimulator> {
  const resolved = resolveOptions(options);
  const state: SimulatorState = {
    options: resolved,
    stats: new StatsRecorder(),
    faults: new FaultPlan(resolved.faults),
    occurrences: new Map(),
    pending: new Set(),
  };
  const configure = (partial: Partial<SimulatorOptions>): void => {
    state.options = mergeOptions(state.options, partial);
    if (partial.faults) state.faults.setRules(state.options.faults);
  };
  const resetStats = (): void => {
    // A reset starts a new scenario: fault "times" counters and retry rolls start over too.
    state.stats.reset();
    state.faults.resetCounters();
    state.occurrences.clear();
  };

  let requestCounter = 0;
  const server = createServer((req, res) => {
    res.setHeader('x-llm-simulator', 'true');
    res.setHeader('x-request-id', `req_sim_${++requestCounter}`);
    route(req, res).catch((error: unknown) => {
      const e = error instanceof HttpError ? error : new HttpError(500, `Simulator error: ${String(error)}`, 'server_error');
      sendError(res, e.status, e.message, e.type, e.code);
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    if (method === 'POST' && path === '/v1/chat/completions') return handleChat(state, req, res, await readObject(req));
    if (method === 'POST' && path === '/v1/embeddings') return handleEmbeddings(state, req, res, await readObject(req));
    if (method === 'GET' && path === '/v1/models') {
      const seen = Object.keys(state.stats.snapshot().requestsByModel);
      return sendJson(res, 200, {
        object: 'list',
        data: seen.map((id) => ({ id, object: 'model', created: 0, owned_by: 'llm-simulator' })),
      });
    }
    if (method === 'GET' && path === '/__simulator/stats') return sendJson(res, 200, state.stats.snapshot());
    if (method === 'POST' && path === '/__simulator/reset') {
      resetStats();
      return sendJson(res, 200, { ok: true });
    }
    if (path === '/__simulator/config' && (method === 'GET' || method === 'POST')) {
      if (method === 'POST') {
        const parsed = ConfigPatchSchema.safeParse(await readJson(req));
        if (!parsed.success) throw new HttpError(400, `Invalid simulator config:\n${describeZodError(parsed.error)}`);
        const { apiKey, ...rest } = parsed.data;
        configure(apiKey === undefined ? rest : { ...rest, apiKey: apiKey ?? undefined });
      }
      return sendJson(res, 200, { ok: true, config: publicConfig(state.options) });
    }
    throw new HttpError(404, `Unknown route: ${method} ${path}`, 'invalid_request_error', 'unknown_url');
  }

  // Track sockets ourselves: close() must also end keep-alive connections and requests that are hanging on purpose.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${HOST}:${port}/v1`;
  if (!resolved.quiet) process.stderr.write(banner(url));

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    stats: () => state.stats.snapshot(),
    resetStats,
    configure,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        await stopped;
        // Responses emit 'close' just after their socket; waiting for them makes stats final when close() resolves.
        await Promise.all([...state.pending]);
      })()),
  };
}

async function readObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJson(req);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** The config as JSON, with the API key masked (it may be echoed into logs by a harness). */
function publicConfig(options: ResolvedOptions): Omit<ResolvedOptions, 'apiKey'> & { apiKey?: string } {
  return { ...options, apiKey: options.apiKey === undefined ? undefined : '***' };
}

export function banner(url: string): string {
  const line = `*** LLM SIMULATOR on ${url} — answers are synthetic, not from a real model ***`;
  const stars = '*'.repeat(line.length);
  return `\n${stars}\n${line}\n${stars}\n\n`;
}
