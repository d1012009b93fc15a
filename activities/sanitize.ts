// Plain-text sanitisation of LLM output before it is committed. Course text is plain text (prompts forbid HTML),
// so the goal is: no markup and no script-capable URL survives, while ordinary text ("a < b && c > d", "Q&A",
// quotes) reads exactly as written: the output is decoded text, never HTML-escaped, because the front end renders
// it as text and escaping here would show "&amp;" to learners.
import createDOMPurify from 'dompurify';
import { JSDOM } from 'jsdom';

export interface TextSanitizer {
  sanitizeText(text: string): string;
  /** Sanitises every string inside objects and arrays (a new value; the input is not modified). */
  sanitizeDeep<T>(value: T): { value: T; changed: number };
}

// Only the characters that make the HTML parser do anything: tags, entities, and CR / NUL, which it rewrites.
const NEEDS_HTML_PASS = /[<&\r\0]/;
// C0 controls other than tab, LF and CR never belong in course text and can hide a scheme from naive filters.
const CONTROL_CHARS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
// Decoding can expose new markup (&lt;img …&gt; → <img …>), so passes repeat until nothing changes; real input
// converges in two or three passes, the cap only guards against pathological nesting.
const MAX_PASSES = 10;

// Browsers ignore whitespace and control characters inside a scheme name, so the patterns do too.
const SEP = '[\\s\\x00-\\x1f\\x7f]*';
const spaced = (word: string) => [...word].map((ch) => ch.replace(/[+/]/, '\\$&')).join(SEP);
const SCRIPT_SCHEME = new RegExp(`((?:${spaced('javascript')}|${spaced('vbscript')})${SEP}):`, 'gi');
// data: URLs are only dangerous with a document type; data:image/png in prose is left alone.
const DATA_DOCUMENT_TYPES = ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/xml'].map(spaced).join('|');
const DATA_HTML_SCHEME = new RegExp(`(${spaced('data')}${SEP}):(?=${SEP}(?:${DATA_DOCUMENT_TYPES}))`, 'gi');

/** Removes the colon that makes a dangerous scheme a URL: "javascript:alert(1)" → "javascriptalert(1)", while
 * prose such as "JavaScript: the basics" stays readable as "JavaScript the basics". */
function stripDangerousSchemes(text: string): string {
  return text.replace(SCRIPT_SCHEME, '$1').replace(DATA_HTML_SCHEME, '$1');
}

export function createTextSanitizer(): TextSanitizer {
  // One window per sanitizer: creating a jsdom window costs milliseconds, sanitising a string microseconds.
  const { window } = new JSDOM('');
  const purify = createDOMPurify(window as unknown as Parameters<typeof createDOMPurify>[0]);
  const purifyConfig = {
    ALLOWED_TAGS: [] as string[],
    ALLOWED_ATTR: [] as string[],
    KEEP_CONTENT: true,
    RETURN_DOM: true as const,
  };

  // textContent of the purified DOM: markup gone, content of harmless tags kept, <script>/<style>/<svg>… contents
  // dropped (DOMPurify's FORBID_CONTENTS), entities decoded.
  const htmlToText = (text: string): string =>
    NEEDS_HTML_PASS.test(text) ? (purify.sanitize(text, purifyConfig).textContent ?? '') : text;

  const pass = (text: string): string => stripDangerousSchemes(htmlToText(text).replace(CONTROL_CHARS, ''));

  function sanitizeText(text: string): string {
    let current = text;
    for (let i = 0; i < MAX_PASSES; i++) {
      const next = pass(current);
      if (next === current) return current.trim();
      current = next;
    }
    // Not converged: drop every angle bracket so nothing left can parse as markup.
    return stripDangerousSchemes(current.replace(/[<>]/g, '')).trim();
  }

  function sanitizeDeep<T>(value: T): { value: T; changed: number } {
    let changed = 0;
    const walk = (node: unknown): unknown => {
      if (typeof node === 'string') {
        const clean = sanitizeText(node);
        if (clean !== node) changed++;
        return clean;
      }
      if (Array.isArray(node)) return node.map(walk);
      if (node !== null && typeof node === 'object' && Object.getPrototypeOf(node) === Object.prototype) {
        return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
      }
      return node;
    };
    return { value: walk(value) as T, changed };
  }

  return { sanitizeText, sanitizeDeep };
}
