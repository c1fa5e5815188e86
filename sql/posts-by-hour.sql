-- posts-by-hour (metrics/posts-by-hour.csv): posts created per hour of the day on the wall
-- clock, 00 to 23, all 24 rows.
WITH hours AS (
  SELECT lpad(CAST(h AS VARCHAR), 2, '0') AS hour FROM range(24) AS t(h)
), p AS (
  SELECT strftime(time, '%H') AS hour FROM events WHERE kind = 'post' AND op = 'create' AND time IS NOT NULL
)
SELECT hours.hour, count(p.hour) AS posts
FROM hours LEFT JOIN p ON p.hour = hours.hour
GROUP BY hours.hour
ORDER BY hours.hour;
