// The project's own Prometheus metrics (prom-client), fed by the ledger observer (Ledger.observe) so
// that every counter moves exactly when a ledger row is written, and by an activity interceptor for the sections in
// flight. Label values are bounded: models outside the configured ladders and price table become "other", outcomes
// outside the known failure types become "other"; no course or run id is ever a label.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LedgerEntry } from '../activities/db/entries';
import type { SpoolObserver } from '../activities/db/spool';
import { ErrorType } from '../workflows/types';

/** Seconds. The seeds observed 20 s metadata and 75 s section calls; timeouts are 60 s and 120 s. */
const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 75, 90, 120, 180];
const OUTCOMES = new Set<string>(['ok', ...Object.values(ErrorType)]);
const SECTION_ACTIVITIES = new Set(['generateSectionActivity']);

export interface LlmMetrics {
  registry: Registry;
  /** The ledger observer: one call of this per inserted llm_calls row. */
  record(entry: LedgerEntry): void;
  /** The spool observer (Spool.observe): entries spooled and flushed, and what is left on disk. */
  spool: SpoolObserver;
  /** Counts section activities while they execute (coursegen_sections_in_flight). */
  activityInterceptor: ActivityInterceptorsFactory;
  /** The label a model id gets (bounded). */
  modelLabel(model: string): string;
}

export function createLlmMetrics(knownModels: Iterable<string>): LlmMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const known = new Set(knownModels);
  const modelLabel = (model: string) => (known.has(model) ? model : 'other');

  const calls = new Counter({
    name: 'coursegen_llm_calls_total',
    help: 'LLM and embeddings HTTP calls written to the ledger, by model and outcome (ok or the failure type)',
    labelNames: ['model', 'outcome'] as const,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'coursegen_llm_tokens_total',
    help: 'Tokens the provider reported, by model and kind (prompt or completion)',
    labelNames: ['model', 'kind'] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: 'coursegen_llm_cost_usd_total',
    help: 'Cost in USD of LLM calls (provider-reported when available, else the price table), failed attempts included',
    labelNames: ['model'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'coursegen_llm_call_duration_seconds',
    help: 'Wall time of one LLM or embeddings HTTP call, failed calls included',
    labelNames: ['model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const sectionsInFlight = new Gauge({
    name: 'coursegen_sections_in_flight',
    help: 'Section generation activities executing on this worker now',
    registers: [registry],
  });

  const spoolEntries = new Counter({
    name: 'coursegen_spool_entries_total',
    help: 'Ledger rows and answers kept on the worker\'s disk while PostgreSQL was unreachable (spooled), written to it later (flushed) or refused by it (rejected)',
    labelNames: ['kind', 'action'] as const,
    registers: [registry],
  });
  const spoolDepth = new Gauge({
    name: 'coursegen_spool_depth',
    help: 'Ledger rows and answers waiting in the worker\'s spool for PostgreSQL',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  for (const kind of ['ledger', 'draft']) {
    spoolDepth.labels(kind).set(0);
    for (const action of ['spooled', 'flushed', 'rejected']) spoolEntries.labels(kind, action).inc(0);
  }

  // Pre-create the zero series of the configured models, so a dashboard sees them before the first call.
  for (const model of known) {
    calls.labels(model, 'ok').inc(0);
    cost.labels(model).inc(0);
  }

  return {
    registry,
    modelLabel,
    record(entry) {
      const model = modelLabel(entry.model);
      calls.labels(model, OUTCOMES.has(entry.outcome) ? entry.outcome : 'other').inc();
      tokens.labels(model, 'prompt').inc(entry.promptTokens);
      tokens.labels(model, 'completion').inc(entry.completionTokens);
      // Rounded as the ledger's numeric(16, 8) column stores it, so the sums agree to the ledger's precision.
      cost.labels(model).inc(Math.round(entry.costUsd * 1e8) / 1e8);
      latency.labels(model).observe(entry.latencyMs / 1000);
    },
    spool(event) {
      spoolEntries.labels(event.kind, event.action).inc(event.count);
      spoolDepth.labels('ledger').set(event.depth.ledger);
      spoolDepth.labels('draft').set(event.depth.drafts);
    },
    activityInterceptor: (ctx) => ({
      inbound: {
        async execute(input, next) {
          if (!SECTION_ACTIVITIES.has(ctx.info.activityType)) return next(input);
          sectionsInFlight.inc();
          try {
            return await next(input);
          } finally {
            sectionsInFlight.dec();
          }
        },
      },
    }),
  };
}
