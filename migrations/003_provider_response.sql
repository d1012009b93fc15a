-- What the provider reported about each LLM call: the model that actually served (OpenRouter may route a request
-- to another id than the one asked for), the upstream provider, the generation id (to look a call up in the
-- provider's dashboard), reasoning and cached token counts, whether the answer was taken from message.reasoning,
-- and whether the call was streamed. Nullable: older rows and embeddings calls have none of it.
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS served_model text;
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS provider text;
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS generation_id text;
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS reasoning_tokens integer;
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS cached_tokens integer;
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS answer_source text;
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS streamed boolean NOT NULL DEFAULT false;
