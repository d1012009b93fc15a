// The course-aware ContentProvider: decides, per schema path, what a field should say. Field names are matched
// loosely (snake_case, camelCase, "title" inside a lesson, ...) so a renamed or extended schema still gets
// sensible text; anything unknown gets a generic on-topic sentence.
import type { CallKind } from './types';
import type { Rng } from './random';
import type { ContentProvider, SchemaPath, StringSlot } from './schema-gen';
import { at, capFirst, joinList, lcFirst, titleCase, unique, type Vocabulary } from './vocabulary';

export function createCourseContent(v: Vocabulary, kind: CallKind, rng: Rng): ContentProvider {
  return new CourseContent(v, kind, rng);
}

/** Short plain-text answer for calls without a JSON schema. */
export function plainAnswer(v: Vocabulary): string {
  return (
    `In short, ${v.topic} comes down to ${joinList(v.concepts.slice(0, 3))}: understand each idea, ` +
    `practise it on a realistic example, and review what worked before moving on.`
  );
}

class CourseContent implements ContentProvider {
  private lessonTotal: number;
  /** Rotates padding sentences so a long field does not repeat itself. */
  private readonly offset: number;

  constructor(
    private readonly v: Vocabulary,
    private readonly kind: CallKind,
    private readonly rng: Rng,
  ) {
    this.lessonTotal = v.lessonCount ?? v.topics.length;
    this.offset = rng.int(0, 7);
  }

  text(slot: StringSlot): string {
    const { path } = slot;
    const key = norm(lastKey(path));
    const item = typeof path[path.length - 1] === 'number' ? (path[path.length - 1] as number) : 0;
    const lesson = indexAfter(path, 'lessons');
    const exercise = indexAfter(path, 'practicalexercises') ?? indexAfter(path, 'exercises');
    if (lesson !== undefined && exercise !== undefined) return this.exerciseField(key, lesson, exercise);
    if (lesson !== undefined) return this.lessonField(key, lesson, item, slot.minLength);
    return this.topField(key, item);
  }

  more(_slot: StringSlot, attempt: number): string {
    const v = this.v;
    const k = attempt + this.offset;
    const t = at(v.topics, k);
    const c = at(v.concepts, k + 1);
    const sentences = [
      `Each idea is tied to ${t} so it can be practised straight away.`,
      `Short examples show how ${t} and ${c} connect in everyday ${v.topic} work.`,
      `Learners check their grasp of ${t} with a brief self-review.`,
      `The material links ${c} back to the goals of ${v.courseTitle}.`,
      `Worked cases make ${t} concrete before it is combined with ${c}.`,
    ];
    return at(sentences, k);
  }

  arrayLength(path: SchemaPath, min: number, max: number): number | undefined {
    const key = norm(lastKey(path));
    const lesson = indexAfter(path, 'lessons') ?? 0;
    const clampN = (n: number) => Math.min(max, Math.max(min, n));
    switch (key) {
      case 'lessons':
        // Remember the real count: lesson difficulty progresses over it.
        this.lessonTotal = clampN(this.v.lessonCount ?? Math.max(this.v.topics.length, 3));
        return this.lessonTotal;
      case 'learningobjectives':
        return this.kind === 'metadata' ? clampN(4) : this.v.objectives.length;
      case 'lessonobjectives':
        return 2 + (lesson % 2);
      case 'keytopics':
        return 3;
      case 'practicalexercises':
      case 'exercises':
        return 1 + (lesson % 2);
      case 'prerequisites':
        return 2;
      case 'learningoutcomes':
        return clampN(Math.min(8, Math.max(4, this.v.concepts.length)));
      case 'coursetags':
      case 'tags':
        return clampN(Math.min(10, this.tagCandidates().length));
      default:
        return undefined;
    }
  }

  choose(path: SchemaPath, options: readonly unknown[]): unknown {
    if (!norm(lastKey(path)).includes('difficulty')) return undefined;
    const lesson = indexAfter(path, 'lessons');
    if (lesson === undefined && this.v.difficulty && options.includes(this.v.difficulty)) return this.v.difficulty;
    // Lessons get harder along the section and sections along the course, as the plans ask ("gradual").
    const lessonPos = lesson !== undefined && this.lessonTotal > 1 ? lesson / (this.lessonTotal - 1) : 0.5;
    const score = lesson !== undefined ? (this.v.sectionPosition + lessonPos) / 2 : this.v.sectionPosition;
    const level = score < 0.34 ? 'beginner' : score < 0.67 ? 'intermediate' : 'advanced';
    return options.includes(level) ? level : undefined;
  }

