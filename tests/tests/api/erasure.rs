//! Erasure (issue 13). Erasing a self-registered citizen closes and scrubs their own account too (issue 13): their
//! token is refused at once, the e-mail, display name and identity-provider link are gone from
//! the database, and the account cannot be reactivated into a working login under their name.
//! A legal hold refuses erasure, with its reason, until released — on citizens and on peer
//! workers; only tenant admins place or release one, and only in their own partnership.

use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::json;

const ERASE: &str =
    "mutation($id: ID!) { eraseCitizen(input: { citizenId: $id }) { citizen { name erasedAt } } }";

async fn erasing_a_self_registered_citizen_closes_their_account(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let email = "slettes.selv@example.dk";
    let user = app
        .gql_ok(
            Some(&admin),
            "mutation($e: String!) { inviteUser(input: { email: $e, displayName: \"Vibeke Slettesen\", roles: [CITIZEN], idpSubject: \"idp|vibeke-slettesen\" }) { user { id } } }",
            json!({ "e": email }),
        )
        .await["inviteUser"]["user"]["id"]
        .clone();
    let token = app
        .token_naming("helsingor", email, Some("idp|vibeke-slettesen"))
        .await;
    let citizen = app
        .gql_ok(
            Some(&token),
            "mutation { registerSelf(input: { name: \"Vibeke Slettesen\", municipality: \"Helsingør\" }) { citizen { id } } }",
            json!({}),
        )
        .await["registerSelf"]["citizen"]["id"]
        .clone();
    assert_eq!(
        app.gql_ok(Some(&token), "{ me { email } }", json!({}))
            .await["me"]["email"],
        email
    );
    // The login is sealed under the tenant key (ADR 0038): nothing of it in clear, but a dump
    // with that key would open it — so erasure must remove the sealed values too.
    let holds =
        |dump: &[u8], needle: &str| dump.windows(needle.len()).any(|w| w == needle.as_bytes());
    let dump = app.dump().await;
    for sealed in [email, "idp|vibeke-slettesen"] {
        assert!(
            !holds(&dump, sealed),
            "{sealed} is sealed while the account lives"
        );
    }
    let row = app.id_sql(&uuid_of(user.as_str().unwrap()));
    let count = |condition: &str| {
        format!("SELECT CAST(COUNT(*) AS TEXT) AS v FROM users WHERE id = {row} AND ({condition})")
    };
    let all_sealed = count(
        "email_sealed IS NOT NULL AND display_name_sealed IS NOT NULL \
         AND idp_subject_sealed IS NOT NULL AND idp_subject_index IS NOT NULL",
    );
    let any_sealed = count(
        "email_sealed IS NOT NULL OR display_name_sealed IS NOT NULL \
         OR idp_subject_sealed IS NOT NULL OR idp_subject_index IS NOT NULL",
    );
    assert_eq!(app.owner_texts(&all_sealed).await, ["1"], "control");

    let erased = app
        .gql_ok(Some(&admin), ERASE, json!({ "id": citizen }))
        .await;
    assert!(erased["eraseCitizen"]["citizen"]["name"].is_null());

    // The login is closed at once.
    let (status, body) = app.gql(Some(&token), "{ me { email } }", json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // Listed as a closed account with nothing of them left.
    let listed = app
        .gql_ok(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { ... on User { email displayName deactivatedAt } } }",
            json!({ "id": user }),
        )
        .await;
    let node = &listed["node"];
    assert!(node["deactivatedAt"].is_string(), "{listed}");
    assert_eq!(node["displayName"], "Slettet");
    assert!(
        node["email"].as_str().unwrap().ends_with("@erased.invalid"),
        "{listed}"
    );
    let dump = app.dump().await;
    for gone in [email, "Vibeke Slettesen", "idp|vibeke-slettesen"] {
        assert!(!holds(&dump, gone), "{gone} is still in the database");
    }
    assert_eq!(
        app.owner_texts(&any_sealed).await,
        ["0"],
        "the sealed address, name and subject are removed"
    );
    // Nor does the closed account hold the address or the subject any more: both are free.
    app.gql_ok(
        Some(&admin),
        "mutation($e: String!) { inviteUser(input: { email: $e, displayName: \"Ny Bruger\", roles: [CITIZEN], idpSubject: \"idp|vibeke-slettesen\" }) { user { id } } }",
        json!({ "e": email }),
    )
    .await;
}

