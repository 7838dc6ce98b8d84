//! One person in several partnerships (ADR 0028): `myTenants` lists the caller's memberships
//! linked to the identity provider's subject their token proves, and the token exchange
//! (RFC 8693) gives a token for another of them — never for a partnership the person is not an
//! active member of, and the same answer whether that partnership exists or not.

use peerbro_tests::{Db, StatusCode, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

const MINE: &str = "{ myTenants { tenant { slug name } userId roles current } }";
const WHO: &str = "{ tenant { slug } me { id email roles } }";

fn slugs(data: &Value) -> Vec<String> {
    data["myTenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["tenant"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_person_lists_their_partnerships_and_gets_a_token_for_another(db: Db) {
    let app = TestApp::spawn(&db).await;
    // The demo coordinator is one person working for both partnerships.
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let mine = app.gql_ok(Some(&coordinator), MINE, json!({})).await;
    assert_eq!(slugs(&mine), ["helsingor", "kobenhavn"]);
    let there = &mine["myTenants"][1];
    assert_eq!(there["current"], false);
    assert_eq!(there["roles"], json!(["COORDINATOR"]));
    let kobenhavn_user = app.user_id("kobenhavn", "coordinator@kobenhavn.demo").await;
    assert_eq!(
        uuid_of(there["userId"].as_str().unwrap()),
        kobenhavn_user.to_string()
    );
    assert_eq!(mine["myTenants"][0]["current"], true);

    // A person with one membership sees one; an anonymous caller none.
    let caseworker = app.token("helsingor", "caseworker@helsingor.demo").await;
    assert_eq!(
        slugs(&app.gql_ok(Some(&caseworker), MINE, json!({})).await),
        ["helsingor"]
    );
    assert_eq!(app.gql_code(None, MINE, json!({})).await, "UNAUTHENTICATED");

    // The exchange: a token for København, as the coordinator's membership there.
    let answer = app.exchange_token(&coordinator, "kobenhavn").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(
        answer.body["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    let expires_in = answer.body["expires_in"].as_u64().unwrap();
    assert!(
        (1..=600).contains(&expires_in),
        "never outlives the subject token: {expires_in}"
    );
    let token = answer.body["access_token"].as_str().unwrap().to_owned();
    let who = app.gql_ok(Some(&token), WHO, json!({})).await;
    assert_eq!(who["tenant"]["slug"], "kobenhavn");
    assert_eq!(who["me"]["email"], "coordinator@kobenhavn.demo");
    assert_eq!(who["me"]["roles"], json!(["COORDINATOR"]));
    // It works as any token of København does, and lists the way back.
    assert_eq!(
        slugs(&app.gql_ok(Some(&token), MINE, json!({})).await),
        ["helsingor", "kobenhavn"]
    );
    let back = app.exchange_token(&token, "helsingor").await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);

    // No membership, no such partnership, a malformed slug: one answer, which tells nothing.
    for (subject, audience) in [
        (&caseworker, "kobenhavn"),
        (&coordinator, "nowhere"),
        (&coordinator, "NOT-A-SLUG"),
    ] {
        let refused = app.exchange_token(subject, audience).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{audience}");
        assert_eq!(refused.body["error"], "invalid_target", "{}", refused.body);
        assert_eq!(
            refused.body["error_description"],
            "no partnership of this person has that slug"
        );
    }
    // An unusable subject token is `invalid_request` (RFC 8693 §2.2.2).
    for subject in ["not-a-token", &format!("{coordinator}x")] {
        let refused = app.exchange_token(subject, "kobenhavn").await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(refused.body["error"], "invalid_request", "{}", refused.body);
    }
    let admin = app.admin("helsingor").await;
    let org = app
        .gql_ok(
            Some(&admin),
            "{ organisations(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["organisations"]["edges"][0]["node"]["id"]
        .clone();
    let registered = app
        .gql_ok(
            Some(&admin),
            "mutation($o: ID!) { registerApiClient(input: { organisationId: $o, name: \"Partner\" }) { clientSecret client { clientId } } }",
            json!({ "o": org }),
        )
        .await["registerApiClient"]
        .clone();
    let client_id = registered["client"]["clientId"].as_str().unwrap();
    let secret = registered["clientSecret"].as_str().unwrap();
    let client_token = app.client_token(client_id, secret).await.body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app.exchange_token(&client_token, "kobenhavn").await;
    assert_eq!(refused.body["error"], "invalid_request", "{}", refused.body);
}

async fn links_are_made_by_tenant_admins_and_bind_the_token(db: Db) {
    let app = TestApp::spawn(&db).await;
    let invite =
        "mutation($i: InviteUserInput!) { inviteUser(input: $i) { user { id idpSubject roles } } }";
    let kobenhavn = app.admin("kobenhavn").await;
    // København invites Helsingør's case-worker, linked to the same person, as a peer.
    let subject = "demo|caseworker@helsingor.demo";
    let invited = app
        .gql_ok(
            Some(&kobenhavn),
            invite,
            json!({ "i": { "email": "sagsbehandler@kobenhavn.demo", "displayName": "To steder",
                           "roles": ["PEER"], "idpSubject": subject } }),
        )
        .await["inviteUser"]["user"]
        .clone();
    assert_eq!(invited["idpSubject"], subject);
    let caseworker = app.token("helsingor", "caseworker@helsingor.demo").await;
    let mine = app.gql_ok(Some(&caseworker), MINE, json!({})).await;
    assert_eq!(slugs(&mine), ["helsingor", "kobenhavn"]);
    assert_eq!(mine["myTenants"][1]["roles"], json!(["PEER"]));

    // One person is at most one member of a partnership; a subject is validated at the limit.
    let again = json!({ "i": { "email": "igen@kobenhavn.demo", "displayName": "Igen",
                               "roles": ["PEER"], "idpSubject": subject } });
    let (_, body) = app.gql(Some(&kobenhavn), invite, again).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "CONFLICT",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["reason"], "DUPLICATE");
    for (n, (raw, ok)) in [
        ("x".repeat(255), true),
        ("x".repeat(256), false),
        ("has space".to_owned(), false),
        (String::new(), false),
    ]
    .into_iter()
    .enumerate()
    {
        let input = json!({ "i": { "email": format!("graense{n}@kobenhavn.demo"),
                                   "displayName": "Grænse", "roles": ["PEER"], "idpSubject": raw } });
        let (_, body) = app.gql(Some(&kobenhavn), invite, input).await;
        if ok {
            assert!(body["errors"].is_null(), "{body}");
        } else {
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "VALIDATION",
                "{body}"
            );
            assert_eq!(
                body["errors"][0]["extensions"]["field"], "idpSubject",
                "{body}"
            );
        }
    }

    // A token naming another person than the membership is linked to is no token at all.
    let impostor = app
        .token_naming(
            "helsingor",
            "caseworker@helsingor.demo",
            Some("demo|coordinator"),
        )
        .await;
    let (status, _) = app.gql(Some(&impostor), WHO, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A token naming no person acts in its own partnership only.
    let plain = app
        .token_naming("helsingor", "coordinator@helsingor.demo", None)
        .await;
    assert_eq!(
        slugs(&app.gql_ok(Some(&plain), MINE, json!({})).await),
        ["helsingor"]
    );
    let refused = app.exchange_token(&plain, "kobenhavn").await;
    assert_eq!(refused.body["error"], "invalid_target", "{}", refused.body);

    // A deactivated membership is neither listed nor opened.
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let there = app.user_id("kobenhavn", "coordinator@kobenhavn.demo").await;
    app.gql_ok(
        Some(&kobenhavn),
        "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { user { id } } }",
        json!({ "id": there.to_string() }),
    )
    .await;
    assert_eq!(
        slugs(&app.gql_ok(Some(&coordinator), MINE, json!({})).await),
        ["helsingor"]
    );
    let refused = app.exchange_token(&coordinator, "kobenhavn").await;
    assert_eq!(refused.body["error"], "invalid_target", "{}", refused.body);
}

on_both!(a_person_lists_their_partnerships_and_gets_a_token_for_another);
on_both!(links_are_made_by_tenant_admins_and_bind_the_token);
