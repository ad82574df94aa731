-- One record's outcomes across runs, syncs and destinations, newest first.
-- Parameters: org, identifier.
SELECT
  l.batch_started_at,
  l.sync_configuration_id,
  l.sync_run_id,
  coalesce(d.name, l.destination_id) AS destination,
  l.operation,
  l.status,
  l.status_message
FROM sync_log l
LEFT JOIN destinations d ON d.id = l.destination_id AND d.org_id = l.org_id
WHERE l.org = ? AND l.identifier = ?
ORDER BY l.batch_started_at DESC, l.sync_run_id
