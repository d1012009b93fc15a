// One source of truth for every shape that crosses a boundary: the job input (validated at the CLI and again in
// the workflow), what the LLM must answer (the same schemas produce the JSON Schema sent as response_format), and
// the committed course structure. Pure zod: deterministic, safe inside the workflow sandbox.
import { z } from 'zod';

export const SUPPORTED_LANGUAGES = [
  'ru', 'en', 'zh', 'es', 'fr', 'de', 'ja', 'ko', 'ar', 'pt', 'it', 'tr', 'vi', 'th', 'id', 'ms', 'hi', 'bn', 'pl',
] as const;

// Upper bounds on free text keep one input far below Temporal's 2 MiB payload limit even though the input is
// passed to every section activity; they are generous for real analysis documents.
const SHORT_TEXT = 300;
const LONG_TEXT = 4000;

// Control characters (U+0000 above all, which PostgreSQL cannot store) have no place in course text; tab and
// line breaks are ordinary whitespace.
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/;
const text = (max: number) =>
  z.string().trim().min(1).max(max).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters');
const textList = (minItems: number, maxItems: number, max = SHORT_TEXT) => z.array(text(max)).min(minItems).max(maxItems);

export const SectionPlanSchema = z.strictObject({
  area: text(SHORT_TEXT),
  estimated_lessons: z.number().int().min(1).max(30),
  importance: z.enum(['core', 'important', 'optional']),
  learning_objectives: textList(2, 5),
  key_topics: textList(3, 8),
  pedagogical_approach: text(LONG_TEXT),
  difficulty_progression: z.enum(['flat', 'gradual', 'steep']),
});
export type SectionPlan = z.infer<typeof SectionPlanSchema>;

export const AnalysisResultSchema = z.strictObject({
  course_category: z.strictObject({
    primary: z.enum(['professional', 'personal', 'creative', 'hobby', 'spiritual', 'academic']),
    confidence: z.number().min(0).max(1),
    reasoning: text(LONG_TEXT),
  }),
  topic_analysis: z.strictObject({
    determined_topic: text(SHORT_TEXT),
    key_concepts: textList(1, 30),
    complexity: z.enum(['beginner', 'intermediate', 'advanced']).optional(),
  }),
  recommended_structure: z
    .strictObject({
      estimated_content_hours: z.number().positive().max(1000),
      lesson_duration_minutes: z.number().int().min(3).max(45),
      total_sections: z.number().int().min(1).max(30),
      total_lessons: z.number().int().min(10).max(300),
      sections_breakdown: z.array(SectionPlanSchema).min(1).max(30),
    })
    .refine((s) => s.total_sections === s.sections_breakdown.length, {
      message: 'total_sections must equal the number of entries in sections_breakdown',
      path: ['total_sections'],
    }),
  pedagogical_strategy: z.strictObject({
    teaching_style: z.enum(['hands-on', 'theory-first', 'project-based', 'mixed']),
    assessment_approach: text(LONG_TEXT),
    practical_focus: z.enum(['high', 'medium', 'low']),
    progression_logic: text(LONG_TEXT),
    interactivity_level: z.enum(['high', 'medium', 'low']),
  }),
  generation_guidance: z
    .strictObject({
      tone: text(SHORT_TEXT),
      use_analogies: z.boolean(),
      avoid_jargon: textList(0, 30),
      include_visuals: textList(0, 30),
      exercise_types: textList(0, 30),
      contextual_language_hints: text(LONG_TEXT),
    })
    .partial()
    .optional(),
});
export type AnalysisResult = z.infer<typeof AnalysisResultSchema>;

export const FrontendParametersSchema = z.strictObject({
  course_title: text(1000),
  language: z.enum(SUPPORTED_LANGUAGES).default('en'),
  style: text(SHORT_TEXT).optional(),
  target_audience: text(1500).optional(),
  lesson_duration_minutes: z.number().int().min(3).max(45),
  user_instructions: text(LONG_TEXT).optional(),
});

export const GenerationJobInputSchema = z.strictObject({
  course_id: z.uuid(),
  frontend_parameters: FrontendParametersSchema,
  analysis_result: AnalysisResultSchema,
});
export type GenerationJobInput = z.infer<typeof GenerationJobInputSchema>;
export type GenerationJobInputRaw = z.input<typeof GenerationJobInputSchema>;

