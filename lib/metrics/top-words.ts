import { byCountThenLabel, defineMetric, isPost, pairs, type MetricRow, type Params } from './metric.js';
import { WordCounter } from './words.js';

/** Number of keyword posts using each meaningful word; the whole vocabulary is kept, so the top is exact. */
export interface TopWordsState {
  params: Params;
  counter: WordCounter;
  posts: number;
  counts: Map<string, number>;
}

export const topWords = defineMetric<TopWordsState, { posts: number; counts: Array<[string, number]> }>({
  name: 'top-words',
  aliases: ['top-10-word'],
  description: 'the --top most used meaningful words in posts that contain the word --keyword; count = number of such posts using the word',
  version: 1,
  columns: ['word', 'count'],
  params: [
    { flag: 'keyword', key: 'keyword', type: 'word', default: 'engineering', describe: 'top-words: count words of posts that contain this word', state: true },
    { flag: 'top', key: 'top', type: 'count', default: 10, describe: 'top-words, top-langs: how many rows to keep', state: false },
  ],
  fields: ['kind', 'op', 'text', 'langs'],
  kinds: ['post'],
  file: (params) => `top-${params.top}-word.csv`,
  create: (params) => ({ params, counter: new WordCounter(String(params.keyword)), posts: 0, counts: new Map() }),
  add(state, row) {
    if (!isPost(row) || typeof row.text !== 'string') return;
    const words = state.counter.words(row.text, row.langs);
    if (!words) return;
    state.posts++;
    for (const w of words) state.counts.set(w, (state.counts.get(w) ?? 0) + 1);
  },
  result: (state) => top(state.counts, 'word', 'count', Number(state.params.top)),
  notes: (state) => [`${state.posts} posts with '${state.counter.keyword}'`],
  saveData: (state) => ({ posts: state.posts, counts: [...state.counts] }),
  loadData(data, params) {
    const counts = new Map(pairs<string>(data.counts, 'word counts'));
    if (typeof data.posts !== 'number') throw new Error('posts is not a number');
    return { params, counter: new WordCounter(String(params.keyword)), posts: data.posts, counts };
  },
});

/** The n largest counts as rows, by count descending then label ascending. */
export function top(counts: Map<string, number>, label: string, count: string, n: number): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const [k, v] of counts) rows.push({ [label]: k, [count]: v });
  return rows.sort(byCountThenLabel(count, label)).slice(0, n);
}

/** Posts per language (primary subtag, lower case); a post counts once for each of its languages. */
export interface TopLangsState {
  params: Params;
  counts: Map<string, number>;
}

export const topLangs = defineMetric<TopLangsState, Array<[string, number]>>({
  name: 'top-langs',
  aliases: [],
  description: 'the --top languages of posts (primary subtag of each of the post\'s langs, lower-cased: pt-BR counts as pt); posts without langs are not counted',
  version: 1,
  columns: ['lang', 'posts'],
  params: [{ flag: 'top', key: 'top', type: 'count', default: 10, describe: 'top-words, top-langs: how many rows to keep', state: false }],
  fields: ['kind', 'op', 'langs'],
  kinds: ['post'],
  file: () => 'top-langs.csv',
  create: (params) => ({ params, counts: new Map() }),
  add(state, row) {
    if (!isPost(row) || !Array.isArray(row.langs)) return;
    const seen: string[] = [];
    for (const l of row.langs) {
      if (typeof l !== 'string') continue;
      const code = l.toLowerCase().split(/[-_]/)[0].trim();
      if (code === '' || seen.includes(code)) continue;
      seen.push(code);
      state.counts.set(code, (state.counts.get(code) ?? 0) + 1);
    }
  },
  result: (state) => top(state.counts, 'lang', 'posts', Number(state.params.top)),
  saveData: (state) => [...state.counts],
  loadData: (data, params) => ({ params, counts: new Map(pairs<string>(data, 'language counts')) }),
});
