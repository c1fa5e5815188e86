-- top-words (metrics/top-10-word.csv): the 10 most used meaningful words in posts that contain
-- the word 'engineering'; count = number of such posts using the word. `words` holds each post's
-- tokens as top-words makes them (lib/metrics/words.ts), before the stop list; a word is
-- meaningful unless it is the keyword, a number, a single character, or a stop word of English or
-- of one of the post's languages (primary subtag: pt-BR uses pt's list).
WITH p AS (
  SELECT batch, seg, seq, words, langs FROM events
  WHERE kind = 'post' AND op = 'create' AND list_contains(words, 'engineering')               -- --keyword
), w AS (
  SELECT DISTINCT p.batch, p.seg, p.seq, t.word, p.langs FROM p, unnest(p.words) AS t(word)
)
SELECT word, count(*) AS count
FROM w
WHERE word <> 'engineering'                                                                    -- --keyword
  AND NOT regexp_full_match(word, '[\p{Nd}.,'']+')
  AND length(word) >= 2
  AND NOT EXISTS (
    SELECT 1 FROM stopwords s
    WHERE s.word = w.word
      AND (s.language = 'en' OR list_contains(list_transform(coalesce(w.langs, []), l -> split_part(replace(lower(l), '_', '-'), '-', 1)), s.language))
  )
GROUP BY word
ORDER BY count DESC, word
LIMIT 10;                                                                                      -- --top