  // ---- Course metadata and section-level fields.

  private topField(key: string, item: number): string {
    const v = this.v;
    if (key.includes('tag') || key.includes('keyword')) return at(this.tagCandidates(), item);
    if (key.includes('outcome') || (this.kind === 'metadata' && key.includes('objective'))) return this.outcome(item);
    if (key.includes('objective')) return item < v.objectives.length ? v.objectives[item] : this.outcome(item);
    if (key.includes('prerequisite')) return this.prerequisite(item);
    if (key.includes('audience')) return v.targetAudience ?? this.audience();
    if (key.includes('overview')) return this.overview();
    const isCourse = key.includes('course') || (this.kind === 'metadata' && !key.includes('section'));
    if (key.includes('title')) return isCourse ? v.courseTitle : this.sectionTitle();
    if (key.includes('description') || key.includes('summary')) return isCourse ? this.courseDescription() : this.sectionDescription();
    if (key.includes('topic')) return at(v.topics, item);
    return this.more({ path: [], minLength: 0, maxLength: 0 }, item);
  }

  private sectionTitle(): string {
    const title = this.v.sectionTitle;
    return title.length >= 10 ? title : `${title}: ${titleCase(this.v.topic)}`;
  }

  private sectionDescription(): string {
    const v = this.v;
    const parts = [
      `This section covers ${joinList(v.topics.slice(0, 5))}.`,
      `By the end you will be able to ${joinList(v.objectives.slice(0, 3).map(lcFirst))}.`,
    ];
    if (v.previousSection && v.nextSection) parts.push(`It builds on ${v.previousSection} and prepares you for ${v.nextSection}.`);
    else if (v.nextSection) parts.push(`It lays the groundwork for ${v.nextSection}.`);
    else if (v.previousSection) parts.push(`It draws on ${v.previousSection} and brings the course together.`);
    return parts.join(' ');
  }

  private courseDescription(): string {
    const v = this.v;
    return (
      `${v.courseTitle} is a practical course on ${v.topic}. It covers ${joinList(v.concepts.slice(0, 5))}, ` +
      `with realistic exercises that turn each idea into a working skill.`
    );
  }

  private overview(): string {
    const v = this.v;
    const map = v.mapTitles;
    const parts = [`${v.courseTitle} is organised into ${v.sectionCount ?? v.concepts.length} sections.`];
    if (map.length >= 3) {
      parts.push(`It opens with ${map[0]} and closes with ${map[map.length - 1]}; in between it covers ${joinList(map.slice(1, -1))}.`);
    } else if (map.length > 0) {
      parts.push(`It covers ${joinList(map)}.`);
    }
    parts.push(
      `Throughout the course you practise ${joinList(v.concepts.slice(0, 6))} in realistic ${v.topic} situations.`,
      `Every section ends with hands-on work so each new skill is applied right away.`,
    );
    return parts.join(' ');
  }

  private audience(): string {
    return `Learners who want practical, applicable skills in ${this.v.topic}, from motivated beginners to practitioners refreshing their approach.`;
  }

  private prerequisite(item: number): string {
    const v = this.v;
    return at(
      [
        `Basic familiarity with common ${v.topic} terminology`,
        `Interest in applying ${v.concepts[0]} to real situations`,
        `Some everyday experience related to ${at(v.concepts, 1)}`,
      ],
      item,
    );
  }

  private outcome(item: number): string {
    const v = this.v;
    const pool = unique([...v.concepts, ...v.mapTitles]);
    const x = at(pool, item);
    const next = at(pool, item + 1);
    const templates = [
      `Apply ${x} confidently in realistic ${v.topic} situations`,
      `Explain the role of ${x} and when to use it`,
      `Use ${x} to plan and evaluate your own ${v.topic} work`,
      `Combine ${x} with ${next} to solve practical problems`,
    ];
    return at(templates, item + Math.floor(item / pool.length));
  }

  private tagCandidates(): string[] {
    const v = this.v;
    // Tags are short labels: concepts and the topic, not whole section titles.
    const short = (s: string) => s.length >= 3 && s.length <= 60;
    const base = unique([...v.concepts, v.topic, ...v.topics].filter(short));
    // Always enough distinct tags for minItems: derived variants come last.
    return unique([...base, ...v.concepts.map((c) => `${c} skills`), `${v.topic} practice`, `${v.topic} fundamentals`]);
  }

  // ---- Lessons and exercises.

