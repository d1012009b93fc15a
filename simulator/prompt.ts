// Reads the labelled prompt contract written by coursegen's prompt builder ("Title: ...", "Key topics:" followed by
// "- item" lines, a "Course map:" of "- N. title" lines, ...). Every field is optional: when a label is missing
// the content layer falls back to words found anywhere in the prompt, so foreign prompts still get on-topic text.
import { topicWords } from './words';

export interface CourseMapEntry {
  number: number;
  title: string;
  current: boolean;
}

export interface PromptFacts {
  title?: string;
  topic?: string;
  keyConcepts: string[];
  language?: string;
  sectionCount?: number;
  targetAudience?: string;
  difficulty?: string;
  sectionNumber?: number;
  workingTitle?: string;
  lessonCount?: number;
  objectives: string[];
  keyTopics: string[];
  /** "Preferred exercise types: a, b" from the analysis' generation guidance. */
  exerciseTypes: string[];
  courseMap: CourseMapEntry[];
  /** Most frequent content words of the whole prompt, the fallback vocabulary. */
  words: string[];
}

export interface ChatMessage {
  role: string;
  content: unknown;
}

/** Text of one message; the SDK may send content as a string or as an array of `{type:'text', text}` parts. */
export function messageText(message: ChatMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && typeof part.text === 'string' ? part.text : ''))
      .join('\n');
  }
  return '';
}

/**
 * The prompt as one string. User messages come first so their labels win over any example a system message
 * might quote (labels are read first-occurrence-wins).
 */
export function promptText(messages: ChatMessage[]): string {
  const user = messages.filter((m) => m.role === 'user').map(messageText);
  const other = messages.filter((m) => m.role !== 'user').map(messageText);
  return [...user, ...other].join('\n');
}

// "Label: value", optionally after markdown heading marks ("## Section to write: 3 of 8") and with a parenthesised
// note in the label ("Target audience (user-provided): ...", read as "target audience").
const LABEL_LINE = /^\s*(?:#+\s*)?([A-Za-z][A-Za-z ()-]{1,60}?)\s*:\s*(.*)$/;
const NOT_GIVEN = /^\(?(?:not given|not specified|none|n\/a)\)?$/i;
const LIST_LINE = /^\s*[-*•]\s+(.*)$/;
const MAP_ITEM = /^(\d+)[.)]\s+(.*)$/;
const CURRENT_MARK = /\s*\((?:this section|current)\)\s*$/i;

export function parsePrompt(prompt: string): PromptFacts {
  const scalars = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const courseMap: CourseMapEntry[] = [];
  let openList: string | null = null;

  for (const line of prompt.split(/\r?\n/)) {
    const item = LIST_LINE.exec(line);
    if (item) {
      // "- 3. Title" is a course map entry wherever it appears, unless it sits under another list's label.
      const mapItem = MAP_ITEM.exec(item[1].trim());
      if (mapItem && (openList === null || openList === 'course map')) {
        courseMap.push({
          number: Number(mapItem[1]),
          title: unquote(mapItem[2].replace(CURRENT_MARK, '')),
          current: CURRENT_MARK.test(mapItem[2]),
        });
      } else if (openList) {
        lists.get(openList)!.push(unquote(item[1].replace(/^\d+[.)]\s+/, '')));
      }
      continue;
    }
    const label = LABEL_LINE.exec(line);
    if (label) {
      const key = label[1].replace(/\([^)]*\)/g, '').trim().toLowerCase();
      const value = label[2].trim();
      if (value === '') {
        openList = key;
        if (!lists.has(key)) lists.set(key, []);
      } else {
        openList = null;
        if (!scalars.has(key) && !NOT_GIVEN.test(unquote(value))) scalars.set(key, unquote(value));
      }
      continue;
    }
    if (line.trim() !== '') openList = null;
  }

  const sectionToWrite = /(\d+)\s*(?:of|\/)\s*(\d+)/.exec(scalars.get('section to write') ?? '');
  const current = courseMap.find((entry) => entry.current);
  return {
    title: scalars.get('title') ?? scalars.get('course title'),
    topic: scalars.get('topic'),
    keyConcepts: splitList(scalars.get('key concepts')) ?? lists.get('key concepts') ?? [],
    language: scalars.get('language'),
    sectionCount: toInt(scalars.get('sections')) ?? (sectionToWrite ? Number(sectionToWrite[2]) : undefined),
    targetAudience: scalars.get('target audience') ?? scalars.get('audience'),
    difficulty: (scalars.get('difficulty') ?? scalars.get('complexity') ?? scalars.get('level'))?.toLowerCase(),
    sectionNumber: sectionToWrite ? Number(sectionToWrite[1]) : current?.number,
    workingTitle: scalars.get('working title') ?? scalars.get('area') ?? current?.title,
    lessonCount: toInt(scalars.get('lessons')),
    objectives: lists.get('learning objectives') ?? splitList(scalars.get('learning objectives')) ?? [],
    keyTopics: lists.get('key topics') ?? splitList(scalars.get('key topics')) ?? [],
    exerciseTypes: splitList(scalars.get('preferred exercise types') ?? scalars.get('exercise types')) ?? [],
    courseMap,
    words: topicWords(prompt),
  };
}

/** Strips surrounding quotes; JSON-quoted values (how the prompt builder quotes user text) are decoded. */
function unquote(text: string): string {
  const t = text.trim();
  if (/^".*"$/.test(t)) {
    try {
      return String(JSON.parse(t)).trim();
    } catch {
      // not JSON: fall through and just strip the quotes
    }
  }
  return /^(["'“«]).*(["'”»])$/.test(t) && t.length >= 2 ? t.slice(1, -1).trim() : t;
}

function splitList(value: string | undefined): string[] | undefined {
  if (!value) return undefined;
  // "a; b; c" is the contract; plain commas are accepted when no semicolon is present.
  const items = value
    .split(value.includes(';') ? ';' : ',')
    .map((s) => unquote(s))
    .filter(Boolean);
  return items.length ? items : undefined;
}

function toInt(value: string | undefined): number | undefined {
  const match = /\d+/.exec(value ?? '');
  return match ? Number(match[0]) : undefined;
}