/** Human-readable list of what is wrong, one line per issue, with the JSON path of each. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 20)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('\n');
}

// ---- What the LLM must answer. Lengths follow the platform's rules (data-model.md). Ids, numbering, language and
// durations are not asked for: code injects them, so a model can never invent a duration.

const llmText = (min: number, max: number) => z.string().min(min).max(max);

export const MetadataOutputSchema = z.strictObject({
  course_title: llmText(10, 1000),
  course_description: llmText(20, 3000),
  course_overview: llmText(30, 10000),
  target_audience: llmText(20, 1500),
  difficulty_level: z.enum(['beginner', 'intermediate', 'advanced']),
  prerequisites: z.array(llmText(10, 600)).max(10),
  learning_outcomes: z.array(llmText(10, 500)).min(3).max(15),
  course_tags: z.array(llmText(3, 150)).min(5).max(20),
});
export type MetadataOutput = z.infer<typeof MetadataOutputSchema>;

/**
 * METADATA_ROUTING=hybrid (RT-001) asks two models for the metadata at once. The critical half is what a learner
 * judges the course by and what the quality score reads (title, description, learning outcomes): the critical
 * ladder. The rest is descriptive and derived from the analysis: the cheaper support ladder. Together the halves
 * are exactly the fields of MetadataOutputSchema; the merged object is validated by that schema.
 */
export const MetadataCriticalOutputSchema = MetadataOutputSchema.pick({
  course_title: true,
  course_description: true,
  learning_outcomes: true,
});
export type MetadataCriticalOutput = z.infer<typeof MetadataCriticalOutputSchema>;
export const MetadataSupportOutputSchema = MetadataOutputSchema.pick({
  course_overview: true,
  target_audience: true,
  difficulty_level: true,
  prerequisites: true,
  course_tags: true,
});
export type MetadataSupportOutput = z.infer<typeof MetadataSupportOutputSchema>;

export const ExerciseSchema = z.strictObject({
  exercise_type: llmText(3, 100),
  exercise_title: llmText(5, 300),
  exercise_description: llmText(20, 2000),
  solution_outline: llmText(10, 2000),
});

export const LessonOutputSchema = z.strictObject({
  lesson_title: llmText(5, 500),
  lesson_objectives: z.array(llmText(10, 600)).min(1).max(5),
  key_topics: z.array(llmText(5, 300)).min(2).max(10),
  difficulty_level: z.enum(['beginner', 'intermediate', 'advanced']),
  practical_exercises: z.array(ExerciseSchema).min(1).max(3),
});

export const SectionOutputSchema = z.strictObject({
  section_title: llmText(10, 600),
  section_description: llmText(20, 2000),
  learning_objectives: z.array(llmText(10, 600)).min(1).max(5),
  lessons: z.array(LessonOutputSchema).min(1).max(30),
});
export type SectionOutput = z.infer<typeof SectionOutputSchema>;

/**
 * What the quality judge answers about one section (QUALITY_JUDGE): how well the section realises its plan (0–1,
 * the same scale as QUALITY_THRESHOLD), whether it is about its plan at all, which of the plan's learning
 * objectives it covers (quoted from the plan) and a few short reasons an operator can read.
 */
export const JudgeVerdictSchema = z.strictObject({
  score: z.number().min(0).max(1),
  on_plan: z.boolean(),
  objectives_covered: z.array(llmText(1, 600)).max(10),
  reasons: z.array(llmText(3, 300)).min(1).max(5),
});
export type JudgeVerdict = z.infer<typeof JudgeVerdictSchema>;

/** Names of the structured-output schemas; the LLM simulator and the ledger use them to tell calls apart. */
export const METADATA_SCHEMA_NAME = 'course_metadata';
export const METADATA_CRITICAL_SCHEMA_NAME = 'course_metadata_critical';
export const METADATA_SUPPORT_SCHEMA_NAME = 'course_metadata_support';
export const SECTION_SCHEMA_NAME = 'course_section';
export const JUDGE_SCHEMA_NAME = 'section_judgement';

// ---- The committed course structure (what the course row holds).

export const LessonSchema = LessonOutputSchema.extend({
  lesson_number: z.number().int().min(1),
  estimated_duration_minutes: z.number().int().min(3).max(45),
});

export const SectionSchema = z.strictObject({
  section_number: z.number().int().min(1),
  section_title: llmText(10, 600),
  section_description: llmText(20, 2000),
  learning_objectives: z.array(llmText(10, 600)).min(1).max(5),
  estimated_duration_minutes: z.number().int().positive(),
  lessons: z.array(LessonSchema).min(1),
});

export const CourseStructureSchema = z.strictObject({
  course_title: llmText(10, 1000),
  course_description: llmText(20, 3000),
  course_overview: llmText(30, 10000).optional(),
  target_audience: llmText(20, 1500).optional(),
  estimated_duration_hours: z.number().positive(),
  difficulty_level: z.enum(['beginner', 'intermediate', 'advanced']),
  prerequisites: z.array(llmText(10, 600)).max(10),
  learning_outcomes: z
    .array(z.strictObject({ id: z.uuid(), text: llmText(10, 500), language: z.enum(SUPPORTED_LANGUAGES) }))
    .min(3)
    .max(15),
  course_tags: z.array(llmText(3, 150)).min(5).max(20),
  sections: z.array(SectionSchema).min(1),
});
export type CourseStructure = z.infer<typeof CourseStructureSchema>;
