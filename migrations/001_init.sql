-- Courses, their generation artifacts and the per-call LLM ledger. Idempotent: safe to apply on every start.

CREATE TABLE IF NOT EXISTS courses (
  course_id           uuid PRIMARY KEY,
  course_title        text NOT NULL,
  -- completed | failed | cancelled: the latest run's outcome. course_structure keeps the last committed one.
  generation_status   text NOT NULL,
  failed_phase        text,
  error_type          text,
  error_message       text,
  course_structure    jsonb,
  generation_metadata jsonb,
  workflow_id         text NOT NULL,
  run_id              text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- LLM outputs between phases (claim-check): activities store them here and pass receipts through the workflow
-- history, which stays small whatever the size of a course.
CREATE TABLE IF NOT EXISTS generation_artifacts (
  run_id        text NOT NULL,
  kind          text NOT NULL,
  section_index integer NOT NULL DEFAULT -1,
  workflow_id   text NOT NULL,
  course_id     uuid NOT NULL,
  model         text,
  attempt       integer,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, kind, section_index)
);

-- One row per LLM or embeddings HTTP call, failed or not. The unique key makes a retried ledger write a no-op.
CREATE TABLE IF NOT EXISTS llm_calls (
  id                bigserial PRIMARY KEY,
  course_id         uuid NOT NULL,
  workflow_id       text NOT NULL,
  run_id            text NOT NULL,
  activity_id       text NOT NULL,
  phase             text NOT NULL,
  section_index     integer,
  attempt           integer NOT NULL,
  model             text NOT NULL,
  prompt_tokens     integer NOT NULL DEFAULT 0,
  completion_tokens integer NOT NULL DEFAULT 0,
  cost_usd          numeric(16, 8) NOT NULL DEFAULT 0,
  cost_source       text,
  latency_ms        integer NOT NULL,
  outcome           text NOT NULL,
  error_message     text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, activity_id, attempt)
);
CREATE INDEX IF NOT EXISTS llm_calls_course_id ON llm_calls (course_id);
