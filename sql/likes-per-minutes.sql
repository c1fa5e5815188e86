-- likes-per-minute (metrics/likes-per-minutes.csv): likes created per wall-clock minute,
-- every minute from the first to the last with data (0 when none).
-- Run: bsky-sql --csv --file sql/likes-per-minutes.sql
WITH counts AS (
  SELECT date_trunc('minute', time) AS minute, count(*) AS likes
  FROM events WHERE kind = 'like' AND op = 'create' AND time IS NOT NULL
  GROUP BY 1
), span AS (
  SELECT unnest(generate_series(min(minute), max(minute), INTERVAL 1 MINUTE)) AS minute FROM counts
)
SELECT strftime(span.minute, '%Y-%m-%d %H:%M:00') AS time, coalesce(counts.likes, 0) AS likes
FROM span LEFT JOIN counts ON counts.minute = span.minute
ORDER BY span.minute;