const HOLD: &str = "mutation($id: ID!, $r: LegalHoldReason!) { placeLegalHold(input: { citizenId: $id, reason: $r }) { citizenId reason placedAt } }";
const RELEASE: &str =
    "mutation($id: ID!) { releaseLegalHold(input: { citizenId: $id }) { citizenId released } }";
const NAME: &str =
    "query($id: ID!) { citizen(id: $id, purpose: ADMINISTRATION) { name erasedAt } }";

async fn a_legal_hold_refuses_erasure_until_released(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let id = app
        .gql_ok(
            Some(&admin),
            "mutation { registerCitizen(input: { name: \"Holdt Tilbage\", municipality: \"Helsingør\", consents: [] }) { citizen { id } } }",
            json!({}),
        )
        .await["registerCitizen"]["citizen"]["id"]
        .clone();
    let held = app
        .gql_ok(Some(&admin), HOLD, json!({ "id": id, "r": "LITIGATION" }))
        .await;
    assert_eq!(held["placeLegalHold"]["citizenId"], id);
    assert_eq!(held["placeLegalHold"]["reason"], "LITIGATION");

    // Erasure is refused with the hold's reason, and nothing is erased.
    let (_, body) = app.gql(Some(&admin), ERASE, json!({ "id": id })).await;
    let ext = &body["errors"][0]["extensions"];
    assert_eq!(ext["code"], "CONFLICT", "{body}");
    assert_eq!(ext["reason"], "LEGAL_HOLD", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("LITIGATION"),
        "{body}"
    );
    let still = app.gql_ok(Some(&admin), NAME, json!({ "id": id })).await;
    assert_eq!(still["citizen"]["name"], "Holdt Tilbage");
    assert!(still["citizen"]["erasedAt"].is_null());

    // Only tenant admins place and release holds, and only in their own partnership.
    for token in [
        app.token("helsingor", "coordinator@helsingor.demo").await,
        app.token("helsingor", "peer@helsingor.demo").await,
        app.token("helsingor", "caseworker@helsingor.demo").await,
    ] {
        for (query, vars) in [
            (HOLD, json!({ "id": id, "r": "COMPLAINT" })),
            (RELEASE, json!({ "id": id })),
        ] {
            assert_eq!(app.gql_code(Some(&token), query, vars).await, "FORBIDDEN");
        }
    }
    let other = app.admin("kobenhavn").await;
    assert_eq!(
        app.gql_code(Some(&other), RELEASE, json!({ "id": id }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_code(Some(&other), HOLD, json!({ "id": id, "r": "COMPLAINT" }))
            .await,
        "NOT_FOUND"
    );
    let bad = app
        .gql(Some(&admin), HOLD, json!({ "id": id, "r": "BECAUSE" }))
        .await
        .1;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "VALIDATION",
        "{bad}"
    );

    // Released (once): erasure goes through; a hold on an erased citizen is refused.
    let released = app.gql_ok(Some(&admin), RELEASE, json!({ "id": id })).await;
    assert_eq!(released["releaseLegalHold"]["released"], true);
    let again = app.gql_ok(Some(&admin), RELEASE, json!({ "id": id })).await;
    assert_eq!(again["releaseLegalHold"]["released"], false);
    app.gql_ok(Some(&admin), ERASE, json!({ "id": id })).await;
    let (_, body) = app
        .gql(Some(&admin), HOLD, json!({ "id": id, "r": "COMPLAINT" }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["reason"], "ERASED",
        "{body}"
    );
}

const ERASE_PEER: &str = "mutation($id: ID!) { erasePeerWorker(input: { peerId: $id }) { peerWorker { id name contact status } } }";

async fn a_peer_who_has_left_is_erased_and_their_login_closed(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let id = app
        .gql_ok(Some(&peer), "{ myPeerProfile { id } }", json!({}))
        .await["myPeerProfile"]["id"]
        .clone();
    // Still active: not erased.
    let (_, body) = app.gql(Some(&admin), ERASE_PEER, json!({ "id": id })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["reason"], "NOT_ENDED",
        "{body}"
    );
    app.gql_ok(
        Some(&coordinator),
        "mutation($p: ID!) { changePeerStatus(input: { peerId: $p, action: END, reason: \"stopper som frivillig\" }) { peerWorker { status } } }",
        json!({ "p": id }),
    )
    .await;
    // Only tenant admins, only in their own partnership.
    assert_eq!(
        app.gql_code(Some(&coordinator), ERASE_PEER, json!({ "id": id }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_code(
            Some(&app.admin("kobenhavn").await),
            ERASE_PEER,
            json!({ "id": id })
        )
        .await,
        "NOT_FOUND"
    );
    // A legal hold keeps them until released; only tenant admins of their partnership hold.
    let hold = "mutation($id: ID!) { placePeerLegalHold(input: { peerId: $id, reason: AUTHORITY_REQUEST }) { peerId reason placedAt } }";
    let release =
        "mutation($id: ID!) { releasePeerLegalHold(input: { peerId: $id }) { peerId released } }";
    assert_eq!(
        app.gql_code(Some(&coordinator), hold, json!({ "id": id }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_code(
            Some(&app.admin("kobenhavn").await),
            hold,
            json!({ "id": id })
        )
        .await,
        "NOT_FOUND"
    );
    let held = app.gql_ok(Some(&admin), hold, json!({ "id": id })).await;
    assert_eq!(held["placePeerLegalHold"]["reason"], "AUTHORITY_REQUEST");
    let (_, body) = app.gql(Some(&admin), ERASE_PEER, json!({ "id": id })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["reason"], "LEGAL_HOLD",
        "{body}"
    );
    let read = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { peerWorker(id: $id, purpose: COORDINATION) { name } }",
            json!({ "id": id }),
        )
        .await;
    assert!(
        read["peerWorker"]["name"].is_string(),
        "kept under the hold"
    );
    let released = app.gql_ok(Some(&admin), release, json!({ "id": id })).await;
    assert_eq!(released["releasePeerLegalHold"]["released"], true);
    let again = app.gql_ok(Some(&admin), release, json!({ "id": id })).await;
    assert_eq!(again["releasePeerLegalHold"]["released"], false);

    let erased = app
        .gql_ok(Some(&admin), ERASE_PEER, json!({ "id": id }))
        .await;
    let worker = &erased["erasePeerWorker"]["peerWorker"];
    assert!(
        worker["name"].is_null() && worker["contact"].is_null(),
        "{erased}"
    );
    assert_eq!(worker["status"], "ENDED", "the pipeline history stays");
    let (_, again) = app.gql(Some(&admin), ERASE_PEER, json!({ "id": id })).await;
    assert_eq!(
        again["errors"][0]["extensions"]["reason"], "ERASED",
        "{again}"
    );
    // An erased peer cannot be held any more.
    let (_, late) = app.gql(Some(&admin), hold, json!({ "id": id })).await;
    assert_eq!(
        late["errors"][0]["extensions"]["reason"], "ERASED",
        "{late}"
    );
    // Their login is closed, and their e-mail is gone from the database.
    let (status, _) = app.gql(Some(&peer), "{ me { email } }", json!({})).await;
    assert_eq!(status, 401);
    let dump = app.dump().await;
    let needle = b"peer@helsingor.demo";
    assert!(!dump.windows(needle.len()).any(|w| w == needle));
    // Read back by a coordinator: the record is there, without the person.
    let read = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { peerWorker(id: $id, purpose: COORDINATION) { name status } }",
            json!({ "id": id }),
        )
        .await;
    assert!(read["peerWorker"]["name"].is_null(), "{read}");
}

on_both!(
    erasing_a_self_registered_citizen_closes_their_account,
    a_legal_hold_refuses_erasure_until_released,
    a_peer_who_has_left_is_erased_and_their_login_closed
);
