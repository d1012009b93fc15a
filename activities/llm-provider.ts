// Provider profiles: what each kind of OpenAI-compatible endpoint needs in a request beyond the common body. The
// openai SDK speaks to all of them; they differ in how structured output is asked for, in extensions (OpenRouter's
// provider routing) and in whether streamed responses carry usage without being asked.
import { z } from 'zod';

/** JSON Schema for response_format, generated from the same zod schema that validates the answer. */
export function responseFormatFor(name: string, schema: z.ZodType) {
  const jsonSchema = z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown>;
  delete jsonSchema.$schema;
  return { type: 'json_schema' as const, json_schema: { name, strict: true, schema: jsonSchema } };
}

export const PROVIDER_KINDS = ['openrouter', 'openai', 'vllm', 'ollama', 'generic'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export interface ProviderProfile {
  kind: ProviderKind;
  /** Headers sent with every request (OpenRouter's app attribution). */
  headers: Record<string, string>;
  /** Fields added to every chat request, the structured-output request included. */
  requestFields(schemaName: string, schema: z.ZodType): Record<string, unknown>;
  /** Fields added to a streamed request. */
  streamFields: Record<string, unknown>;
  /** Whether LLM_STREAM defaults to on (see the README's measurement). */
  streamByDefault: boolean;
}

/** LLM_PROVIDER unset: the host says which profile applies; anything unknown is "generic". */
export function detectProvider(baseURL: string): ProviderKind {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return 'generic';
  }
  const host = url.hostname.toLowerCase();
  if (host === 'openrouter.ai' || host.endsWith('.openrouter.ai')) return 'openrouter';
  if (host === 'api.openai.com') return 'openai';
  // Ollama's and vLLM's default ports (11434, 8000), or their names in the host.
  if (url.port === '11434' || host.includes('ollama')) return 'ollama';
  if (url.port === '8000' || host.includes('vllm')) return 'vllm';
  return 'generic';
}

export function providerProfile(kind: ProviderKind, options: { appUrl?: string; appTitle?: string } = {}): ProviderProfile {
  const strictSchema = (name: string, schema: z.ZodType) => ({ response_format: responseFormatFor(name, schema) });
  // OpenAI's streaming API reports usage only when asked (a final chunk with empty `choices`).
  const usageInStream = { stream_options: { include_usage: true } };
  switch (kind) {
    case 'openrouter':
      return {
        kind,
        // "App attribution": HTTP-Referer identifies the app, X-Title names it in OpenRouter's dashboard.
        headers: { 'X-Title': options.appTitle ?? 'coursegen', ...(options.appUrl ? { 'HTTP-Referer': options.appUrl } : {}) },
        // "Provider routing": require_parameters routes only to providers that support every parameter sent, so
        // response_format is never silently dropped by a provider that ignores it (an unsupported model then
        // answers 404 "No endpoints found", which moves to the next model of the ladder).
        requestFields: (name, schema) => ({ ...strictSchema(name, schema), provider: { require_parameters: true } }),
        // "Usage Accounting": usage (with cost) is always in the last SSE message; stream_options is deprecated.
        streamFields: {},
        streamByDefault: true,
      };
    case 'openai':
      return { kind, headers: {}, requestFields: strictSchema, streamFields: usageInStream, streamByDefault: false };
    case 'vllm':
      // vLLM's OpenAI-compatible server takes response_format json_schema through its guided-decoding backend.
      return { kind, headers: {}, requestFields: strictSchema, streamFields: usageInStream, streamByDefault: false };
    case 'ollama':
      // Ollama's /v1 endpoint (the seeds ran qwen2:1.5b locally) takes response_format json_schema but no `strict`;
      // small local models follow a schema far better when it constrains decoding than when only prompted.
      return {
        kind,
        headers: {},
        requestFields: (name, schema) => {
          const format = responseFormatFor(name, schema);
          return { response_format: { type: format.type, json_schema: { name: format.json_schema.name, schema: format.json_schema.schema } } };
        },
        streamFields: usageInStream,
        streamByDefault: false,
      };
    default:
      return { kind, headers: {}, requestFields: strictSchema, streamFields: usageInStream, streamByDefault: false };
  }
}
