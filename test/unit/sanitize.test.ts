import { JSDOM } from 'jsdom';
import { createTextSanitizer, type TextSanitizer } from '../../activities/sanitize';

// Independent checks: a fresh jsdom (not the sanitizer's window) parses the output as HTML.
const checker = new JSDOM('');
function elementCount(html: string): number {
  return JSDOM.fragment(html).querySelectorAll('*').length;
}
function decodedText(html: string): string {
  const template = checker.window.document.createElement('template');
  template.innerHTML = html;
  return template.content.textContent ?? '';
}
// Scheme names with anything that is not a letter in between ("java\tscript:", "java script :").
const DANGEROUS_SCHEME = /j\W*a\W*v\W*a\W*s\W*c\W*r\W*i\W*p\W*t\W*:|v\W*b\W*s\W*c\W*r\W*i\W*p\W*t\W*:|d\W*a\W*t\W*a\W*:\W*(?:text\W*\/\W*html|image\W*\/\W*svg|application\W*\/\W*xhtml)/i;

let sanitizer: TextSanitizer;
beforeAll(() => {
  sanitizer = createTextSanitizer();
});

const XSS_VECTORS: Array<[string, string]> = [
  ['script tag', '<script>alert(1)</script>'],
  ['script with src', '<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>'],
  ['mixed-case script', '<ScRiPt>alert(1)</sCrIpT>'],
  ['img onerror', '<img src=x onerror=alert(1)>'],
  ['img javascript src', `<IMG SRC="javascript:alert('XSS');">`],
  ['mixed-case scheme', `<IMG SRC=JaVaScRiPt:alert('XSS')>`],
  ['quot entities in attribute', '<IMG SRC=javascript:alert(&quot;XSS&quot;)>'],
  ['decimal entity scheme', '<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>'],
  ['padded decimal entities without semicolons', '&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)'],
  ['hex entities without semicolons', '&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A alert(1)'],
  ['tab inside scheme', `<IMG SRC="jav\tascript:alert('XSS');">`],
  ['encoded tab inside scheme', `<IMG SRC="jav&#x09;ascript:alert('XSS');">`],
  ['encoded newline inside scheme', `<IMG SRC="jav&#x0A;ascript:alert('XSS');">`],
  ['leading control characters', `<IMG SRC=" &#14;  javascript:alert('XSS');">`],
  ['encoded tab scheme as text', 'jav&#x09;ascript:alert(1)'],
  ['entity colon as text', 'javascript&#58;alert(1)'],
  ['named colon entity', '<a href="jAvAsCrIpT&colon;alert(1)">x</a>'],
  ['hex-encoded first letter', '<a href="&#x6A;avascript:alert(1)">x</a>'],
  ['NUL inside scheme', 'java\u0000script:alert(1)'],
  ['newline inside scheme text', 'java\nscript:alert(1)'],
  ['vbscript', 'vbscript:msgbox("XSS")'],
  ['svg onload', '<svg onload=alert(1)>'],
  ['svg script', '<svg><script>alert(1)</script></svg>'],
  ['math href', '<math href="javascript:alert(1)">CLICK</math>'],
  ['math mXSS', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>'],
  ['body onload', '<body onload=alert(1)>'],
  ['iframe javascript src', '<iframe src="javascript:alert(1)"></iframe>'],
  ['iframe srcdoc', '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
  ['iframe srcdoc encoded', '<iframe srcdoc="&lt;img src=x onerror=alert(1)&gt;"></iframe>'],
  ['data URL link', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>'],
  ['data URL as text', 'data:text/html,<script>alert(1)</script>'],
  ['upper-case data URL with spaces', 'DATA : TEXT/HTML;base64,PHNjcmlwdD4='],
  ['data svg URL', 'data:image/svg+xml,<svg onload=alert(1)>'],
  ['data URL with entity colon', 'data&colon;text/html,hello'],
  ['object data URL', '<object data="data:text/html;base64,PHNjcmlwdD4="></object>'],
  ['embed javascript', '<embed src="javascript:alert(1)">'],
  ['broken img tag', '<img src=x onerror=alert(1)//'],
  ['nested script tags', '<<script>script>alert(1)<</script>/script>'],
  ['split script tag', '<scr<script>ipt>alert(1)</scr</script>ipt>'],
  ['comment hiding tag', '<!--<img src=x onerror=alert(1)>-->'],
  ['CDATA', '<![CDATA[<script>alert(1)</script>]]>'],
  ['encoded tag', '&lt;img src=x onerror=alert(1)&gt;'],
  ['double-encoded tag', '&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;'],
  ['style url', '<div style="background-image: url(javascript:alert(1))">x</div>'],
  ['style import', "<style>@import 'http://evil/xss.css';</style>"],
  ['link stylesheet', '<link rel=stylesheet href="javascript:alert(1)">'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
  ['table background', '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>'],
  ['input autofocus', '<input onfocus=alert(1) autofocus>'],
  ['details ontoggle', '<details open ontoggle=alert(1)>'],
  ['video source onerror', '<video><source onerror="alert(1)"></video>'],
  ['form action', '<form action="javascript:alert(1)"><button>go</button></form>'],
  ['noscript mXSS', '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'],
  ['template', '<template><img src=x onerror=alert(1)></template>'],
  ['attribute breakout', '"><script>alert(1)</script>'],
  ['textarea raw text', '<textarea><img src=x onerror=alert(1)></textarea>'],
  ['title raw text', '<title><script>alert(1)</script></title>'],
  ['xmp raw text', '<xmp><img src=x onerror=alert(1)></xmp>'],
  ['plaintext', '<plaintext><img src=x onerror=alert(1)>'],
  ['select template style', '<select><template><style><img src=x onerror=alert(1)></style></template></select>'],
  ['javascript link with text', '<a href="javascript:alert(1)">Click me</a>'],
  ['scheme split by removed tag', 'java<b></b>script:alert(1)'],
  ['scheme rebuilt after removal', 'javajavascript:script:alert(1)'],
];

describe('sanitizeText: XSS vectors', () => {
  it('has at least 40 vectors', () => {
    expect(XSS_VECTORS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(XSS_VECTORS)('%s', (_name, vector) => {
    const output = sanitizer.sanitizeText(vector);
    expect(elementCount(output)).toBe(0);
    expect(output).not.toMatch(DANGEROUS_SCHEME);
    // Decoding once more (a consumer rendering it as HTML) yields neither markup nor a scheme.
    expect(decodedText(output)).toBe(output);
    expect(output).not.toMatch(/on\w+\s*=/i);
  });

  it('keeps the visible text of removed links and drops script content', () => {
    expect(sanitizer.sanitizeText('<a href="javascript:alert(1)">Click me</a>')).toBe('Click me');
    expect(sanitizer.sanitizeText('<svg><script>alert(1)</script></svg>')).toBe('');
    expect(sanitizer.sanitizeText('<form action="javascript:alert(1)"><button>go</button></form>')).toBe('go');
  });
});

describe('sanitizeText: benign text', () => {
  it.each([
    'a < b && c > d',
    'Q&A',
    '"quotes" and it\'s fine',
    'AT&T and R&D budgets',
    '5 > 3 and 2 < 4',
    'Price: $5 & up',
    'Use the 80/20 rule — really!',
    'Ведение переговоров и закрытие сделок',
    'Win the deal 🎉',
    'line one\nline two',
    'Tabs\tstay',
    'email a@b.com or visit https://example.com/path?a=1&b=2',
    'Ask "why?" five times: the 5 Whys',
    'Logos can be inlined as data:image/png;base64 URLs',
  ])('%j stays exactly as written', (text) => {
    expect(sanitizer.sanitizeText(text)).toBe(text);
  });

  it.each([
    ['<b>bold</b> text', 'bold text'],
    ['<p>Para</p>', 'Para'],
    ['<script>bad()</script>Safe', 'Safe'],
    ['<style>p { color: red }</style>Safe', 'Safe'],
    ['  padded  ', 'padded'],
    ['Tom &amp; Jerry', 'Tom & Jerry'],
    ['&lt;b&gt;not bold&lt;/b&gt;', 'not bold'],
    ['JavaScript: The Good Parts', 'JavaScript The Good Parts'],
    ['Bell\u0007 character', 'Bell character'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizer.sanitizeText(input)).toBe(expected);
  });
});

describe('sanitizeDeep', () => {
  it('sanitises every string, keeps other values and counts the changes', () => {
    const input = {
      course_title: '<b>Synergy</b> Sales',
      estimated_duration_hours: 12,
      published: false,
      note: null,
      sections: [
        { section_title: 'Q&A', lessons: [{ lesson_title: '<img src=x onerror=alert(1)>Pricing' }, { lesson_title: 'Clean' }] },
      ],
      course_tags: ['sales', '<script>x</script>negotiation'],
    };
    const snapshot = structuredClone(input);
    const { value, changed } = sanitizer.sanitizeDeep(input);
    expect(value).toEqual({
      course_title: 'Synergy Sales',
      estimated_duration_hours: 12,
      published: false,
      note: null,
      sections: [{ section_title: 'Q&A', lessons: [{ lesson_title: 'Pricing' }, { lesson_title: 'Clean' }] }],
      course_tags: ['sales', 'negotiation'],
    });
    expect(changed).toBe(3);
    expect(input).toEqual(snapshot); // the input is not modified
  });

  it('returns zero changes for clean content', () => {
    expect(sanitizer.sanitizeDeep(['a', 'b < c', 1]).changed).toBe(0);
  });
});