  private lessonFocus(lesson: number): { focus: string; next: string; objective: string; pass: number } {
    const v = this.v;
    return {
      focus: at(v.topics, lesson),
      next: v.topics.length > 1 ? at(v.topics, lesson + 1) : at(v.concepts, lesson),
      objective: at(v.objectives, lesson),
      pass: Math.floor(lesson / v.topics.length),
    };
  }

  private lessonField(key: string, lesson: number, item: number, minLength: number): string {
    const { focus, next, objective, pass } = this.lessonFocus(lesson);
    const v = this.v;
    if (key.includes('title')) {
      const passes = [
        ['Understanding {F}', '{F} Essentials', 'Getting Started with {F}', '{F} Fundamentals'],
        ['Applying {F} in Practice', '{F}: Worked Examples', 'Putting {F} to Work'],
        ['{F}: Common Pitfalls and Fixes', 'Troubleshooting {F}'],
        ['Advanced {F}', 'Mastering {F}', '{F}: Review and Integration'],
      ];
      return titleCase(this.rng.pick(passes[Math.min(pass, passes.length - 1)]).replace('{F}', focus));
    }
    if (key.includes('objective')) {
      const templates = [
        `Explain ${focus} and how it helps you ${lcFirst(objective)}`,
        `Apply ${focus} together with ${next} in a realistic ${v.topic} scenario`,
        `Evaluate your use of ${focus} against the goal to ${lcFirst(objective)}`,
        `Recognise common mistakes with ${focus} and correct them`,
        `Plan next steps that connect ${focus} to ${at(v.concepts, lesson)}`,
      ];
      return at(templates, item + pass);
    }
    if (key.includes('topic')) {
      const pool = unique([focus, next, at(v.concepts, lesson), ...v.topics, ...v.concepts]);
      const topic = at(pool, item);
      return topic.length >= minLength ? topic : `${topic} in practice`;
    }
    if (key.includes('description') || key.includes('summary') || key.includes('content')) {
      return `This lesson focuses on ${focus} and shows how it connects to ${next}.`;
    }
    return `${capFirst(focus)} is practised here alongside ${next}.`;
  }

  private exerciseField(key: string, lesson: number, exercise: number): string {
    const { focus, next, objective } = this.lessonFocus(lesson);
    const type = at(this.v.exerciseTypes, lesson + exercise);
    if (key.includes('type')) return type;
    if (key.includes('title')) {
      return titleCase(exercise === 0 ? `${type}: ${focus}` : `${type}: ${focus} and ${next}`);
    }
    if (key.includes('solution') || key.includes('answer')) {
      return exercise % 2 === 0
        ? `A strong answer defines ${focus}, applies it to the scenario step by step, ` +
            `links it to the goal to ${lcFirst(objective)}, and names one risk to watch for with ${next}.`
        : `Compare your work with a model answer that uses ${focus} and ${next} together, ` +
            `then note which step moved you closer to the goal to ${lcFirst(objective)}.`;
    }
    return this.exerciseDescription(type, focus, next);
  }

  private exerciseDescription(type: string, focus: string, next: string): string {
    const topic = this.v.topic;
    switch (type) {
      case 'role-play':
        return `In pairs, act out a short ${topic} scenario where the outcome depends on ${focus}, then swap roles and discuss what ${next} added.`;
      case 'case study':
        return `Read a short case about a team struggling with ${focus} and decide what they should change, using ${next} as a second lens.`;
      case 'worked example':
        return `Follow a step-by-step example that applies ${focus} to a realistic ${topic} situation, then repeat the steps on a variation of your own.`;
      case 'reflection':
        return `Write a short reflection on how you currently handle ${focus} and where ${next} could improve your results.`;
      case 'quiz':
        return `Answer five scenario-based questions that test your understanding of ${focus} and ${next}.`;
      default:
        return `Practise ${focus} on a realistic ${topic} task, then compare your result with a partner and note how ${next} applies.`;
    }
  }
}

function lastKey(path: SchemaPath): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return '';
}

/** Field names compared without case or separators: lesson_title, lessonTitle and LessonTitle all match. */
function norm(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Index that follows the property named `key` (normalised) in the path, e.g. lessons → 2 in lessons/2/title. */
function indexAfter(path: SchemaPath, key: string): number | undefined {
  for (let i = path.length - 2; i >= 0; i--) {
    if (typeof path[i] === 'string' && norm(path[i] as string) === key && typeof path[i + 1] === 'number') {
      return path[i + 1] as number;
    }
  }
  return undefined;
}
