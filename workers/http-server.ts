// The worker's one optional HTTP port (WORKER_HTTP_PORT): GET /metrics in Prometheus text format — the project's LLM
// metrics followed by the Temporal SDK's own worker metrics, which the Core runtime exports on a loopback-only port
// of its own — and GET /healthz (200 healthy, 503 not, with a JSON body saying which check failed).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { HealthReport } from './health';

export interface WorkerHttpServer {
  port: number;
  close(): Promise<void>;
}

export interface WorkerHttpDeps {
  port: number;
  /** Host to bind; all interfaces by default, so an orchestrator and a scraper can reach it. */
  host?: string;
  registry: Registry;
  /** The SDK runtime's Prometheus exporter (http://127.0.0.1:PORT/metrics), when the runtime exports metrics. */
  sdkMetricsUrl: string | null;
  health: () => Promise<HealthReport>;
}

async function sdkMetricsText(url: string | null): Promise<string> {
  if (!url) return '';
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : `# SDK metrics unavailable: HTTP ${response.status}\n`;
  } catch (error) {
    return `# SDK metrics unavailable: ${(error as Error).message}\n`;
  }
}

export async function startWorkerHttpServer(deps: WorkerHttpDeps): Promise<WorkerHttpServer> {
  const server = http.createServer((request, response) => {
    const reply = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    const route = `${request.method} ${(request.url ?? '').split('?')[0]}`;
    const handle = async () => {
      if (route === 'GET /metrics') {
        const [own, sdk] = await Promise.all([deps.registry.metrics(), sdkMetricsText(deps.sdkMetricsUrl)]);
        return reply(200, deps.registry.contentType, `${own.trimEnd()}\n${sdk}`);
      }
      if (route === 'GET /healthz') {
        const report = await deps.health();
        return reply(report.healthy ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`);
      }
      return reply(404, 'text/plain', 'Not found: GET /metrics or GET /healthz\n');
    };
    handle().catch((error) => reply(500, 'text/plain', `${(error as Error).message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
