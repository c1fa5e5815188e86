-- top-langs (metrics/top-langs.csv): the 10 languages of most posts (primary subtag of each of
-- the post's langs, lower-cased: pt-BR counts as pt); a post counts once per language.
WITH codes AS (
  SELECT DISTINCT batch, seg, seq, trim(split_part(replace(lower(l), '_', '-'), '-', 1)) AS lang
  FROM events, unnest(langs) AS t(l)
  WHERE kind = 'post' AND op = 'create'
)
SELECT lang, count(*) AS posts
FROM codes WHERE lang <> ''
GROUP BY lang
ORDER BY posts DESC, lang
LIMIT 10;                                                                                      -- --top
