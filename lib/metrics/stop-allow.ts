/**
 * Content words that stopwords-iso's English list holds but that carry meaning
 * in posts about engineering, so top-10-word keeps them. stopwords-iso's
 * English list (1,298 words) is a search-engine list: besides function words
 * and social filler it drops nouns such as `ai`, `computer`, `research`,
 * `system` and `problem`, which could then never reach the top 10. The
 * `stopword` package's short list (108 words) is no better the other way: it
 * lets `new`, `just`, `one`, `will` in. So: stopwords-iso minus this list.
 * Kept out on purpose (filler in posts): new, just, really, good, great, work,
 * make, know, want, need, thing, way, big, old, best, better, and the words of
 * time, size and place (year, second, million, part, place, name, front). Documented in
 * docs/CHOICES.md; tested in test/metrics-words.test.ts.
 */
export const ENGLISH_CONTENT_WORDS: readonly string[] = [
  'ai', 'area', 'areas', 'case', 'cases', 'computer', 'copy', 'date', 'detail', 'effect', 'fire', 'fix', 'free', 'group',
  'groups', 'home', 'html', 'index', 'information', 'interest', 'interests', 'invention', 'io', 'keys', 'length', 'line',
  'member', 'members', 'microsoft', 'novel', 'null', 'number', 'numbers', 'open', 'page', 'pages', 'point', 'points',
  'problem', 'problems', 'research', 'results', 'ring', 'room', 'rooms', 'run', 'section', 'site', 'state', 'states',
  'system', 'test', 'text', 'tip', 'value', 'web', 'webpage', 'website', 'width', 'words', 'world', 'zero',
];
