-- events-per-minute (metrics/events-per-minute.csv): rows of every kind and operation per
-- wall-clock minute, every minute from the first to the last with data.
WITH counts AS (
  SELECT date_trunc('minute', time) AS minute, count(*) AS events
  FROM events WHERE time IS NOT NULL
  GROUP BY 1
), span AS (
  SELECT unnest(generate_series(min(minute), max(minute), INTERVAL 1 MINUTE)) AS minute FROM counts
)
SELECT strftime(span.minute, '%Y-%m-%d %H:%M:00') AS time, coalesce(counts.events, 0) AS events
FROM span LEFT JOIN counts ON counts.minute = span.minute
ORDER BY span.minute;
