/**
 * Word lists and sentence templates for synthetic posts. Slots: {n} noun,
 * {a} adjective, {v} verb (base form), {x} number, {e} emoji, {p} place,
 * {t} engineering topic word, {E} a form of "engineering", {N} a near miss
 * ("engineer", "reengineering"...). Kept as data so that the text generator
 * stays small; big enough that word counts over many posts are meaningful.
 */
export interface Language {
  code: string;
  /** Share of posts in this language. */
  weight: number;
  /** Words are separated by spaces (not in Japanese). */
  spaced: boolean;
  templates: string[];
  n: string[];
  a: string[];
  v: string[];
  p: string[];
}

export const EMOJI = ['🙏🏻', '💔', '🍉', '😂', '🔥', '✨', '🥲', '👀', '🎉', '☕', '🧡', '🚀', '🤖', '📈', '😭', '💙', '🌸', '👍', '🤔', '😅'];

export const LANGUAGES: Language[] = [
  {
    code: 'en', weight: 45, spaced: true,
    templates: [
      'gonna {v} and get some work on my {n} done! Your day sounds very {a} {e}',
      'I can\'t believe the {n} in {p} is still so {a}.',
      'Just finished my {n}. Honestly it was {a} and I would {v} it again.',
      'Does anyone know a {a} {n} near {p}? Asking for a friend.',
      'The {n} today was {a}, the {n} was even more {a} {e}',
      'hot take: every {n} should {v} at least {x} times a week',
      'We need to talk about the {n}. It is {a}. It is always {a}.',
      'Morning! Coffee, {n}, and a {a} playlist. Time to {v}.',
      '{x} days until the {n} in {p} and I still have to {v} the {n}',
      'Reminder that you can {v} your {n} and nobody will notice lol',
      'my {n} just learned to {v} and I am so proud {e}{e}',
      'Thread: why the {a} {n} matters more than the {n} (1/{x})',
      'Not me trying to {v} a {n} at 3am again',
      'This {n} from {p} is the most {a} thing you will see today',
      'If your {n} can\'t {v}, is it really a {n}?',
      'Watching the {n} game tonight with the whole family {e}',
      'New {n} just dropped and it is {a}. {x}/10 would {v} again.',
      'Local {n} refuses to {v}, more at {x}',
    ],
    n: ['comic', 'cat', 'dog', 'garden', 'book', 'album', 'movie', 'podcast', 'weather', 'coffee', 'sandwich', 'train', 'bike', 'library', 'concert', 'election', 'museum', 'recipe', 'painting', 'sunset', 'playlist', 'keyboard', 'neighbor', 'festival', 'soup', 'bakery', 'river', 'mountain', 'game', 'season', 'sweater', 'plant', 'novel', 'poem', 'camera', 'photo', 'stream', 'match', 'team', 'teacher'],
    a: ['amazing', 'weird', 'cozy', 'terrible', 'wonderful', 'chaotic', 'beautiful', 'boring', 'spicy', 'gorgeous', 'strange', 'lovely', 'messy', 'quiet', 'wild', 'fancy', 'tiny', 'huge', 'soft', 'cursed'],
    v: ['stream', 'paint', 'bake', 'read', 'watch', 'fix', 'draw', 'sing', 'cook', 'knit', 'write', 'plant', 'skate', 'record', 'dance', 'swim', 'travel', 'vote', 'sleep', 'climb'],
    p: ['Chicago', 'London', 'Toronto', 'Seattle', 'Dublin', 'Austin', 'Melbourne', 'Boston', 'Denver', 'Portland'],
  },
  {
    code: 'ja', weight: 15, spaced: false,
    templates: [
      '今日の{n}は{a}でした{e}',
      '{p}で{n}を{v}のが楽しみ！',
      'ツイッターを始めた頃は{n}をやれるかも…！って希望抱いてた',
      '{n}と{n}、どっちが{a}かな？',
      'やっと{n}が届いた！{x}回目の挑戦で成功{e}',
      '{n}の話をしているから{a}のは当たり前',
      '朝から{n}を{v}。{a}一日になりそう',
      '{p}の{n}、本当に{a}わｗ',
    ],
    n: ['猫', '犬', 'ラーメン', '映画', '漫画', '天気', '電車', 'コーヒー', '写真', '音楽', '桜', '仕事', '友達', 'ゲーム', '本', 'ケーキ', '配信', '絵', '楽曲', '散歩'],
    a: ['最高', '楽しい', '美味しい', '大変', '可愛い', '眩しい', '静か', '不思議', '重要', '懐かしい'],
    v: ['見る', '描く', '食べる', '聴く', '読む', '作る', '撮る', '歩く'],
    p: ['東京', '大阪', '京都', '札幌', '福岡', '調布', '横浜', '名古屋'],
  },
  {
    code: 'pt', weight: 12, spaced: true,
    templates: [
      'eu sabia que era {a} {e} ainda tô triste pelo {n} mas tô muito feliz',
      'Hoje o {n} em {p} estava {a} demais',
      'alguém mais acha que o {n} é {a}? sério',
      'Vamos {v} juntos, sempre juntos. {x} dias para o {n}!',
      'que {n} {a} meu deus {e}',
      'Acabei de {v} o {n} e não me arrependo',
    ],
    n: ['jogo', 'filme', 'show', 'café', 'livro', 'trabalho', 'oscar', 'carnaval', 'gato', 'cachorro', 'almoço', 'praia', 'novela', 'time', 'disco'],
    a: ['lindo', 'incrível', 'estranho', 'maravilhoso', 'chato', 'perfeito', 'horrível', 'fofo'],
    v: ['assistir', 'comer', 'ler', 'cantar', 'dançar', 'viajar', 'desenhar', 'votar'],
    p: ['São Paulo', 'Rio', 'Lisboa', 'Recife', 'Porto', 'Belo Horizonte'],
  },
  {
    code: 'es', weight: 10, spaced: true,
    templates: [
      'No creo en {n}, pero que las hay, las hay {e}',
      'Hoy el {n} en {p} estuvo {a}',
      '¿Alguien sabe dónde {v} un {n} {a}?',
      'Llevo {x} días intentando {v} el {n} y nada',
      'Qué {a} es el {n} por la mañana {e}',
      'Mañana vamos a {v} con el {n}. ¡Por fin!',
    ],
    n: ['partido', 'café', 'libro', 'gato', 'perro', 'concierto', 'trabajo', 'mercado', 'viaje', 'pan', 'barrio', 'equipo', 'cine', 'tren'],
    a: ['increíble', 'raro', 'bonito', 'terrible', 'precioso', 'aburrido', 'tranquilo', 'enorme'],
    v: ['comprar', 'leer', 'ver', 'cocinar', 'escribir', 'bailar', 'arreglar', 'votar'],
    p: ['Madrid', 'Barcelona', 'Sevilla', 'México', 'Buenos Aires', 'Bogotá', 'Valencia'],
  },
  {
    code: 'de', weight: 8, spaced: true,
    templates: [
      'Trotzdem muss man da nicht schon wieder dem {n} eine Bühne geben, meine Güte.',
      'Das {n} in {p} war heute wirklich {a} {e}',
      'Kürzungen beim {n} zeigen: Unsere Gesellschaft ist so {a}.',
      'Wer will morgen mit mir {v}? Ich bringe {n} mit.',
      'Seit {x} Tagen versuche ich, das {n} zu {v}.',
      'Ein {a} Sonntag mit {n} und Tee.',
    ],
    n: ['Wetter', 'Buch', 'Konzert', 'Spiel', 'Projekt', 'Fahrrad', 'Museum', 'Brot', 'Theater', 'Team', 'Bahnhof', 'Kaffee', 'Garten'],
    a: ['schön', 'seltsam', 'großartig', 'furchtbar', 'gemütlich', 'laut', 'herzlos', 'wunderbar'],
    v: ['lesen', 'wandern', 'kochen', 'reparieren', 'schreiben', 'malen', 'tanzen', 'wählen'],
    p: ['Berlin', 'Hamburg', 'München', 'Köln', 'Wien', 'Zürich', 'Leipzig'],
  },
  {
    code: 'fr', weight: 7, spaced: true,
    templates: [
      'La {n} remplace le {n} sur les retraites. Prévisible.',
      'Le {n} à {p} était vraiment {a} aujourd\'hui {e}',
      'Quelqu\'un veut {v} ce soir ? J\'apporte le {n}.',
      'Ça fait {x} jours que j\'essaie de {v} mon {n}.',
      'Un dimanche {a} avec un {n} et du café.',
      'Le {n} tue. Le {n} aussi.',
    ],
    n: ['film', 'livre', 'concert', 'match', 'chat', 'marché', 'travail', 'capitalisme', 'vélo', 'musée', 'fromage', 'projet', 'conclave'],
    a: ['génial', 'bizarre', 'magnifique', 'terrible', 'calme', 'étrange', 'superbe', 'nul'],
    v: ['lire', 'cuisiner', 'danser', 'écrire', 'voyager', 'peindre', 'voter', 'réparer'],
    p: ['Paris', 'Lyon', 'Marseille', 'Montréal', 'Bruxelles', 'Nantes', 'Toulouse'],
  },
  {
    code: 'ko', weight: 3, spaced: true,
    templates: ['오늘 {n} 정말 {a} {e}', '{p}에서 {n} 보고 왔어요', '{n} 너무 {a} ㅋㅋ'],
    n: ['날씨', '영화', '커피', '고양이', '음악', '게임', '책'],
    a: ['좋아요', '예뻐요', '재밌어요', '이상해요'],
    v: ['보다'],
    p: ['서울', '부산', '인천'],
  },
];

