//! Free text about a person is sealed with that person's key (issue 13): a referral's feedback
//! line (on the referral and on each move) and the reason for a peer worker's change of status.
//! Text stored in clear before migration 25 is sealed when the server next migrates, before it
//! serves anything; it reads the same afterwards, and a dump no longer holds it. After the
//! citizen is erased the referrer's feedback line is gone with the key.

use peerbro_tests::{Db, TestApp, on_both};
use serde_json::json;

const STATUS: &str = "query($id: ID!) { referralStatus(id: $id) { feedback } }";
const REASONS: &str = "{ peerWorkers(purpose: COORDINATION, first: 100) { edges { node { transitions { reason } } } } }";

fn holds(dump: &[u8], needle: &str) -> bool {
    dump.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn reasons(data: &serde_json::Value) -> Vec<String> {
    data["peerWorkers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["node"]["transitions"].as_array().unwrap().iter())
        .filter_map(|t| t["reason"].as_str().map(str::to_owned))
        .collect()
}

async fn text_left_in_clear_is_sealed_at_the_next_start(db: Db) {
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let admin = app.admin("helsingor").await;
    let id = app
        .gql_ok(
            Some(&referrer),
            "mutation { submitReferral(input: { newCitizen: { name: \"Lise Legacy\", municipality: \"Helsingør\" }, consentEvidence: WRITTEN }) { referral { id } } }",
            json!({}),
        )
        .await["submitReferral"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql_ok(
        Some(&coordinator),
        "mutation($id: ID!) { moveReferral(input: { referralId: $id, action: ACCEPT, feedback: \"sealed from the start\" }) { referral { id } } }",
        json!({ "id": id }),
    )
    .await;

    // As a server before migration 25 would have left them: in clear, nothing sealed.
    let line = "Legacy-feedback-4411";
    let reason = "Legacy-reason-5512";
    let last_move = "(SELECT referral_id FROM referral_transitions ORDER BY id DESC LIMIT 1)";
    assert_eq!(
        app.owner_execute(&format!(
            "UPDATE referrals SET feedback = '{line}', feedback_sealed = NULL WHERE id = {last_move}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.owner_execute(&format!(
            "UPDATE referral_transitions SET feedback = '{line}', feedback_sealed = NULL \
             WHERE referral_id = {last_move} AND action = 'ACCEPT'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.owner_execute(&format!(
            "UPDATE peer_transitions SET reason = '{reason}', reason_sealed = NULL \
             WHERE id = (SELECT id FROM peer_transitions WHERE tenant_id = \
             (SELECT tenant_id FROM referrals WHERE id = {last_move}) ORDER BY id DESC LIMIT 1)"
        ))
        .await,
        1
    );
    assert!(holds(&app.dump().await, line), "control: in clear now");

    // The next start seals them.
    let mut settings = app.halt().await;
    settings.demo_seed = Some(false);
    let app = TestApp::spawn_with(settings).await;
    let dump = app.dump().await;
    assert!(!holds(&dump, line), "the feedback line is sealed");
    assert!(!holds(&dump, reason), "the peer's reason is sealed");
    let seen = app
        .gql_ok(Some(&referrer), STATUS, json!({ "id": id }))
        .await;
    assert_eq!(seen["referralStatus"]["feedback"], line);
    let detail = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { citizenId transitions { feedback } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(detail["referral"]["transitions"][0]["feedback"], line);
    assert!(
        reasons(&app.gql_ok(Some(&coordinator), REASONS, json!({})).await)
            .contains(&reason.to_owned())
    );

    // Erased, the citizen takes the referrer's feedback line with them.
    app.gql_ok(
        Some(&admin),
        "mutation($id: ID!) { eraseCitizen(input: { citizenId: $id }) { citizen { erasedAt } } }",
        json!({ "id": detail["referral"]["citizenId"] }),
    )
    .await;
    let seen = app
        .gql_ok(Some(&referrer), STATUS, json!({ "id": id }))
        .await;
    assert!(seen["referralStatus"]["feedback"].is_null(), "{seen}");
    app.stop().await;
}

on_both!(text_left_in_clear_is_sealed_at_the_next_start);
