-- Per agent and ISO week of call_start: fully measured calls, the mean share of the
-- agent's voiced time in the pitch band (%), replies in the reply window (% of all
-- replies) and late replies. The same rules as `callcoach team`: a call counts when
-- its status is "ok" and its score is not partial; calls without an agent are grouped
-- as "unknown"; calls without a start have no week.
--
-- Reads a view `records` over calls.jsonl files, e.g. in DuckDB's CLI:
--   CREATE VIEW records AS
--     SELECT * FROM read_json_auto('results/merged/calls.jsonl', format = 'newline_delimited');
--   .read deploy/duckdb/weekly.sql
-- or over every shard's file at once: read_json_auto('results/shard-*/calls.jsonl', ...).
-- DuckDB reads call_start as a date or timestamp; in UTC its day is the one written.
SET TimeZone = 'UTC';
WITH calls AS (
  SELECT
    coalesce(agent_id, 'unknown') AS agent,
    strftime(CAST(substr(CAST(call_start AS VARCHAR), 1, 10) AS DATE), '%G-W%V') AS week,
    agent.frac_voiced_in_band AS in_band,
    reply_gaps
  FROM records
  WHERE status = 'ok' AND NOT score.partial AND call_start IS NOT NULL
),
gaps AS (
  SELECT agent, week, unnest(reply_gaps).verdict AS verdict
  FROM calls
)
SELECT
  c.agent,
  c.week,
  count(*) AS calls,
  round(100 * avg(c.in_band), 3) AS in_band_pct,
  (SELECT round(100 * avg(CASE WHEN g.verdict = 'in_window' THEN 1 ELSE 0 END), 3)
     FROM gaps g WHERE g.agent = c.agent AND g.week = c.week) AS replies_in_window_pct,
  (SELECT count(*) FROM gaps g
     WHERE g.agent = c.agent AND g.week = c.week AND g.verdict = 'late') AS late_replies
FROM calls c
GROUP BY c.agent, c.week
ORDER BY c.agent, c.week;
