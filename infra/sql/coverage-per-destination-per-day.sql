-- Coverage rate (processed / total records) per destination and day, newest day first.
-- Parameters: org, first day (YYYY-MM-DD).
SELECT
  coalesce(d.name, l.destination_id) AS destination,
  date_trunc('day', l.batch_started_at) AS day,
  count(*) AS records,
  count_if(l.status IN ('succeeded', 'partial_success', 'partially_failed')) AS processed,
  CAST(count_if(l.status IN ('succeeded', 'partial_success', 'partially_failed')) AS double) / count(*) AS coverage_rate
FROM sync_log l
LEFT JOIN destinations d ON d.id = l.destination_id AND d.org_id = l.org_id
WHERE l.org = ? AND l.batch_started_at >= CAST(? AS timestamp)
GROUP BY 1, 2
ORDER BY day DESC, destination
