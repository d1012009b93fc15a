-- Indexes for `npm run stats`: its queries read one time window of the ledger (optionally one course's calls) and
-- the course rows written in that window. Measured on a million-row ledger (README, "Observing it").
CREATE INDEX IF NOT EXISTS llm_calls_created_at ON llm_calls (created_at);
CREATE INDEX IF NOT EXISTS llm_calls_course_created_at ON llm_calls (course_id, created_at);
CREATE INDEX IF NOT EXISTS courses_updated_at ON courses (updated_at);
