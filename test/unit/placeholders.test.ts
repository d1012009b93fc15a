import { findPlaceholders, isPlaceholderText } from '../../activities/placeholders';

describe('isPlaceholderText', () => {
  it.each([
    ['', 'empty'],
    ['   \n\t ', 'whitespace only'],
    ['TODO', 'bare marker'],
    ['Objection handling TODO', 'marker after text'],
    ['FIXME: write the description', 'FIXME'],
    ['Duration: TBD', 'TBD'],
    ['Guest speaker TBA', 'TBA'],
    ['Call XXX at noon', 'XXX'],
    ['[insert lesson title]', 'insert in square brackets'],
    ['Learn about [Insert Topic Here] today', 'insert inside prose'],
    ['[placeholder]', 'placeholder'],
    ['<insert description>', 'insert in angle brackets'],
    ['{placeholder text}', 'placeholder in braces'],
    ['Welcome, [Your Name]!', 'your …'],
    ['[Add description here]', '… here'],
    ['[fill in the outline]', 'fill in'],
    ['Key topics: [...]', 'bracketed ellipsis'],
    ['Welcome to {{course_name}}', 'template variable'],
    ['{{ lesson.title }}', 'template variable with spaces'],
    ['Lorem ipsum dolor sit amet', 'lorem ipsum'],
    ['LOREM IPSUM', 'lorem ipsum upper case'],
    ['...', 'only an ellipsis'],
    ['…', 'only a unicode ellipsis'],
    [' . . . ', 'spaced dots'],
    ['—', 'a dash and nothing else'],
    ['Learn how to ...', 'trailing lone ellipsis'],
    ['Understand the basics of …', 'trailing lone unicode ellipsis'],
  ])('flags %j (%s)', (text) => {
    expect(isPlaceholderText(text)).toBe(true);
  });

  it.each([
    ['Keep a todo list of follow-ups after every call', 'lower-case todo in prose'],
    ['Travel to Tbilisi for the regional kickoff', 'word starting with Tb'],
    ['Deadlines are to be determined by the learner', 'prose "to be determined"'],
    ['Fixme and Todo are not markers in title case', 'title case markers'],
    ['Roles: champion, blocker, and more...', 'ellipsis attached to a word'],
    ['Wait... then summarise what you heard', 'ellipsis inside the text'],
    ['Use the [optional] recap slide', 'ordinary bracketed word'],
    ['a < b && c > d', 'comparison operators'],
    ['Price is {value} per seat', 'single braces without instruction'],
    ['Super Bowl XXXV sponsorship deals', 'XXX inside a longer word'],
    ['Insert the customer logo into the deck', 'insert without brackets'],
    ['Discovery call agenda', 'normal title'],
  ])('accepts %j (%s)', (text) => {
    expect(isPlaceholderText(text)).toBe(false);
  });
});

describe('findPlaceholders', () => {
  it('returns the dotted JSON path of every placeholder string', () => {
    const value = {
      course_title: 'Synergy Sales',
      sections: [
        {
          section_title: 'Prospecting',
          lessons: [
            { lesson_title: 'Ideal customer profile', key_topics: ['ICP', 'TODO'] },
            { lesson_title: '', key_topics: ['trigger events'] },
            { lesson_title: '[insert title]', key_topics: ['...'] },
          ],
        },
      ],
    };
    expect(findPlaceholders(value)).toEqual([
      'sections.0.lessons.0.key_topics.1',
      'sections.0.lessons.1.lesson_title',
      'sections.0.lessons.2.lesson_title',
      'sections.0.lessons.2.key_topics.0',
    ]);
  });

  it('ignores numbers, booleans and null, and returns [] for clean content', () => {
    expect(findPlaceholders({ count: 0, ok: false, note: null, items: [1, 2], title: 'Account growth' })).toEqual([]);
  });

  it('reports a bare placeholder string as (root)', () => {
    expect(findPlaceholders('TBD')).toEqual(['(root)']);
    expect(findPlaceholders('fine')).toEqual([]);
  });
});
