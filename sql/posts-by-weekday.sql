-- posts-by-weekday (metrics/posts-by-weekday.csv): posts created per day of the week on the
-- wall clock, Mon to Sun, all 7 rows.
WITH days(n, weekday) AS (
  VALUES (1, 'Mon'), (2, 'Tue'), (3, 'Wed'), (4, 'Thu'), (5, 'Fri'), (6, 'Sat'), (7, 'Sun')
), p AS (
  SELECT isodow(time) AS n FROM events WHERE kind = 'post' AND op = 'create' AND time IS NOT NULL
)
SELECT days.weekday, count(p.n) AS posts
FROM days LEFT JOIN p ON p.n = days.n
GROUP BY days.n, days.weekday
ORDER BY days.n;
