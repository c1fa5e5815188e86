-- fast-likers (metrics/fast-likers.csv): every user whose largest number of likes inside any
-- window [t, t + 60 s) is at least 50. As periodic counts it (--min-likes 50 --within 60s
-- --lateness 1m; change the three numbers below for other values): a like older than the newest
-- like folded before it minus the lateness is late and not counted. "Before" is the order in
-- which periodic folded the events: batch, segment, line (batch, seg, seq).
WITH l AS (
  SELECT did, time, batch, seg, seq FROM events WHERE kind = 'like' AND op = 'create' AND time IS NOT NULL
), w AS (
  SELECT did, time, max(time) OVER (ORDER BY batch, seg, seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS watermark
  FROM l
), kept AS (
  SELECT did, time FROM w WHERE watermark IS NULL OR time >= watermark - INTERVAL 1 MINUTE        -- --lateness
), counted AS (
  SELECT did, count(*) OVER (PARTITION BY did ORDER BY time
    RANGE BETWEEN CURRENT ROW AND INTERVAL 59999999 MICROSECOND FOLLOWING) AS n                 -- --within, less 1 us
  FROM kept
)
SELECT did AS user_id, max(n) AS likes
FROM counted GROUP BY did HAVING max(n) >= 50                                                  -- --min-likes
ORDER BY likes DESC, user_id;
