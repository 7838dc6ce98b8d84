//! Referrals through the API: the closed loop, the transition rules, peer capacity,
//! idempotent submission, and who sees what.

use peerbro_tests::{Db, TestApp, mentions, on_both, uuid_of};
use serde_json::{Value, json};

const SUBMIT: &str = "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { created referral { id state fhirTaskStatus feedback outcome submittedAt } } }";
const MOVE: &str = "mutation($input: MoveReferralInput!) { moveReferral(input: $input) { referral { id state feedback outcome firstContactAt } } }";
const STATUS: &str = "query($id: ID!) { referralStatus(id: $id) { state nextStep feedback outcome outcomeAbsence firstContactAt } }";

fn new_citizen(name: &str, share: bool, key: Option<&str>) -> Value {
    json!({ "input": {
        "newCitizen": { "name": name, "contact": "tlf. 11 22 33 44", "municipality": "Helsingør" },
        "reason": "Ønsker støtte til at komme ud blandt andre igen",
        "consentEvidence": "VERBAL_TO_REFERRER",
        "shareOutcomeWithReferrer": share,
        "idempotencyKey": key,
    }})
}

async fn submit(app: &TestApp, referrer: &str, name: &str, share: bool) -> String {
    let data = app
        .gql_ok(Some(referrer), SUBMIT, new_citizen(name, share, None))
        .await;
    assert_eq!(data["submitReferral"]["created"], true);
    data["submitReferral"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn mv(app: &TestApp, token: &str, input: Value) -> Result<Value, String> {
    let (_, body) = app.gql(Some(token), MOVE, json!({ "input": input })).await;
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => Err(code.to_owned()),
        None => Ok(body["data"]["moveReferral"]["referral"].clone()),
    }
}

async fn demo_peer(app: &TestApp, coordinator: &str, name: &str) -> String {
    let data = app
        .gql_ok(
            Some(coordinator),
            "{ peerWorkers(purpose: COORDINATION, first: 100) { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    data["peerWorkers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == name)
        .unwrap()["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_referral_runs_to_completion_and_the_referrer_follows_each_step(db: Db) {
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let admin = app.admin("helsingor").await;
    let id = submit(&app, &referrer, "Rasmus Rask", true).await;
    let peer = demo_peer(&app, &coordinator, "Demo-peer").await;

    // The coordinator sees it on the worklist, and its reason (an audited read).
    let list = app
        .gql_ok(Some(&coordinator), "{ referralWorklist(states: [SUBMITTED]) { edges { node { id contactOverdue reason } } } }", json!({}))
        .await;
    let row = list["referralWorklist"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| uuid_of(e["node"]["id"].as_str().unwrap()) == uuid_of(&id))
        .unwrap()
        .clone();
    assert_eq!(
        row["node"]["reason"],
        Value::Null,
        "lists do not decrypt reasons"
    );
    assert_eq!(
        row["node"]["contactOverdue"], false,
        "a submitted referral waits for no contact yet"
    );
    let detail = app
        .gql_ok(Some(&coordinator), "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { reason citizenId referrerOrganisation { kind } } }", json!({ "id": id }))
        .await;
    assert_eq!(
        detail["referral"]["reason"],
        "Ønsker støtte til at komme ud blandt andre igen"
    );
    assert_eq!(
        detail["referral"]["referrerOrganisation"]["kind"],
        "BOSTOTTE_TEAM"
    );
    let citizen = detail["referral"]["citizenId"].as_str().unwrap().to_owned();
    let audit = app
        .gql_ok(Some(&admin), "query($s: ID) { auditEntries(subjectId: $s, last: 1) { edges { node { action purpose } } } }", json!({ "s": citizen }))
        .await;
    assert_eq!(
        audit["auditEntries"]["edges"][0]["node"]["purpose"],
        "REFERRAL_HANDLING"
    );

    let steps = [
        (
            json!({ "referralId": id, "action": "ACCEPT", "feedback": "Modtaget, vi finder en peer" }),
            "ACCEPTED",
        ),
        (
            json!({ "referralId": id, "action": "ASSIGN", "peerId": peer }),
            "ASSIGNED",
        ),
        (
            json!({ "referralId": id, "action": "RECORD_CONTACT", "feedback": "Første kontakt er taget" }),
            "IN_CONTACT",
        ),
        (json!({ "referralId": id, "action": "START" }), "ACTIVE"),
        (
            json!({ "referralId": id, "action": "COMPLETE", "outcome": "GOAL_REACHED", "feedback": "Forløbet er afsluttet" }),
            "COMPLETED",
        ),
    ];
    let overdue = |list: Value| {
        list["referralWorklist"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| uuid_of(e["node"]["id"].as_str().unwrap()) == uuid_of(&id))
            .map(|e| e["node"]["contactOverdue"].clone())
    };
    let worklist = "{ referralWorklist { edges { node { id contactOverdue } } } }";
    for (input, state) in steps {
        mv(&app, &coordinator, input).await.unwrap();
        if state == "ASSIGNED" {
            let list = app.gql_ok(Some(&coordinator), worklist, json!({})).await;
            assert_eq!(overdue(list), Some(json!(false)), "assigned just now");
            // An assignment long past the tenant's 14-day limit, still without contact.
            // It is the only referral in the state (the fresh database holds no others).
            let backdated = app
                .owner_execute(
                    "UPDATE referrals SET assigned_at = '2020-01-01 00:00:00+00:00' \
                     WHERE state = 'ASSIGNED'",
                )
                .await;
            assert_eq!(backdated, 1);
            let list = app.gql_ok(Some(&coordinator), worklist, json!({})).await;
            assert_eq!(overdue(list), Some(json!(true)), "no contact for years");
        }
        if state == "IN_CONTACT" {
            let list = app.gql_ok(Some(&coordinator), worklist, json!({})).await;
            assert_eq!(overdue(list), Some(json!(false)), "contact made");
        }
        let seen = app
            .gql_ok(Some(&referrer), STATUS, json!({ "id": id }))
            .await;
        assert_eq!(
            seen["referralStatus"]["state"], state,
            "the referrer sees {state}"
        );
        let next = match state {
            "ACCEPTED" => json!("AWAITING_ASSIGNMENT"),
            "ASSIGNED" => json!("AWAITING_FIRST_CONTACT"),
            "IN_CONTACT" => json!("AWAITING_START"),
            "ACTIVE" => json!("IN_PROGRESS"),
            _ => Value::Null,
        };
        assert_eq!(seen["referralStatus"]["nextStep"], next, "{state}");
        if state != "COMPLETED" {
            assert_eq!(
                seen["referralStatus"]["outcomeAbsence"], "NOT_YET",
                "{state}"
            );
        }
    }
    let seen = app
        .gql_ok(Some(&referrer), STATUS, json!({ "id": id }))
        .await;
    assert_eq!(seen["referralStatus"]["feedback"], "Forløbet er afsluttet");
    assert_eq!(
        seen["referralStatus"]["outcome"], "GOAL_REACHED",
        "shared with consent"
    );
    assert_eq!(seen["referralStatus"]["outcomeAbsence"], Value::Null);
    assert!(seen["referralStatus"]["firstContactAt"].is_string());

    // Without the citizen's consent to share, the referrer sees the status but not the outcome.
    let private = submit(&app, &referrer, "Ulla Uden", false).await;
    for input in [
        json!({ "referralId": private, "action": "ACCEPT" }),
        json!({ "referralId": private, "action": "ASSIGN", "peerId": peer }),
        json!({ "referralId": private, "action": "RECORD_CONTACT" }),
        json!({ "referralId": private, "action": "START" }),
        json!({ "referralId": private, "action": "END_EARLY", "outcome": "DROPPED_OUT" }),
    ] {
        mv(&app, &coordinator, input).await.unwrap();
    }
    let seen = app
        .gql_ok(Some(&referrer), STATUS, json!({ "id": private }))
        .await;
    assert_eq!(seen["referralStatus"]["state"], "ENDED_EARLY");
    assert_eq!(seen["referralStatus"]["outcome"], Value::Null);
    assert_eq!(seen["referralStatus"]["outcomeAbsence"], "NOT_SHARED");
    // The same over REST.
    let rest = app
        .get(
            &format!("/api/v1/referrals/{}", uuid_of(&private)),
            Some(&referrer),
        )
        .await
        .body;
    assert_eq!(rest["outcomeAbsence"], "NOT_SHARED", "{rest}");
    assert!(rest.get("outcome").is_none(), "{rest}");

    // The referrer's organisation list, and nothing about the citizen.
    let mine = app
        .gql_ok(
            Some(&referrer),
            "{ myOrganisationReferrals(first: 10) { edges { node { id state } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["myOrganisationReferrals"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        app.gql_code(
            Some(&referrer),
            "query($id: ID!) { citizen(id: $id, purpose: REFERRAL_HANDLING) { name } }",
            json!({ "id": citizen })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_code(
            Some(&referrer),
            "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { reason } }",
            json!({ "id": id })
        )
        .await,
        "FORBIDDEN"
    );
    app.stop().await;
}

/// The outbox events (type and payload) announcing `referral`, oldest first.
async fn outbox(app: &TestApp, referral: &str) -> Vec<(String, Value)> {
    // Events carry the UUID, as REST does.
    let referral = uuid_of(referral);
    app.owner_texts(&format!(
        "SELECT event_type || '|' || payload AS v FROM outbox_events WHERE payload LIKE '%{referral}%' ORDER BY created_at, id"
    ))
    .await
    .into_iter()
    .map(|row| {
        let (kind, payload) = row.split_once('|').unwrap();
        (kind.to_owned(), serde_json::from_str(payload).unwrap())
    })
    .collect()
}

async fn illegal_moves_and_missing_details_are_refused(db: Db) {
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let id = submit(&app, &referrer, "Mona Mølle", false).await;
    for (input, code) in [
        (json!({ "referralId": id, "action": "START" }), "CONFLICT"),
        (
            json!({ "referralId": id, "action": "COMPLETE", "outcome": "GOAL_REACHED" }),
            "CONFLICT",
        ),
        (
            json!({ "referralId": id, "action": "COMPLETE" }),
            "VALIDATION",
        ),
        (
            json!({ "referralId": id, "action": "DECLINE" }),
            "VALIDATION",
        ),
        (
            json!({ "referralId": id, "action": "ACCEPT", "outcome": "GOAL_REACHED" }),
            "VALIDATION",
        ),
        (
            json!({ "referralId": id, "action": "ASSIGN" }),
            "VALIDATION",
        ),
        (
            json!({ "referralId": id, "action": "ACCEPT", "feedback": "x".repeat(281) }),
            "VALIDATION",
        ),
    ] {
        assert_eq!(
            mv(&app, &coordinator, input.clone()).await.unwrap_err(),
            code,
            "{input}"
        );
    }
    // The kind of conflict is typed, for clients that branch on it.
    let (_, body) = app
        .gql(
            Some(&coordinator),
            MOVE,
            json!({ "input": { "referralId": id, "action": "START" } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["reason"], "ILLEGAL_TRANSITION",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["message"],
        "conflict: START is not allowed from SUBMITTED"
    );
    let events = outbox(&app, &id).await;
    assert_eq!(events.len(), 1, "refused moves announce nothing");
    assert_eq!(events[0].0, "referral.submitted");
    let declined = mv(&app, &coordinator, json!({ "referralId": id, "action": "DECLINE", "declineReason": "OUTSIDE_TARGET_GROUP", "feedback": "Henvis til anden indsats" })).await.unwrap();
    let events = outbox(&app, &id).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].0, "referral.status_changed");
    assert_eq!(events[1].1["previousState"], "SUBMITTED");
    assert_eq!(events[1].1["state"], "DECLINED");
    assert_eq!(events[1].1["fhirTaskStatus"], "rejected");
    let text = events[1].1.to_string();
    assert!(
        !text.contains("Mølle") && !text.contains("Henvis"),
        "no personal data or free text: {text}"
    );
    assert_eq!(declined["state"], "DECLINED");
    assert_eq!(
        mv(
            &app,
            &coordinator,
            json!({ "referralId": id, "action": "ACCEPT" })
        )
        .await
        .unwrap_err(),
        "CONFLICT"
    );
    assert_eq!(
        mv(
            &app,
            &referrer,
            json!({ "referralId": id, "action": "WITHDRAW" })
        )
        .await
        .unwrap_err(),
        "CONFLICT"
    );

    // Submitting needs the consent evidence.
    let mut without = new_citizen("Uden Samtykke", false, None);
    without["input"]
        .as_object_mut()
        .unwrap()
        .remove("consentEvidence");
    assert_eq!(
        app.gql_code(Some(&referrer), SUBMIT, without).await,
        "VALIDATION"
    );
    let both = json!({ "input": { "newCitizen": { "name": "X", "municipality": "H" }, "citizenId": id, "consentEvidence": "WRITTEN" } });
    assert_eq!(
        app.gql_code(Some(&referrer), SUBMIT, both).await,
        "VALIDATION"
    );
    app.stop().await;
}

async fn a_peer_without_capacity_cannot_be_assigned(db: Db) {
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let peer = demo_peer(&app, &coordinator, "Demo-peer").await;
    let applicant = demo_peer(&app, &coordinator, "Nina Ansøger").await;
    let mut ids = Vec::new();
    for name in ["En", "To", "Tre"] {
        let id = submit(&app, &referrer, name, false).await;
        mv(
            &app,
            &coordinator,
            json!({ "referralId": id, "action": "ACCEPT" }),
        )
        .await
        .unwrap();
        ids.push(id);
    }
    assert_eq!(
        mv(
            &app,
            &coordinator,
            json!({ "referralId": ids[0], "action": "ASSIGN", "peerId": applicant })
        )
        .await
        .unwrap_err(),
        "CONFLICT",
        "only active peers"
    );
    // The demo peer takes two one-to-one matches.
    mv(
        &app,
        &coordinator,
        json!({ "referralId": ids[0], "action": "ASSIGN", "peerId": peer }),
    )
    .await
    .unwrap();
    mv(
        &app,
        &coordinator,
        json!({ "referralId": ids[1], "action": "ASSIGN", "peerId": peer }),
    )
    .await
    .unwrap();
    assert_eq!(
        mv(
            &app,
            &coordinator,
            json!({ "referralId": ids[2], "action": "ASSIGN", "peerId": peer })
        )
        .await
        .unwrap_err(),
        "CONFLICT",
        "full"
    );
    // A withdrawal frees a place; a reassignment does too.
    mv(
        &app,
        &referrer,
        json!({ "referralId": ids[0], "action": "WITHDRAW" }),
    )
    .await
    .unwrap();
    mv(
        &app,
        &coordinator,
        json!({ "referralId": ids[2], "action": "ASSIGN", "peerId": peer }),
    )
    .await
    .unwrap();
    let back = mv(
        &app,
        &coordinator,
        json!({ "referralId": ids[1], "action": "REASSIGN" }),
    )
    .await
    .unwrap();
    assert_eq!(back["state"], "ACCEPTED");
    mv(
        &app,
        &coordinator,
        json!({ "referralId": ids[1], "action": "ASSIGN", "peerId": peer }),
    )
    .await
    .unwrap();
    app.stop().await;
}

async fn concurrent_retries_with_one_idempotency_key_make_one_referral(db: Db) {
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let body = new_citizen("Ida Idempotent", true, Some("bostoette-sag-4711"));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = app.client.clone();
        let url = format!("{}/graphql", app.address);
        let token = referrer.clone();
        let body = json!({ "query": SUBMIT, "variables": body.clone() });
        tasks.push(tokio::spawn(async move {
            let res: Value = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            res
        }));
    }
    let mut ids = Vec::new();
    let mut created = 0;
    for task in tasks {
        let res = task.await.unwrap();
        assert!(res.get("errors").is_none(), "{res}");
        ids.push(
            res["data"]["submitReferral"]["referral"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        if res["data"]["submitReferral"]["created"] == true {
            created += 1;
        }
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every retry answers with the same referral");
    assert_eq!(created, 1, "exactly one created it");
    let mine = app
        .gql_ok(
            Some(&referrer),
            "{ myOrganisationReferrals(first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["myOrganisationReferrals"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let named = app
        .gql_ok(Some(&coordinator), "{ citizens(purpose: REFERRAL_HANDLING, name: \"Ida Idempotent\") { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(
        named["citizens"]["edges"].as_array().unwrap().len(),
        1,
        "and one citizen"
    );

    let other_body = new_citizen("Ida Anden", true, Some("bostoette-sag-4711"));
    assert_eq!(
        app.gql_code(Some(&referrer), SUBMIT, other_body).await,
        "CONFLICT"
    );
    app.stop().await;
}

async fn referrals_are_seen_only_by_their_organisation_and_tenant(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let id = submit(&app, &referrer, "Karl Kendt", false).await;

    // A referrer in another organisation of the same tenant.
    let orgs = app
        .gql_ok(
            Some(&admin),
            "{ organisations(first: 1, kind: NGO) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let ngo = orgs["organisations"]["edges"][0]["node"]["id"].clone();
    app.gql_ok(
        Some(&admin),
        "mutation($o: ID!) { inviteUser(input: { email: \"anden@example.dk\", displayName: \"Anden\", roles: [REFERRER], organisationId: $o }) { user { id } } }",
        json!({ "o": ngo }),
    )
    .await;
    let other = app.token("helsingor", "anden@example.dk").await;
    assert_eq!(
        app.gql_code(Some(&other), STATUS, json!({ "id": id }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        mv(
            &app,
            &other,
            json!({ "referralId": id, "action": "WITHDRAW" })
        )
        .await
        .unwrap_err(),
        "NOT_FOUND"
    );
    let theirs = app
        .gql_ok(
            Some(&other),
            "{ myOrganisationReferrals { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert!(
        theirs["myOrganisationReferrals"]["edges"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A referrer cannot move a referral other than by withdrawing it.
    assert_eq!(
        mv(
            &app,
            &referrer,
            json!({ "referralId": id, "action": "ACCEPT" })
        )
        .await
        .unwrap_err(),
        "FORBIDDEN"
    );

    // Another tenant.
    let b = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    assert_eq!(
        app.gql_code(Some(&b), STATUS, json!({ "id": id })).await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_code(
            Some(&b),
            "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { state } }",
            json!({ "id": id })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        mv(&app, &b, json!({ "referralId": id, "action": "ACCEPT" }))
            .await
            .unwrap_err(),
        "NOT_FOUND"
    );
    let worklist = app
        .gql_ok(
            Some(&b),
            "{ referralWorklist { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert!(!mentions(&worklist["referralWorklist"], &id));
    // Known-citizen submissions cannot reach into another tenant either.
    let detail = app
        .gql_ok(
            Some(&app.token("helsingor", "coordinator@helsingor.demo").await),
            "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { citizenId } }",
            json!({ "id": id }),
        )
        .await;
    let citizen = detail["referral"]["citizenId"].clone();
    let b_referrer = app.token("kobenhavn", "caseworker@kobenhavn.demo").await;
    let known = json!({ "input": { "citizenId": citizen, "consentEvidence": "WRITTEN" } });
    assert_eq!(
        app.gql_code(Some(&b_referrer), SUBMIT, known).await,
        "NOT_FOUND"
    );

    // Roles that do not refer.
    for who in ["peer", "coordinator"] {
        let token = app
            .token("helsingor", &format!("{who}@helsingor.demo"))
            .await;
        assert_eq!(
            app.gql_code(Some(&token), SUBMIT, new_citizen("Y", false, None))
                .await,
            "FORBIDDEN",
            "{who}"
        );
    }
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    assert_eq!(
        app.gql_code(
            Some(&peer),
            "{ referralWorklist { edges { node { id } } } }",
            json!({})
        )
        .await,
        "FORBIDDEN"
    );
    app.stop().await;
}

async fn partners_submit_and_follow_referrals_over_rest(db: Db) {
    use peerbro_tests::StatusCode;
    use reqwest::Method;
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let body = json!({
        "newCitizen": { "name": "Rita Rest", "municipality": "Helsingør" },
        "reason": "Ønsker følgeskab",
        "consentEvidence": "WRITTEN",
        "shareOutcomeWithReferrer": true,
    });
    let post = |body: Value, key: Option<&'static str>| {
        let mut req = app
            .request(Method::POST, "/api/v1/referrals")
            .bearer_auth(&referrer)
            .json(&body);
        if let Some(key) = key {
            req = req.header("idempotency-key", key);
        }
        req.send()
    };
    let first = post(body.clone(), Some("partner-17")).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = first.json().await.unwrap();
    assert_eq!(created["state"], "SUBMITTED");
    assert_eq!(created["fhirTaskStatus"], "requested");
    let retry = post(body.clone(), Some("partner-17")).await.unwrap();
    assert_eq!(retry.status(), StatusCode::OK, "a retry");
    let replayed: Value = retry.json().await.unwrap();
    assert_eq!(replayed["id"], created["id"]);
    let mut other = body.clone();
    other["reason"] = json!("Noget andet");
    let conflict = post(other, Some("partner-17")).await.unwrap();
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    assert_eq!(
        conflict.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = conflict.json().await.unwrap();
    assert_eq!(problem["reason"], "IDEMPOTENCY_KEY_REUSED", "{problem}");

    let got: Value = app
        .request(Method::GET, &location)
        .bearer_auth(&referrer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["id"], created["id"]);
    assert!(
        got.get("reason").is_none() && got.get("citizenId").is_none(),
        "nothing about the citizen: {got}"
    );

    for i in 0..3 {
        let mut more = body.clone();
        more["newCitizen"]["name"] = json!(format!("Rest {i}"));
        assert_eq!(
            post(more, None).await.unwrap().status(),
            StatusCode::CREATED
        );
    }
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = cursor.as_ref().map_or_else(
            || "/api/v1/referrals?limit=3".to_owned(),
            |c| format!("/api/v1/referrals?limit=3&cursor={c}"),
        );
        let page: Value = app
            .request(Method::GET, &path)
            .bearer_auth(&referrer)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen += page["items"].as_array().unwrap().len();
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, 4);

    let mut unknown = body.clone();
    unknown["cpr"] = json!("010101-1234");
    assert_eq!(
        post(unknown, None).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let res = app
        .request(Method::POST, "/api/v1/referrals")
        .bearer_auth(&peer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let b = app.token("kobenhavn", "caseworker@kobenhavn.demo").await;
    let res = app
        .request(Method::GET, &location)
        .bearer_auth(&b)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let doc: Value = app
        .request(Method::GET, "/api/v1/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/referrals"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/referrals/{id}"]["get"].is_object());
    app.stop().await;
}

on_both!(
    partners_submit_and_follow_referrals_over_rest,
    a_referral_runs_to_completion_and_the_referrer_follows_each_step,
    illegal_moves_and_missing_details_are_refused,
    a_peer_without_capacity_cannot_be_assigned,
    concurrent_retries_with_one_idempotency_key_make_one_referral,
    referrals_are_seen_only_by_their_organisation_and_tenant,
);

async fn a_citizen_withdraws_their_own_referral_and_no_one_elses(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let invite = "mutation($e: String!) { inviteUser(input: { email: $e, displayName: \"Borger\", roles: [CITIZEN] }) { user { id } } }";
    let mut citizens = Vec::new();
    for email in ["selv@example.dk", "anden@example.dk"] {
        app.gql_ok(Some(&admin), invite, json!({ "e": email }))
            .await;
        let token = app.token("helsingor", email).await;
        let own = app
            .gql_ok(
                Some(&token),
                "mutation { registerSelf(input: { name: \"Selv Henvist\", municipality: \"Helsingør\" }) { citizen { id } } }",
                json!({}),
            )
            .await["registerSelf"]["citizen"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        citizens.push((token, own));
    }
    // A referrer refers only citizens their organisation referred before: a self-registered
    // citizen does not exist for them.
    assert_eq!(
        app.gql_code(
            Some(&referrer),
            SUBMIT,
            json!({ "input": { "citizenId": citizens[0].1, "consentEvidence": "WRITTEN" } }),
        )
        .await,
        "NOT_FOUND"
    );
    // A coordinator who also refers may, once the citizen's consent is on record.
    let org = app
        .gql_ok(Some(&referrer), "{ me { organisation { id } } }", json!({}))
        .await["me"]["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql_ok(
        Some(&admin),
        "mutation($o: ID!) { inviteUser(input: { email: \"koordinator-henviser@helsingor.demo\", displayName: \"K\", roles: [COORDINATOR, REFERRER], organisationId: $o }) { user { id } } }",
        json!({ "o": org }),
    )
    .await;
    let coordinating_referrer = app
        .token("helsingor", "koordinator-henviser@helsingor.demo")
        .await;
    assert_eq!(
        app.gql_code(
            Some(&coordinating_referrer),
            SUBMIT,
            json!({ "input": { "citizenId": citizens[0].1, "consentEvidence": "WRITTEN" } }),
        )
        .await,
        "CONFLICT",
        "no referral without the citizen's consent to referral processing"
    );
    app.gql_ok(
        Some(&admin),
        "mutation($c: ID!) { recordConsent(input: { citizenId: $c, purpose: REFERRAL_PROCESSING, given: true, evidence: WRITTEN }) { history { purpose } } }",
        json!({ "c": citizens[0].1 }),
    )
    .await;
    let data = app
        .gql_ok(
            Some(&coordinating_referrer),
            SUBMIT,
            json!({ "input": { "citizenId": citizens[0].1, "consentEvidence": "WRITTEN", "contactConsent": false } }),
        )
        .await;
    let id = data["submitReferral"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The citizen's app lists their own referral (and its next step); the other citizen's
    // lists none, and so does a referrer's, who has no citizen record.
    let mine = "{ myReferrals(first: 10) { totalCount edges { node { id state nextStep } } } }";
    let own = app.gql_ok(Some(&citizens[0].0), mine, json!({})).await;
    assert_eq!(own["myReferrals"]["totalCount"], 1, "{own}");
    assert_eq!(own["myReferrals"]["edges"][0]["node"]["id"], id.as_str());
    assert_eq!(
        own["myReferrals"]["edges"][0]["node"]["nextStep"],
        "AWAITING_TRIAGE"
    );
    for token in [&citizens[1].0, &referrer] {
        let none = app.gql_ok(Some(token), mine, json!({})).await;
        assert_eq!(none["myReferrals"]["totalCount"], 0, "{none}");
        assert_eq!(none["myReferrals"]["edges"], json!([]));
    }
    assert_eq!(app.gql_code(None, mine, json!({})).await, "UNAUTHENTICATED");
    // Another citizen: not found; the citizen may not make any other move.
    assert_eq!(
        mv(
            &app,
            &citizens[1].0,
            json!({ "referralId": id, "action": "WITHDRAW" })
        )
        .await,
        Err("NOT_FOUND".to_owned())
    );
    assert_eq!(
        mv(
            &app,
            &citizens[0].0,
            json!({ "referralId": id, "action": "ACCEPT" })
        )
        .await,
        Err("FORBIDDEN".to_owned())
    );
    let withdrawn = mv(
        &app,
        &citizens[0].0,
        json!({ "referralId": id, "action": "WITHDRAW" }),
    )
    .await
    .unwrap();
    assert_eq!(withdrawn["state"], "WITHDRAWN");
    app.stop().await;
}
on_both!(a_citizen_withdraws_their_own_referral_and_no_one_elses);

/// `2026-11-29T21:05:00.123Z`: RFC 3339, UTC, exactly three decimals.
fn is_wire_instant(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 24
        && text.ends_with('Z')
        && b[10] == b'T'
        && b[19] == b'.'
        && b[20..23].iter().all(u8::is_ascii_digit)
        && chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

async fn one_instant_is_written_the_same_on_graphql_rest_and_webhooks(db: Db) {
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let data = app
        .gql_ok(Some(&referrer), SUBMIT, new_citizen("Tine Tid", true, None))
        .await;
    let referral = &data["submitReferral"]["referral"];
    let id = referral["id"].as_str().unwrap();
    let graphql = referral["submittedAt"].as_str().unwrap();
    assert!(is_wire_instant(graphql), "GraphQL wrote {graphql}");
    let rest = app
        .get(
            &format!("/api/v1/referrals/{}", uuid_of(id)),
            Some(&referrer),
        )
        .await
        .body;
    assert_eq!(rest["submittedAt"], graphql, "REST and GraphQL differ");
    let events = outbox(&app, id).await;
    let (_, submitted) = events
        .iter()
        .find(|(kind, _)| kind == "referral.submitted")
        .expect("the submission's event");
    assert_eq!(submitted["at"], graphql, "the webhook payload differs");
    // Input takes any RFC 3339 offset; output is always UTC.
    let (_, body) = app
        .gql(
            Some(&app.token("helsingor", "admin@helsingor.demo").await),
            "query { auditEntries(from: \"2000-01-01T01:00:00+01:00\", first: 1) { edges { node { at } } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let at = body["data"]["auditEntries"]["edges"][0]["node"]["at"]
        .as_str()
        .unwrap();
    assert!(is_wire_instant(at), "the audit log wrote {at}");
    app.stop().await;
}
on_both!(one_instant_is_written_the_same_on_graphql_rest_and_webhooks);
