//! How much database work a request costs, counted by the server itself
//! (`peerbro_db_transactions_total`, `peerbro_db_round_trips_total`): a list costs the same
//! whatever its page size (no query per row), and no request costs more than it did when this
//! was last measured (docs/performance.md). Counts, never timings.

use peerbro_tests::{Db, TestApp, on_both, test_settings};
use serde_json::json;

const SUBMIT: &str =
    "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id } } }";

async fn database_work_per_request_is_bounded_and_flat_in_page_size(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.webhook_worker = false;
    settings.audit_seal_interval_ms = 3_600_000;
    // Nothing in the background: every round trip counted is the request's (the audit sealer
    // runs only its sweep at start).
    let app = TestApp::spawn_with(settings).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    // On PostgreSQL a caller seen before is answered from memory once the server listens for
    // changes to callers (ADR 0022): wait for that, and let the coordinator be seen once.
    let postgres = matches!(db, Db::Postgres(_));
    if postgres {
        // Under a loaded machine the listener can take a while: wait up to 20 s, and say so
        // when it never came (the ceilings below assume it), rather than fail on a ceiling.
        let mut live = false;
        for _ in 0..400 {
            if app
                .scrape_metrics()
                .await
                .contains("peerbro_callers_cache_live 1")
            {
                live = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(live, "the callers' cache never went live (ADR 0022)");
    }
    app.gql_ok(Some(&coordinator), "{ me { id } }", json!({}))
        .await;
    if postgres {
        // Seen once is not always enough: a look-up is not kept when a notification of a change
        // to any caller arrives while it reads (ADR 0022), and the start-up's own changes can
        // still be arriving. Ask again until the coordinator is answered from memory.
        let from_memory = |metrics: &str| {
            metrics
                .lines()
                .find(|l| l.starts_with("peerbro_callers_from_memory"))
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        let mut warm = false;
        for _ in 0..40 {
            let before = from_memory(&app.scrape_metrics().await);
            app.gql_ok(Some(&coordinator), "{ me { id } }", json!({}))
                .await;
            if from_memory(&app.scrape_metrics().await) > before {
                warm = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(
            warm,
            "the coordinator was never answered from memory (ADR 0022)"
        );
    }
    let mut ids = Vec::new();
    for i in 0..12 {
        let data = app
            .gql_ok(
                Some(&referrer),
                SUBMIT,
                json!({ "input": {
                    "newCitizen": { "name": format!("Borger {i}"), "municipality": "Helsingør" },
                    "reason": "Ønsker støtte",
                    "consentEvidence": "VERBAL_TO_REFERRER",
                }}),
            )
            .await;
        ids.push(
            data["submitReferral"]["referral"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let id = json!({ "id": ids[0] });
    let status = app
        .db_cost(
            &referrer,
            "query($id: ID!) { referralStatus(id: $id) { state feedback outcome } }",
            id.clone(),
        )
        .await;
    let audited = app.db_cost(&coordinator,
        "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { reason referrerOrganisation { name } } }",
        id,
    )
    .await;
    let list = "query($n: Int) { referralWorklist(first: $n) { edges { node { id state contactOverdue referrerOrganisation { name kind } } } } }";
    let small = app.db_cost(&coordinator, list, json!({ "n": 2 })).await;
    let large = app.db_cost(&coordinator, list, json!({ "n": 12 })).await;
    // The moves are read only when the document selects them: one statement more, and still
    // flat in the page size; the requested offers (none here) cost nothing when there are none.
    let with_moves = "query($n: Int) { referralWorklist(first: $n) { edges { node { id referrerOrganisation { name } requestedOffer { title } transitions { action at } } } } }";
    let nested_small = app
        .db_cost(&coordinator, with_moves, json!({ "n": 2 }))
        .await;
    let nested = app
        .db_cost(&coordinator, with_moves, json!({ "n": 12 }))
        .await;
    let submit = app
        .db_cost(
            &referrer,
            SUBMIT,
            json!({ "input": {
                "newCitizen": { "name": "Sidste Borger", "municipality": "Helsingør" },
                "reason": "Ønsker støtte",
                "consentEvidence": "VERBAL_TO_REFERRER",
            }}),
        )
        .await;
    // Who made each move: once every referral has one, still one batch whatever the page.
    for id in &ids {
        app.gql_ok(
            Some(&coordinator),
            "mutation($id: ID!) { moveReferral(input: { referralId: $id, action: ACCEPT }) { referral { state } } }",
            json!({ "id": id }),
        )
        .await;
    }
    let with_actors = "query($n: Int) { referralWorklist(first: $n) { edges { node { id transitions { action actor { email } } } } } }";
    let actors_small = app
        .db_cost(&coordinator, with_actors, json!({ "n": 2 }))
        .await;
    let actors = app
        .db_cost(&coordinator, with_actors, json!({ "n": 12 }))
        .await;
    // A list's links to users and pseudonyms (issue 11), and a peer list's links to the
    // users in its records: one batch per link, whatever the page.
    let with_links = "query($n: Int) { referralWorklist(first: $n) { edges { node { id referrer { email } citizenPseudonym } } } }";
    let links_small = app
        .db_cost(&coordinator, with_links, json!({ "n": 2 }))
        .await;
    let links = app
        .db_cost(&coordinator, with_links, json!({ "n": 12 }))
        .await;
    let peer_links = "query($n: Int) { peerWorkers(purpose: COORDINATION, first: $n) { edges { node { id user { id } screenings { interviewer { id } } transitions { actor { id } } } } } }";
    let peers_small = app
        .db_cost(&coordinator, peer_links, json!({ "n": 1 }))
        .await;
    let peers = app
        .db_cost(&coordinator, peer_links, json!({ "n": 5 }))
        .await;
    let report = format!(
        "status {status:?}, audited {audited:?}, list of 2 {small:?}, list of 12 {large:?}, \
         with moves {nested_small:?} and {nested:?}, submit {submit:?}, \
         with actors {actors_small:?} and {actors:?}, with links {links_small:?} and {links:?}, \
         peers with links {peers_small:?} and {peers:?}"
    );
    eprintln!("database work per request (transactions, round trips): {report}");
    assert_eq!(
        small, large,
        "a list's work does not grow with its page: {report}"
    );
    assert_eq!(
        nested_small, nested,
        "a list's work does not grow with its page: {report}"
    );
    assert_eq!(
        actors_small, actors,
        "a list's actors and peers do not grow with its page: {report}"
    );
    assert_eq!(
        links_small, links,
        "a list's referrers and pseudonyms do not grow with its page: {report}"
    );
    assert_eq!(
        peers_small, peers,
        "a peer list's users do not grow with its page: {report}"
    );
    // Ceilings: what these requests cost when last measured (docs/performance.md). Lower them
    // when a change saves work; a change that needs more must say why.
    // The caller's look-up: one statement on SQLite, none on PostgreSQL (from memory).
    let caller = u64::from(!postgres);
    let on = |(sqlite, pg): ((u64, u64), (u64, u64))| if postgres { pg } else { sqlite };
    for ((name, got), (max_tx, max_rt)) in [
        (("status", status), on(CEILING_STATUS)),
        (("audited", audited), on(CEILING_AUDITED)),
        (("list", large), on(CEILING_LIST)),
        (("list with moves", nested), on(CEILING_LIST_WITH_MOVES)),
        (("submit", submit), on(CEILING_SUBMIT)),
    ] {
        assert!(
            got.0 <= max_tx && got.1 <= max_rt,
            "{name} costs {got:?}, more than ({max_tx}, {max_rt}): {report}"
        );
    }
    // Statements (round trips less each transaction's begin and commit): at most one for the
    // caller (none when it comes from memory) plus one per level of the query (issue 10). `referralStatus { … }` is two levels
    // deep; the worklist `edges { node { referrerOrganisation { … } } }` five.
    let statements = |(tx, rt): (u64, u64)| rt - 2 * tx;
    assert!(statements(status) <= caller + 2, "status: {report}");
    assert!(statements(large) <= caller + 5, "list: {report}");
    assert!(
        statements(nested) <= caller + 5,
        "list with moves: {report}"
    );
    app.stop().await;
}

on_both!(database_work_per_request_is_bounded_and_flat_in_page_size);

/// (transactions, round trips) on SQLite and on PostgreSQL, measured on 2026-11-30. A read is
/// one transaction (ADR 0018): its begin with the tenant setting, the caller's look-up, what it
/// reads, and its commit. On PostgreSQL the caller comes from memory (ADR 0022): a read costs a
/// round trip less, and a mutation (whose caller was read in a transaction of its own) three
/// less. A submission's payload is read after its use case commits, outside any read
/// transaction.
const CEILING_STATUS: ((u64, u64), (u64, u64)) = ((1, 5), (1, 4));
const CEILING_AUDITED: ((u64, u64), (u64, u64)) = ((1, 8), (1, 7));
/// The worklist without moves reads the caller and the rows joined to their organisations (one
/// statement); with moves, one statement more.
const CEILING_LIST: ((u64, u64), (u64, u64)) = ((1, 4), (1, 3));
const CEILING_LIST_WITH_MOVES: ((u64, u64), (u64, u64)) = ((1, 5), (1, 4));
/// A new citizen's registration reads the tenant key row (share-locked) in its transaction
/// since 2026-12-01: once for the subject key and the name index together, so that a key
/// rotation in another process is never missed (ADR 0043). One round trip more than before.
const CEILING_SUBMIT: ((u64, u64), (u64, u64)) = ((4, 20), (3, 18));

/// The server's pool plans each prepared statement once per connection on PostgreSQL
/// (`plan_cache_mode = force_generic_plan`, ADR 0024) unless `PEERBRO_DATABASE_GENERIC_PLANS`
/// is off: left to choose, PostgreSQL re-planned the worklist's statement at every execution
/// (docs/performance.md).
async fn postgres_plans_each_statement_once_per_connection(db: Db) {
    let settings = test_settings(&db).await;
    let app = TestApp::spawn_with(settings.clone()).await;
    let tenant = app.tenant_id("helsingor").await;
    for (generic, expected) in [(true, "force_generic_plan"), (false, "auto")] {
        let mut settings = settings.clone();
        settings.database_generic_plans = generic;
        let pool =
            peerbro_persistence::Database::connect_with(&settings.database_url, settings.pool())
                .await
                .unwrap();
        let mode = peerbro_persistence::testing::pg_setting(&pool, tenant, "plan_cache_mode")
            .await
            .unwrap();
        assert_eq!(mode, expected, "generic plans {generic}");
    }
    app.stop().await;
}

peerbro_tests::on_postgres!(postgres_plans_each_statement_once_per_connection);
