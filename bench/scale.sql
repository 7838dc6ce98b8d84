-- Grows the benchmark's referrals to :'target' rows in all, for the list at volume (issue 10:
-- 1,000,000 referrals). bench/run runs it as the schema owner when BENCH_SCALE_TO is set.
--
-- The referrals seeded through the use case (kept in bench_originals the first time) are
-- copied in rounds, each with new ids and moves and with submission times moved back by 400
-- days per round: the same citizens, organisations, states, sealed reasons and indexes, only
-- more of them. Ids keep their time order (a UUIDv7-like prefix from the moved submission time),
-- as the server's own ids do. Idempotency keys and fingerprints are left out (unique per
-- tenant). Runs again as a no-op once the table holds the target.
\set ON_ERROR_STOP on
CREATE TABLE IF NOT EXISTS bench_originals AS SELECT tenant_id, id FROM referrals;

DO $$
DECLARE
  target bigint := current_setting('bench.target')::bigint;
  have bigint;
  originals bigint;
  round int := 0;
BEGIN
  SELECT count(*) INTO originals FROM bench_originals;
  LOOP
    SELECT count(*) INTO have FROM referrals;
    EXIT WHEN have >= target OR originals = 0;
    round := round + 1;
    DROP TABLE IF EXISTS bench_map;
    CREATE TEMP TABLE bench_map AS
      SELECT o.tenant_id, o.id AS old_id,
             (lpad(to_hex((extract(epoch FROM r.submitted_at - make_interval(days => 400 * round))
                           * 1000)::bigint), 12, '0')
              || substr(replace(gen_random_uuid()::text, '-', ''), 13))::uuid AS new_id,
             make_interval(days => 400 * round) AS shift
      FROM bench_originals o JOIN referrals r ON r.tenant_id = o.tenant_id AND r.id = o.id
      -- a round may stop short of the originals' count at the last one
      LIMIT target - have;
    -- skip copies whose made-up id already exists (a repeated run of the same round)
    DELETE FROM bench_map m USING referrals r WHERE r.tenant_id = m.tenant_id AND r.id = m.new_id;
    DROP TABLE IF EXISTS bench_rows;
    CREATE TEMP TABLE bench_rows AS
      SELECT r.* FROM referrals r JOIN bench_map m ON m.tenant_id = r.tenant_id AND m.old_id = r.id;
    UPDATE bench_rows b SET id = m.new_id, idempotency_key = NULL, fingerprint = NULL,
           submitted_at = b.submitted_at - m.shift, updated_at = b.updated_at - m.shift,
           first_contact_at = b.first_contact_at - m.shift, assigned_at = b.assigned_at - m.shift
      FROM bench_map m WHERE m.tenant_id = b.tenant_id AND m.old_id = b.id;
    INSERT INTO referrals SELECT * FROM bench_rows;
    DROP TABLE IF EXISTS bench_moves;
    CREATE TEMP TABLE bench_moves AS
      SELECT t.* FROM referral_transitions t
      JOIN bench_map m ON m.tenant_id = t.tenant_id AND m.old_id = t.referral_id;
    UPDATE bench_moves b SET id = gen_random_uuid(), referral_id = m.new_id, at = b.at - m.shift
      FROM bench_map m WHERE m.tenant_id = b.tenant_id AND m.old_id = b.referral_id;
    INSERT INTO referral_transitions SELECT * FROM bench_moves;
    RAISE NOTICE 'round %: % referrals', round, have + (SELECT count(*) FROM bench_rows);
  END LOOP;
END $$;
