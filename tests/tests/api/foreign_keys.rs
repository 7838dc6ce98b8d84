//! Every foreign key has an index that leads with its columns (in any order), so that checking
//! or following it never scans the referencing table. Read from PostgreSQL's catalog.

use peerbro_tests::{Db, TestApp, on_postgres};

const UNINDEXED_FOREIGN_KEYS: &str = "
SELECT c.conrelid::regclass || ' (' || (
    SELECT string_agg(a.attname, ', ' ORDER BY k.ord)
    FROM unnest(c.conkey) WITH ORDINALITY k(att, ord)
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att
) || ')' AS v
FROM pg_constraint c
WHERE c.contype = 'f'
AND NOT EXISTS (
    SELECT 1 FROM pg_index i
    WHERE i.indrelid = c.conrelid
    AND (string_to_array(i.indkey::text, ' ')::int2[])[1:array_length(c.conkey, 1)] @> c.conkey
    AND (string_to_array(i.indkey::text, ' ')::int2[])[1:array_length(c.conkey, 1)] <@ c.conkey
)
ORDER BY 1";

async fn every_foreign_key_has_an_index(db: Db) {
    let app = TestApp::spawn(&db).await;
    let missing = app.owner_texts(UNINDEXED_FOREIGN_KEYS).await;
    assert!(
        missing.is_empty(),
        "foreign keys without an index: {missing:#?}"
    );
    // The check itself finds one: drop an index and it is listed.
    app.owner_execute("DROP INDEX referrals_tenant_citizen_id_fk_idx")
        .await;
    assert_eq!(
        app.owner_texts(UNINDEXED_FOREIGN_KEYS).await,
        ["referrals (tenant_id, citizen_id)"]
    );
    app.stop().await;
}

on_postgres!(every_foreign_key_has_an_index);
