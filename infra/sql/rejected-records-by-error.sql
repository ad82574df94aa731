-- Sync Tracking's example query on the Glue table: one run's rejected records, grouped by error message.
-- Parameters: org, sync id, run id.
SELECT status_message, array_agg(identifier) AS rejected_records, count(*) AS rejected
FROM sync_log
WHERE org = ? AND sync_id = ? AND run_id = ? AND status = 'rejected'
GROUP BY status_message
ORDER BY rejected DESC, status_message