/**
 * Words of engineering posts, most frequent first: the weights fall fast at
 * the head so that a top 10 over a few thousand posts is stable. None is a
 * stop word of stopwords-iso's English list.
 */
export const TOPIC = [
  'software', 'team', 'design', 'systems', 'data', 'code', 'hiring', 'infrastructure', 'platform', 'students',
  'career', 'manager', 'civil', 'mechanical', 'electrical', 'database', 'kubernetes', 'rust', 'compiler', 'latency',
  'reliability', 'incident', 'postmortem', 'architecture', 'onboarding', 'interview', 'robotics', 'aerospace', 'bridge', 'circuit',
  'firmware', 'embedded', 'prototype', 'manufacturing', 'safety', 'structural', 'materials', 'battery', 'sensors', 'automation',
  'frontend', 'backend', 'devops', 'security', 'apis', 'documentation', 'metrics', 'observability', 'debugging', 'refactoring',
  'culture', 'leadership', 'startup', 'interns', 'mentorship', 'university', 'physics', 'math', 'tradeoffs', 'legacy',
  'migration', 'pipeline', 'deploy', 'outage', 'scaling', 'hardware', 'cloud', 'testing', 'microservices', 'chemical',
];

/** Templates of engineering posts (English); every one has at least one {E}. */
export const ENGINEERING_TEMPLATES = [
  '{E} is mostly about {t} and {t}, not about {t}.',
  'Our {t} {E} team is hiring! We care about {t}, {t} and {t}. Apply: {url}',
  '{x} years in {E} taught me one thing: {t} beats {t} every time.',
  'Hot take: good {E} means boring {t}. Boring {t} is good {t}.',
  'Spent the whole day on {t} {E}. The {t} is finally {a} {e}',
  'Why does nobody teach {t} in {E} school? {t} matters as much as {t}.',
  'Reading about {t} in {E}: {t}, {t}, and a lot of {t}.',
  '{E}: {x} {t} incidents, {x} {t} fixes, {x} cups of coffee.',
  'Thread on {E} {t}. First, {t}. Second, {t}. Third, {t} {e}',
  'My kid asked what {E} is. I said {t}. She said {t}. Fair.',
  'Is it just me or is {E} now {t} all the way down? {t} {t} {t}',
  'Today in {E}: {t} broke, {t} held, we shipped {t} anyway.',
  'Looking for {E} folks who know {t} and {t} {e}',
  'Ask me anything about {t}, {t} or {E} in general.',
  'The best {E} advice I got: write down the {t} before the {t}.',
  'Ten years of {E} and I still google {t} every day',
  'Good {E} is {t}. Great {E} is {t} plus {t}.',
  'Our {E} blog has a new post on {t} and {t}: {url}',
  '{E} meetup tonight! Topics: {t}, {t}, {t}. Pizza provided.',
  'Unpopular opinion: {t} is the most underrated part of {E}.',
];

