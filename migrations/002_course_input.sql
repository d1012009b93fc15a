-- The validated job input on the course row: regenerating a section later needs the section's plan and the
-- course context the prompts are built from.
ALTER TABLE courses ADD COLUMN IF NOT EXISTS generation_input jsonb;
