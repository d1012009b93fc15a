-- Validated LLM answers (section drafts and course metadata) kept beyond their run, keyed by a content hash of
-- what produced them (the prompt built from the input, the prompt version, the model ladder). A course started
-- again after a failed or cancelled run reuses the drafts whose hash is unchanged instead of paying for them again,
-- and a retried activity whose earlier attempt already stored its answer uses it instead of calling again.
CREATE TABLE IF NOT EXISTS llm_drafts (
  run_id        text NOT NULL,
  activity_id   text NOT NULL,
  workflow_id   text NOT NULL,
  course_id     uuid NOT NULL,
  kind          text NOT NULL,
  section_index integer NOT NULL DEFAULT -1,
  input_hash    text NOT NULL,
  model         text NOT NULL,
  attempt       integer NOT NULL,
  payload       jsonb NOT NULL,
  -- Set when quality validation or a lesson count rejected the draft and it was repaired: never reused.
  rejected      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, activity_id)
);
CREATE INDEX IF NOT EXISTS llm_drafts_reuse ON llm_drafts (course_id, kind, section_index, input_hash, created_at DESC);

-- A reused draft is written to the ledger as one row of outcome 'reused' (no tokens, no cost) naming the run
-- that paid for it.
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS reused_from_run_id text;
