//! The citizen app's screens: a citizen with an account refers themself to an open offer
//! (consenting digitally), follows and withdraws it; who may, at the limits, and tenant
//! isolation.

use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

const REFER: &str = "mutation($i: ReferMyselfInput!) { referMyself(input: $i) { created referral { id state nextStep requestedOffer { id title } } } }";

/// A citizen user of `helsingor`, registered (or not) as a citizen; their token.
async fn citizen(app: &TestApp, admin: &str, email: &str, register: bool) -> String {
    app.gql_ok(
        Some(admin),
        "mutation($e: String!) { inviteUser(input: { email: $e, displayName: \"Borger\", roles: [CITIZEN] }) { user { id } } }",
        json!({ "e": email }),
    )
    .await;
    let token = app.token("helsingor", email).await;
    if register {
        app.gql_ok(
            Some(&token),
            "mutation { registerSelf(input: { name: \"Sofie Selvhenvist\", municipality: \"Helsingør\" }) { citizen { id } } }",
            json!({}),
        )
        .await;
    }
    token
}

async fn offer(app: &TestApp, coordinator: &str, title: &str) -> String {
    let org = app
        .gql_ok(
            Some(coordinator),
            "{ organisations(kind: NGO, first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["organisations"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql_ok(
        Some(coordinator),
        "mutation($i: CreateOfferInput!) { createOffer(input: $i) { offer { id } } }",
        json!({ "i": { "organisationId": org, "kind": "ONE_TO_ONE", "title": title, "location": "Helsingør" } }),
    )
    .await["createOffer"]["offer"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn code_and_reason(body: &Value) -> (Option<&str>, Option<&str>) {
    let ext = &body["errors"][0]["extensions"];
    (ext["code"].as_str(), ext["reason"].as_str())
}

async fn a_citizen_refers_themself_follows_and_withdraws(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let me = citizen(&app, &admin, "sofie@example.dk", true).await;
    let unregistered = citizen(&app, &admin, "endnu@example.dk", false).await;
    let open = offer(&app, &coordinator, "Følgeskab i Helsingør").await;
    let closed = offer(&app, &coordinator, "Lukket tilbud").await;
    app.gql_ok(
        Some(&coordinator),
        "mutation($id: ID!) { setOfferOpen(input: { offerId: $id, open: false }) { offer { open } } }",
        json!({ "id": closed }),
    )
    .await;

    let input = |offer: &str, reason: &str| json!({ "i": { "offerId": offer, "reason": reason, "idempotencyKey": "app-1" } });
    let made = app
        .gql_ok(Some(&me), REFER, input(&open, &"å".repeat(2000)))
        .await["referMyself"]
        .clone();
    assert_eq!(made["created"], true);
    assert_eq!(made["referral"]["state"], "SUBMITTED");
    assert_eq!(made["referral"]["nextStep"], "AWAITING_TRIAGE");
    assert_eq!(made["referral"]["requestedOffer"]["id"], open.as_str());
    let id = made["referral"]["id"].as_str().unwrap().to_owned();
    // A retry of the app (same key and input) answers the same referral.
    let again = app
        .gql_ok(Some(&me), REFER, input(&open, &"å".repeat(2000)))
        .await;
    assert_eq!(again["referMyself"]["created"], false);
    assert_eq!(again["referMyself"]["referral"]["id"], id.as_str());

    // The offers a citizen browses say who runs them, in one request for the whole list.
    let offers = app
        .gql_ok(
            Some(&me),
            "{ offers(openOnly: true, first: 100) { totalCount edges { node { id organisation { kind } } } } }",
            json!({}),
        )
        .await;
    let listed = offers["offers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["id"] == open.as_str())
        .unwrap_or_else(|| panic!("{offers}"));
    assert_eq!(listed["node"]["organisation"]["kind"], "NGO");
    // Their consents now hold processing and contact, given digitally by them.
    let mine = app
        .gql_ok(
            Some(&me),
            "{ me { id } myCitizen { consents { purpose given evidence recordedBy } } myReferrals { totalCount edges { node { id state } } } }",
            json!({}),
        )
        .await;
    let user = mine["me"]["id"].as_str().unwrap();
    for purpose in ["REFERRAL_PROCESSING", "CONTACT"] {
        let consent = mine["myCitizen"]["consents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["purpose"] == purpose)
            .unwrap_or_else(|| panic!("{purpose} in {mine}"));
        assert_eq!(consent["given"], true);
        assert_eq!(consent["evidence"], "DIGITAL");
        assert_eq!(consent["recordedBy"], user);
    }
    assert_eq!(mine["myReferrals"]["totalCount"], 1);
    assert_eq!(mine["myReferrals"]["edges"][0]["node"]["id"], id.as_str());
    // The coordinator finds it on the worklist, with the citizen's own words as its reason.
    let seen = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { state reason requestedOffer { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(seen["referral"]["reason"], "å".repeat(2000));

    // Refused: one character too many, a closed offer, another tenant's offer, no citizen
    // record, other roles — and nothing is made.
    let other_tenant = offer(
        &app,
        &app.token("kobenhavn", "coordinator@kobenhavn.demo").await,
        "København",
    )
    .await;
    for (token, vars, expected) in [
        (
            &me,
            input(&open, &"å".repeat(2001)),
            (Some("VALIDATION"), None),
        ),
        (
            &me,
            json!({ "i": { "offerId": closed } }),
            (Some("CONFLICT"), Some("OFFER_CLOSED")),
        ),
        (
            &me,
            json!({ "i": { "offerId": other_tenant } }),
            (Some("NOT_FOUND"), None),
        ),
        (
            &me,
            json!({ "i": { "offerId": "nope" } }),
            (Some("VALIDATION"), None),
        ),
        (
            &me,
            input(&open, "en anden tekst"),
            (Some("CONFLICT"), Some("IDEMPOTENCY_KEY_REUSED")),
        ),
        (
            &unregistered,
            json!({ "i": { "offerId": open } }),
            (Some("CONFLICT"), Some("NOT_REGISTERED")),
        ),
        (
            &referrer,
            json!({ "i": { "offerId": open } }),
            (Some("FORBIDDEN"), None),
        ),
        (
            &coordinator,
            json!({ "i": { "offerId": open } }),
            (Some("FORBIDDEN"), None),
        ),
    ] {
        let (_, body) = app.gql(Some(token), REFER, vars.clone()).await;
        assert_eq!(code_and_reason(&body), expected, "{vars}: {body}");
    }
    let (_, body) = app
        .gql(None, REFER, json!({ "i": { "offerId": open } }))
        .await;
    assert_eq!(code_and_reason(&body).0, Some("UNAUTHENTICATED"));
    let count = app
        .gql_ok(Some(&me), "{ myReferrals { totalCount } }", json!({}))
        .await;
    assert_eq!(
        count["myReferrals"]["totalCount"], 1,
        "nothing more was made"
    );

    // The citizen withdraws it.
    let withdrawn = app
        .gql_ok(
            Some(&me),
            "mutation($id: ID!) { moveReferral(input: { referralId: $id, action: WITHDRAW }) { referral { state nextStep } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(withdrawn["moveReferral"]["referral"]["state"], "WITHDRAWN");
    app.stop().await;
}

on_both!(a_citizen_refers_themself_follows_and_withdraws);

async fn course(app: &TestApp, coordinator: &str, open_access: bool) -> Result<String, String> {
    let peers = app
        .gql_ok(
            Some(coordinator),
            "{ peerWorkers(purpose: COORDINATION, status: ACTIVE, first: 2) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let ids: Vec<&str> = peers["peerWorkers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    let org = app
        .gql_ok(
            Some(coordinator),
            "{ organisations(kind: NGO, first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["organisations"]["edges"][0]["node"]["id"]
        .clone();
    let start = chrono::Utc::now().date_naive() + chrono::Duration::days(7);
    let weekday = [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ][chrono::Datelike::weekday(&start).num_days_from_monday() as usize];
    let (_, body) = app
        .gql(
            Some(coordinator),
            "mutation($i: CreateOfferInput!) { createOffer(input: $i) { offer { id openAccess } } }",
            json!({ "i": {
                "organisationId": org, "kind": "GROUP_COURSE", "title": "Mit liv, mine mål",
                "location": "Frivilligcentret", "capacity": 1, "facilitatorIds": ids,
                "schedule": { "startsOn": start.to_string(), "weekday": weekday, "startTime": "17:00:00" },
                "openAccess": open_access,
            }}),
        )
        .await;
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => Err(code.to_owned()),
        None => {
            assert_eq!(
                body["data"]["createOffer"]["offer"]["openAccess"],
                open_access
            );
            Ok(body["data"]["createOffer"]["offer"]["id"]
                .as_str()
                .unwrap()
                .to_owned())
        }
    }
}

const ENROL: &str = "mutation($o: ID!) { enrolMyself(input: { offerId: $o }) { enrolment { id status offer { id } } } }";
const MINE: &str = "query($from: Date) { myEnrolments(first: 10) { totalCount nodes { id status citizenId offer { id title openAccess sessions(from: $from) { number date startTime } } } } }";
const WITHDRAW: &str = "mutation($id: ID!) { withdrawEnrolment(input: { enrolmentId: $id }) { withdrawn { id status } promoted { id citizenId } } }";

async fn a_citizen_enrols_themself_sees_upcoming_sessions_and_withdraws(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let first = citizen(&app, &admin, "forst@example.dk", true).await;
    let second = citizen(&app, &admin, "anden@example.dk", true).await;
    let unregistered = citizen(&app, &admin, "ikke@example.dk", false).await;
    let open = course(&app, &coordinator, true).await.unwrap();
    let guarded = course(&app, &coordinator, false).await.unwrap();
    let theirs = course(
        &app,
        &app.token("kobenhavn", "coordinator@kobenhavn.demo").await,
        true,
    )
    .await
    .unwrap();
    // Only a course is open-access.
    let (_, body) = app
        .gql(
            Some(&coordinator),
            "mutation($i: CreateOfferInput!) { createOffer(input: $i) { offer { id } } }",
            json!({ "i": { "organisationId": app.gql_ok(Some(&coordinator), "{ organisations(kind: NGO, first: 1) { edges { node { id } } } }", json!({})).await["organisations"]["edges"][0]["node"]["id"], "kind": "ONE_TO_ONE", "title": "Følgeskab", "location": "Helsingør", "openAccess": true } }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "VALIDATION");
    assert_eq!(body["errors"][0]["extensions"]["field"], "openAccess");

    let placed =
        app.gql_ok(Some(&first), ENROL, json!({ "o": open })).await["enrolMyself"]["enrolment"]
            .clone();
    assert_eq!(placed["status"], "ENROLLED");
    assert_eq!(placed["offer"]["id"], open.as_str());
    let waiting =
        app.gql_ok(Some(&second), ENROL, json!({ "o": open })).await["enrolMyself"]["enrolment"]
            .clone();
    assert_eq!(waiting["status"], "WAITLISTED", "the one place is taken");

    // The citizen app's screen: my courses and their upcoming sessions, in one request.
    let today = chrono::Utc::now().date_naive();
    let mine = app
        .gql_ok(Some(&first), MINE, json!({ "from": today.to_string() }))
        .await["myEnrolments"]["nodes"]
        .clone();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["id"], placed["id"]);
    assert_eq!(mine[0]["offer"]["title"], "Mit liv, mine mål");
    assert_eq!(mine[0]["offer"]["sessions"].as_array().unwrap().len(), 10);
    assert_eq!(mine[0]["offer"]["sessions"][0]["number"], 1);
    // The tenth session is nine weeks after the first, a week from today: `from` on its
    // day keeps it alone, a day later none is left.
    let tenth = today + chrono::Duration::days(7 + 7 * 9);
    for (from, left) in [(tenth, 1), (tenth + chrono::Duration::days(1), 0)] {
        let rest = app
            .gql_ok(Some(&first), MINE, json!({ "from": from.to_string() }))
            .await;
        let sessions = rest["myEnrolments"]["nodes"][0]["offer"]["sessions"]
            .as_array()
            .unwrap();
        assert_eq!(sessions.len(), left, "from {from}: {sessions:?}");
    }
    let none = app.gql_ok(Some(&referrer), MINE, json!({})).await;
    assert_eq!(none["myEnrolments"]["nodes"], json!([]));
    assert_eq!(none["myEnrolments"]["totalCount"], 0);

    // Refused, and nothing is made.
    for (token, offer, expected) in [
        (&first, &open, (Some("CONFLICT"), Some("ALREADY_ENROLLED"))),
        (
            &first,
            &guarded,
            (Some("CONFLICT"), Some("NOT_OPEN_ACCESS")),
        ),
        (&first, &theirs, (Some("NOT_FOUND"), None)),
        (
            &unregistered,
            &open,
            (Some("CONFLICT"), Some("NOT_REGISTERED")),
        ),
        (&referrer, &open, (Some("FORBIDDEN"), None)),
    ] {
        let (_, body) = app.gql(Some(token), ENROL, json!({ "o": offer })).await;
        assert_eq!(code_and_reason(&body), expected, "{offer}: {body}");
    }
    let enrolments = app
        .gql_ok(
            Some(&coordinator),
            "query($o: ID!) { courseEnrolments(offerId: $o) { nodes { id status } } }",
            json!({ "o": open }),
        )
        .await;
    assert_eq!(
        enrolments["courseEnrolments"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Another citizen's enrolment does not exist for them; their own they withdraw, and
    // the place goes to the one waiting without their learning who.
    let (_, body) = app
        .gql(Some(&second), WITHDRAW, json!({ "id": placed["id"] }))
        .await;
    assert_eq!(code_and_reason(&body).0, Some("NOT_FOUND"));
    let done = app
        .gql_ok(Some(&first), WITHDRAW, json!({ "id": placed["id"] }))
        .await;
    assert_eq!(
        done["withdrawEnrolment"]["withdrawn"]["status"],
        "WITHDRAWN"
    );
    assert_eq!(done["withdrawEnrolment"]["promoted"], Value::Null);
    let moved_up = app.gql_ok(Some(&second), MINE, json!({})).await;
    assert_eq!(moved_up["myEnrolments"]["nodes"][0]["status"], "ENROLLED");
    assert_eq!(moved_up["myEnrolments"]["totalCount"], 1);
    app.stop().await;
}

on_both!(a_citizen_enrols_themself_sees_upcoming_sessions_and_withdraws);
