// Temporal plumbing for tests: workflow bundle, connections, a worker on mocked activities, an mTLS server.
//
// One workflow bundle per test file and connections to the run's server; workflow tests run a worker per test on
// its own task queue with the mocked activities below; the TLS tests start a production server requiring mTLS.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal as temporalProto } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { currentRun } from '../../activities/current-run';
import { quietRuntime } from '../../client/runtime';
import { connectClient, connectWorkerConnection, loadTemporalConnection } from '../../workers/temporal-connection';
import { spawnTemporalServer } from '../../stack/temporal-server-process';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import type { GenerationReceipt, GenerationSettings } from '../../workflows/types';
import { testStackEnv } from './stack-env';

export interface Harness {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
  close(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  quietRuntime('ERROR');
  const env = testStackEnv();
  // The same loader as the worker and the CLI, on the test stack's address (no payload keys).
  const temporal = loadTemporalConnection({ TEMPORAL_ADDRESS: env.temporalAddress, TEMPORAL_NAMESPACE: env.namespace });
  const [{ client, connection }, nativeConnection, bundle] = await Promise.all([
    connectClient(temporal),
    connectWorkerConnection(temporal),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') }),
  ]);
  return {
    client,
    connection,
    nativeConnection,
    bundle,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

export async function createMockedWorker(harness: Harness, taskQueue: string, activities: Activities): Promise<Worker> {
  return Worker.create({
    connection: harness.nativeConnection,
    namespace: testStackEnv().namespace,
    taskQueue,
    workflowBundle: harness.bundle,
    activities,
  });
}

// Mocked activities for workflow tests, typed as the real ones so a signature change breaks the tests. They
// record what the workflow asked for; behaviour per test is injected through `overrides`.
export interface MockLog {
  calls: string[];
  sectionAttempts: Map<number, number[]>;
  inFlight: number;
  maxInFlight: number;
  failures: { phase: string; errorType: string }[];
}

export const testSettings: GenerationSettings = {
  sectionConcurrency: 4,
  sectionGroupDelayMs: 2000,
  fanoutMode: 'groups',
  qualityThreshold: 0.75,
  minLessons: 10,
  maxCostUsd: null,
  metadataActivityTimeoutMs: 30_000,
  sectionActivityTimeoutMs: 30_000,
  heartbeatTimeoutMs: 10_000,
};

const receipt = (sectionIndex: number | null, lessonCount: number): GenerationReceipt => ({
  sectionIndex,
  model: `model-${Context.current().info.attempt}`,
  attempt: Context.current().info.attempt,
  lessonCount,
  title: sectionIndex === null ? 'A course title' : `Section ${sectionIndex + 1}`,
  tokens: 100,
  costUsd: 0.001,
});

/**
 * Section mocks hold until `expectedParallel` sections are in flight together (or 2 s pass, for the last,
 * smaller group), so the max-in-flight count measures the fan-out rather than the mocks' speed.
 */
export function mockActivities(overrides: Partial<Activities> = {}, options: { expectedParallel?: number; lessonsPerSection?: number } = {}) {
  const log: MockLog = { calls: [], sectionAttempts: new Map(), inFlight: 0, maxInFlight: 0, failures: [] };
  const expected = options.expectedParallel ?? 4;
  const activities: Activities = {
    async loadSettingsActivity() {
      log.calls.push('loadSettings');
      return testSettings;
    },
    async spentCostActivity() {
      log.calls.push('spentCost');
      return 0;
    },
    async generateMetadataActivity() {
      log.calls.push('metadata');
      return receipt(null, 0);
    },
    async generateCriticalMetadataActivity() {
      log.calls.push('metadata:critical');
      return { ...receipt(null, 0), part: 'critical' };
    },
    async generateSupportMetadataActivity() {
      log.calls.push('metadata:support');
      return { ...receipt(null, 0), title: 'A course title', part: 'support' };
    },
    async mergeMetadataActivity() {
      log.calls.push('mergeMetadata');
      return { title: 'A course title' };
    },
    async generateSectionActivity({ sectionIndex }) {
      log.calls.push(`section:${sectionIndex}`);
      const attempts = log.sectionAttempts.get(sectionIndex) ?? [];
      attempts.push(Context.current().info.attempt);
      log.sectionAttempts.set(sectionIndex, attempts);
      log.inFlight++;
      log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
      const deadline = Date.now() + 2000;
      while (log.inFlight < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      log.inFlight--;
      return receipt(sectionIndex, options.lessonsPerSection ?? 6);
    },
    async validateQualityActivity() {
      log.calls.push('quality');
      return { metadata_similarity: 0.9, sections_similarity: [0.9], overall: 0.9, backend: 'mock', tokens: 10, costUsd: 0 };
    },
    async judgeSectionActivity({ sectionIndex }) {
      log.calls.push(`judge:${sectionIndex}`);
      const verdict = { score: 0.9, on_plan: true, objectives_covered: [], reasons: ['mock verdict'] };
      return { verdict, model: `model-${Context.current().info.attempt}`, attempt: Context.current().info.attempt, tokens: 10, costUsd: 0 };
    },
    async sanitizeCourseActivity() {
      log.calls.push('sanitize');
      return { lessonCount: 48, changedStrings: 0 };
    },
    async commitCourseActivity(request) {
      log.calls.push('commit');
      const info = currentRun();
      return {
        model_used: {
          metadata: request.metadataReceipt.model,
          ...(request.metadataSupportReceipt ? { metadata_support: request.metadataSupportReceipt.model } : {}),
          sections: '',
          per_section: request.sectionReceipts.map((r) => r.model),
        },
        total_tokens: { metadata: 0, sections: 0, validation: 0, total: 0 },
        cost_usd: 0,
        duration_ms: request.durations,
        quality_scores: { metadata_similarity: 0.9, sections_similarity: [], overall: 0.9 },
        quality_backend: 'mock',
        batch_count: request.batchCount,
        retry_count: { metadata: request.metadataReceipt.attempt - 1, sections: request.sectionReceipts.map((r) => r.attempt - 1) },
        llm_calls: { total: 0, failed: 0 },
        created_at: new Date().toISOString(),
        workflow_id: info.workflowId,
        run_id: info.runId,
      };
    },
    async repairSectionActivity({ sectionIndex }) {
      log.calls.push(`repair:${sectionIndex}`);
      return receipt(sectionIndex, 6);
    },
    async regenerateSectionActivity({ sectionIndex }) {
      log.calls.push(`regenerate:${sectionIndex}`);
      return receipt(sectionIndex, 6);
    },
    async commitRegeneratedSectionActivity({ sectionIndex, receipt: r }) {
      log.calls.push(`commitRegenerated:${sectionIndex}`);
      const info = currentRun();
      return { section_number: sectionIndex + 1, section_title: r.title, model: r.model, attempt: r.attempt, similarity: 0.9, tokens: r.tokens, cost_usd: r.costUsd, workflow_id: info.workflowId };
    },
    async recordFailureActivity(record) {
      log.calls.push('recordFailure');
      log.failures.push({ phase: record.phase, errorType: record.errorType });
    },
    ...overrides,
  };
  return { activities, log };
}

/** A throwaway PKI for TLS tests: one CA, the server's certificate for 127.0.0.1, a client's, and a stranger's. */
export interface TestCertificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Signed by another CA the server does not trust. */
  strangerCert: string;
  strangerKey: string;
}

export function generateTestCertificates(dir: string): TestCertificates {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const selfSigned = (name: string, cn: string) =>
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${cn}`,
      '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const signed = (name: string, ca: string, cn: string, extensions: string) => {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${cn}`, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`));
    fs.writeFileSync(file(`${name}.ext`), extensions);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${ca}.pem`), '-CAkey', file(`${ca}.key`), '-CAcreateserial', '-days', '1',
      '-extfile', file(`${name}.ext`), '-out', file(`${name}.pem`));
  };
  selfSigned('ca', 'coursegen test CA');
  selfSigned('stranger-ca', 'untrusted CA');
  signed('server', 'ca', 'temporal-frontend', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed('client', 'ca', 'coursegen-worker', 'extendedKeyUsage=clientAuth\n');
  signed('stranger', 'stranger-ca', 'coursegen-worker', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    strangerCert: file('stranger.pem'),
    strangerKey: file('stranger.key'),
  };
}

export interface MtlsTemporalServer {
  address: string;
  stop(): Promise<void>;
}

/**
 * The production Temporal server on SQLite with its frontend requiring client certificates from `certs.caCert`,
 * its namespace and the workflow's search attributes registered over mTLS. Only the frontend, history and
 * matching services run: the internal worker service (system workflows) is not needed here.
 */
export async function startMtlsTemporalServer(binary: string, certs: TestCertificates, namespace = 'default'): Promise<MtlsTemporalServer> {
  const server = await spawnTemporalServer({
    binary,
    dir: certs.dir,
    globalExtra: `  tls:
    frontend:
      server:
        requireClientAuth: true
        certFile: ${certs.serverCert}
        keyFile: ${certs.serverKey}
        clientCaFiles: [${certs.caCert}]
    # The frontend's own calls to itself (the operator API describing the namespace) present a client certificate too.
    systemWorker:
      certFile: ${certs.clientCert}
      keyFile: ${certs.clientKey}
      client: { serverName: localhost, rootCaFiles: [${certs.caCert}] }`,
  });
  const { tail, stop } = server;
  const address = server.address;
  const temporal = loadTemporalConnection({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
  });
  const deadline = Date.now() + 120_000;
  try {
    const connection = await (async () => {
      for (;;) {
        if (server.exited()) throw new Error(`the Temporal server exited with ${server.exitCode()}`);
        try {
          return (await connectClient(temporal)).connection;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') }).catch((error: { code?: number }) => {
        if (error.code !== 6) throw error; // ALREADY_EXISTS
      });
      const IndexedValueType = temporalProto.api.enums.v1.IndexedValueType;
      const types: Record<string, temporalProto.api.enums.v1.IndexedValueType> = {
        Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
      };
      const searchAttributes = Object.fromEntries(Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([name, type]) => [name, types[type]]));
      for (;;) {
        try {
          await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
          break;
        } catch (error) {
          // A namespace registered a moment ago reaches the server's cache within its 2 s refresh.
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } finally {
      await connection.close();
    }
  } catch (error) {
    await stop();
    throw new Error(`the mTLS Temporal server did not start: ${(error as Error).message}\n--- last output ---\n${tail}`);
  }
  return { address, stop };
}