/** Forms of the word that must match: case, punctuation, hashtag (the tag facet is added by the generator). */
export const ENGINEERING_FORMS = ['engineering', 'Engineering', 'ENGINEERING!', 'engineering,', 'Engineering.', '#engineering'];

/** Near misses that must not count as the word "engineering". */
export const NEAR_MISSES = ['engineer', 'engineers', 'engineered', 'reengineering', 'Engineer', 'Engineers'];

export const NEAR_MISS_TEMPLATES = [
  'Every {N} I know loves {t} and hates {t}.',
  'We {N} the {n} twice and it still broke {e}',
  'Shoutout to the {N} who fixed the {t} at {x}am.',
  'This is {N} nonsense, the {n} was fine before.',
];

export const TAGS = ['art', 'photography', 'music', 'bookSky', 'politics', 'news', 'gaming', 'caturday', 'science', 'climate', 'football', 'anime', 'writing', 'fotografia', 'retraites'];

export const DOMAINS = ['www.youtube.com', 'youtu.be', 'www.instagram.com', 'www.nytimes.com', 'github.com', 'www.theguardian.com', 'bsky.app', 'www.amazon.com', 'open.spotify.com', 'www.tagesspiegel.de', 'www.lemonde.fr', 'elpais.com', 'g1.globo.com', 'en.wikipedia.org'];

export const NAME_PARTS = ['solar', 'punk', 'auntie', 'moss', 'river', 'pixel', 'quiet', 'cat', 'book', 'wren', 'fox', 'maple', 'neon', 'tide', 'ember', 'lofi', 'kiwi', 'atlas', 'juno', 'sage'];
