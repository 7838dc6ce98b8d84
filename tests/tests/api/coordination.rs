//! The coordinator's dashboard and matching suggestions: every part of the dashboard in one
//! request, the ranking and its reasons, overdue contacts at the tenant's limit, waiting lists,
//! who may ask, and tenant isolation.

use chrono::{Datelike as _, Duration, Utc};
use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

const REGISTER: &str = "mutation($i: RegisterPeerWorkerInput!) { registerPeerWorker(input: $i) { peerWorker { id status } } }";
const SUBMIT: &str =
    "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id } } }";
const MOVE: &str = "mutation($input: MoveReferralInput!) { moveReferral(input: $input) { referral { id state } } }";
const SUGGEST: &str = "query($r: ID!, $l: String, $n: Int) { matchSuggestions(referralId: $r, language: $l) { kind language totalCount suggestions(first: $n) { reasons openMatches maxMatches freePlaces peer { id name } } } }";
const DASHBOARD: &str = "{ coordinatorDashboard { referralCounts { state count } overdueContacts waitingLists { enrolled waiting offer { id title capacity } } supervisionDue { limitDays peers { peer { id } lastSupervisedOn } } peerPlaces { openMatches maxMatches freePlaces peer { id name } } } }";

async fn paid_peer(
    app: &TestApp,
    coordinator: &str,
    org: &str,
    name: &str,
    kinds: &[&str],
    languages: &[&str],
    max: i32,
) -> String {
    let start = (Utc::now().date_naive() - Duration::days(30)).to_string();
    let data = app
        .gql_ok(
            Some(coordinator),
            REGISTER,
            json!({ "i": {
                "kind": "PAID", "name": name, "organisationId": org,
                "languages": languages, "offerKinds": kinds, "maxMatches": max,
                "employment": { "organisationId": org, "weeklyHours": 20.0, "startsOn": start },
            }}),
        )
        .await;
    assert_eq!(data["registerPeerWorker"]["peerWorker"]["status"], "ACTIVE");
    data["registerPeerWorker"]["peerWorker"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn submit(app: &TestApp, referrer: &str, name: &str) -> String {
    app.gql_ok(
        Some(referrer),
        SUBMIT,
        json!({ "input": {
            "newCitizen": { "name": name, "municipality": "Helsingør" },
            "consentEvidence": "VERBAL_TO_REFERRER",
        }}),
    )
    .await["submitReferral"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn mv(app: &TestApp, token: &str, input: Value) {
    app.gql_ok(Some(token), MOVE, json!({ "input": input }))
        .await;
}

async fn ngo(app: &TestApp, token: &str) -> String {
    let data = app
        .gql_ok(
            Some(token),
            "{ organisations(kind: NGO, first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    data["organisations"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn find<'a>(list: &'a Value, path: &[&str], id: &str) -> Option<&'a Value> {
    list.as_array().unwrap().iter().find(|row| {
        path.iter()
            .fold(*row, |v, key| &v[*key])
            .as_str()
            .is_some_and(|s| s == id)
    })
}

async fn the_dashboard_and_suggestions_answer_a_coordinators_screens(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let peer_user = app.token("helsingor", "peer@helsingor.demo").await;
    let admin = app.admin("helsingor").await;
    let stranger = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    let org = ngo(&app, &coordinator).await;
    let amal = paid_peer(
        &app,
        &coordinator,
        &org,
        "Amal Følgesvend",
        &["ONE_TO_ONE"],
        &["Arabisk", "dansk"],
        1,
    )
    .await;
    let bo = paid_peer(
        &app,
        &coordinator,
        &org,
        "Bo Kursusleder",
        &["GROUP_COURSE"],
        &["dansk"],
        3,
    )
    .await;

    // Suggestions for a referral that asked for nothing in particular (one-to-one).
    let first = submit(&app, &referrer, "Første Borger").await;
    mv(
        &app,
        &coordinator,
        json!({ "referralId": first, "action": "ACCEPT" }),
    )
    .await;
    let got = app
        .gql_ok(
            Some(&coordinator),
            SUGGEST,
            json!({ "r": first, "l": " arabisk " }),
        )
        .await["matchSuggestions"]
        .clone();
    assert_eq!(got["kind"], "ONE_TO_ONE");
    assert_eq!(got["language"], "arabisk");
    let best = &got["suggestions"][0];
    assert_eq!(best["peer"]["id"], amal.as_str(), "{got}");
    assert_eq!(
        best["reasons"],
        json!(["OFFER_KIND", "LANGUAGE", "NO_MATCHES_YET"])
    );
    assert_eq!(best["freePlaces"], 1);
    let rows = got["suggestions"].as_array().unwrap();
    let bo_at = rows.iter().position(|s| s["peer"]["id"] == bo.as_str());
    let last_fit = rows.iter().rposition(|s| {
        s["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("OFFER_KIND"))
    });
    assert!(
        bo_at.is_some() && bo_at > last_fit,
        "no offer type: after those with it"
    );
    assert!(got["totalCount"].as_i64().unwrap() >= 2);
    let one = app
        .gql_ok(Some(&coordinator), SUGGEST, json!({ "r": first, "n": 1 }))
        .await;
    assert_eq!(
        one["matchSuggestions"]["suggestions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(one["matchSuggestions"]["totalCount"], got["totalCount"]);

    // Amal takes the match; full, she is suggested no more and shows no free place.
    mv(
        &app,
        &coordinator,
        json!({ "referralId": first, "action": "ASSIGN", "peerId": amal }),
    )
    .await;
    let second = submit(&app, &referrer, "Anden Borger").await;
    let again = app
        .gql_ok(
            Some(&coordinator),
            SUGGEST,
            json!({ "r": second, "l": "arabisk" }),
        )
        .await;
    assert!(
        find(
            &again["matchSuggestions"]["suggestions"],
            &["peer", "id"],
            &amal
        )
        .is_none()
    );

    // A course of one place with two citizens assigned to it: one waits.
    let start = Utc::now().date_naive() + Duration::days(7);
    let course = app
        .gql_ok(
            Some(&coordinator),
            "mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { id } } }",
            json!({ "input": {
                "organisationId": org, "kind": "GROUP_COURSE", "title": "Vejen til hverdagslivet",
                "location": "Kulturværftet", "capacity": 1, "facilitatorIds": [bo, amal],
                "schedule": { "startsOn": start.to_string(), "weekday": weekday(start.weekday()), "startTime": "17:00:00" },
            }}),
        )
        .await["createOffer"]["offer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for name in ["Kursist Et", "Kursist To"] {
        let id = submit(&app, &referrer, name).await;
        mv(
            &app,
            &coordinator,
            json!({ "referralId": id, "action": "ACCEPT" }),
        )
        .await;
        mv(
            &app,
            &coordinator,
            json!({ "referralId": id, "action": "ASSIGN", "courseId": course }),
        )
        .await;
    }

    // The dashboard, in one request.
    let board =
        app.gql_ok(Some(&coordinator), DASHBOARD, json!({})).await["coordinatorDashboard"].clone();
    let assigned = find(&board["referralCounts"], &["state"], "ASSIGNED").unwrap();
    assert_eq!(assigned["count"], 3, "{board}");
    assert_eq!(board["overdueContacts"], 0, "assigned just now");
    let waiting = find(&board["waitingLists"], &["offer", "id"], &course).unwrap();
    assert_eq!(
        (waiting["enrolled"].clone(), waiting["waiting"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(waiting["offer"]["title"], "Vejen til hverdagslivet");
    let places = find(&board["peerPlaces"], &["peer", "id"], &amal).unwrap();
    assert_eq!(
        (places["openMatches"].clone(), places["freePlaces"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(places["peer"]["name"], "Amal Følgesvend");
    assert!(
        find(&board["supervisionDue"]["peers"], &["peer", "id"], &bo).is_some(),
        "never supervised"
    );

    // Overdue past the tenant's limit (14 days): a contact is overdue once 15 whole days
    // have passed since the assignment — a minute before that it is not, a minute after it is.
    for (slack, overdue) in [(-1, 0), (1, 1)] {
        // As the server writes instants (SQLite compares them as text).
        let at = (Utc::now() - Duration::days(15) - Duration::minutes(slack))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        let changed = app
            .owner_execute(&format!(
                "UPDATE referrals SET assigned_at = '{at}' WHERE assigned_peer_id IS NOT NULL AND state = 'ASSIGNED'"
            ))
            .await;
        assert_eq!(changed, 1);
        let count = app
            .gql_ok(
                Some(&coordinator),
                "{ coordinatorDashboard { overdueContacts } referralWorklist(contactOverdue: true) { totalCount edges { node { id contactOverdue } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            count["coordinatorDashboard"]["overdueContacts"], overdue,
            "{slack}"
        );
        assert_eq!(count["referralWorklist"]["totalCount"], overdue);
        let rows = count["referralWorklist"]["edges"].as_array().unwrap();
        assert_eq!(rows.len(), usize::try_from(overdue).unwrap());
        assert!(rows.iter().all(
            |e| uuid_of(e["node"]["id"].as_str().unwrap()) == uuid_of(&first)
                && e["node"]["contactOverdue"] == true
        ));
    }
    assert_eq!(
        app.gql_code(
            Some(&coordinator),
            "{ referralWorklist(states: [ACTIVE], contactOverdue: true) { totalCount } }",
            json!({})
        )
        .await,
        "VALIDATION"
    );

    // Who may ask: coordinators and tenant admins.
    assert!(
        app.gql_ok(Some(&admin), DASHBOARD, json!({})).await["coordinatorDashboard"].is_object()
    );
    for token in [&referrer, &peer_user] {
        assert_eq!(
            app.gql_code(Some(token), DASHBOARD, json!({})).await,
            "FORBIDDEN"
        );
        assert_eq!(
            app.gql_code(Some(token), SUGGEST, json!({ "r": second }))
                .await,
            "FORBIDDEN"
        );
    }
    assert_eq!(
        app.gql_code(None, DASHBOARD, json!({})).await,
        "UNAUTHENTICATED"
    );
    // Bad input, at the limits.
    for (vars, code) in [
        (json!({ "r": second, "l": "   " }), Some("VALIDATION")),
        (
            json!({ "r": second, "l": "x".repeat(41) }),
            Some("VALIDATION"),
        ),
        (json!({ "r": second, "l": "x".repeat(40) }), None),
        (json!({ "r": second, "n": 0 }), Some("VALIDATION")),
        (json!({ "r": second, "n": 51 }), Some("VALIDATION")),
        (json!({ "r": second, "n": 50 }), None),
        (json!({ "r": "not-an-id" }), Some("VALIDATION")),
    ] {
        let (_, body) = app.gql(Some(&coordinator), SUGGEST, vars.clone()).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"].as_str(),
            code,
            "{vars}: {body}"
        );
    }

    // Another tenant: the referral does not exist, and its dashboard holds none of this.
    assert_eq!(
        app.gql_code(Some(&stranger), SUGGEST, json!({ "r": first }))
            .await,
        "NOT_FOUND"
    );
    let theirs = app.gql_ok(Some(&stranger), DASHBOARD, json!({})).await;
    let text = theirs.to_string();
    for ours in [&amal, &bo, &course] {
        assert!(!text.contains(ours.as_str()), "{ours} leaked: {text}");
    }
}

fn weekday(day: chrono::Weekday) -> &'static str {
    [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ][day.num_days_from_monday() as usize]
}

/// The worklist links each referral to its assigned peer, an audited read of the peer with
/// the purpose asked for, batched across the page.
async fn a_referral_links_to_its_assigned_peer_under_an_audited_purpose(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let admin = app.admin("helsingor").await;
    let org = ngo(&app, &coordinator).await;
    let ida = paid_peer(
        &app,
        &coordinator,
        &org,
        "Ida Link",
        &["ONE_TO_ONE"],
        &["dansk"],
        3,
    )
    .await;
    let mut referrals = Vec::new();
    for name in ["Første Link", "Anden Link", "Tredje Link"] {
        let id = submit(&app, &referrer, name).await;
        mv(
            &app,
            &coordinator,
            json!({ "referralId": id, "action": "ACCEPT" }),
        )
        .await;
        referrals.push(id);
    }
    for id in &referrals[..2] {
        mv(
            &app,
            &coordinator,
            json!({ "referralId": id, "action": "ASSIGN", "peerId": ida }),
        )
        .await;
    }
    let reads_before = app.audit_reads(&admin, &ida).await;
    let list = app
        .gql_ok(
            Some(&coordinator),
            "{ referralWorklist(states: [ASSIGNED, ACCEPTED], first: 100) { nodes { id assignedPeerId assignedPeer(purpose: COORDINATION) { id name } } } }",
            json!({}),
        )
        .await;
    let nodes = list["referralWorklist"]["nodes"].as_array().unwrap();
    let ours: Vec<&Value> = nodes
        .iter()
        .filter(|n| {
            referrals
                .iter()
                .any(|r| uuid_of(n["id"].as_str().unwrap()) == uuid_of(r))
        })
        .collect();
    assert_eq!(ours.len(), 3);
    let linked: Vec<&Value> = ours
        .iter()
        .filter(|n| !n["assignedPeer"].is_null())
        .copied()
        .collect();
    assert_eq!(linked.len(), 2, "{list}");
    for n in &linked {
        assert_eq!(n["assignedPeer"]["id"], ida.as_str());
        assert_eq!(n["assignedPeerId"], ida.as_str());
        assert_eq!(n["assignedPeer"]["name"], "Ida Link");
    }
    assert!(
        ours.iter()
            .any(|n| n["assignedPeer"].is_null() && n["assignedPeerId"].is_null())
    );
    // The peer is read once for the page, however many rows link to them: one audited read
    // with the purpose asked for.
    let reads = app.audit_reads(&admin, &ida).await;
    assert_eq!(reads.len() - reads_before.len(), 1, "{reads:?}");
    let coordination = |r: &[String]| r.iter().filter(|p| *p == "COORDINATION").count();
    assert_eq!(coordination(&reads), coordination(&reads_before) + 1);
    // The purpose is required.
    let (_, body) = app
        .gql(
            Some(&coordinator),
            "{ referralWorklist(first: 1) { nodes { assignedPeer { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "VALIDATION",
        "{body}"
    );
    app.stop().await;
}

on_both!(
    the_dashboard_and_suggestions_answer_a_coordinators_screens,
    a_referral_links_to_its_assigned_peer_under_an_audited_purpose
);
