// Detects strings an LLM left unfinished. A placeholder that passes schema validation would be committed as course
// content, so the output parser treats any hit as invalid output (retryable on the next model).
//
// Rules (each chosen to avoid flagging ordinary prose):
// 1. Blank: empty or whitespace-only (a case of rule 6).
// 2. Marker words TODO, FIXME, TBD, TBA, XXX — upper case, whole words only. Case-sensitive on purpose: "a todo
//    list", "Tbilisi" or "to be determined by the learner" are prose, while an upper-case TODO almost never is.
// 3. Bracketed instructions: [insert …], [placeholder], [your …], [fill in …], [TBD], [… here] (as in
//    "[Add description here]"), the same in <…> or {…}, and a bracketed ellipsis "[...]". Other bracketed
//    words ("[optional]", "<b>") are left alone.
// 4. Template variables: {{name}} (mustache / Jinja). Known trade-off: a lesson that quotes template syntax would be
//    flagged; course text about templating can write "double braces" instead.
// 5. "lorem ipsum" in any case.
// 6. No content: the string has no letter or digit at all ("...", "…", ". . .", "-", "?"), or the text ends with
//    an ellipsis standing alone after a space ("Learn how to ..."), which is how truncated sentences look. An
//    ellipsis attached to a word ("and more...") or inside a sentence is style, not a placeholder.

const MARKER = /\b(?:TODO|FIXME|TBD|TBA|XXX)\b/;
const BRACKETED = /[[<{]\s*(?:insert|placeholder|your\s|fill\s+in|tbd|todo|\.{3}|…)[^\]>}]*[\]>}]/i;
const BRACKETED_HERE = /[[<{][^\]>}]*\shere\s*[\]>}]/i;
const TEMPLATE_VARIABLE = /\{\{\s*[^{}]*\}\}/;
const LOREM = /lorem\s+ipsum/i;
const NO_CONTENT = /^[^\p{L}\p{N}]*$/u;
const TRAILING_LONE_ELLIPSIS = /\s(?:\.{3}|…)\s*$/;

export function isPlaceholderText(text: string): boolean {
  return (
    NO_CONTENT.test(text) ||
    MARKER.test(text) ||
    BRACKETED.test(text) ||
    BRACKETED_HERE.test(text) ||
    TEMPLATE_VARIABLE.test(text) ||
    LOREM.test(text) ||
    TRAILING_LONE_ELLIPSIS.test(text)
  );
}

/** JSON paths (dot-separated, array indexes as numbers, "(root)" for a bare string) of placeholder strings. */
export function findPlaceholders(value: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown, path: string[]): void => {
    if (typeof node === 'string') {
      if (isPlaceholderText(node)) found.push(path.length ? path.join('.') : '(root)');
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, [...path, String(index)]));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
    }
  };
  walk(value, []);
  return found;
}
