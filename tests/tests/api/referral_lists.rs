//! Lists a screen needs in one request (issue 11): the case-worker's organisation's referrals,
//! filtered by state and by age, with `totalCount`; the coordinator's worklist with its count.

use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

const SUBMIT: &str = "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id submittedAt } } }";
const MINE: &str = "query($states: [ReferralState!]! = [], $after: DateTime, $before: DateTime, $first: Int) {
  myOrganisationReferrals(first: $first, states: $states, submittedAfter: $after, submittedBefore: $before) {
    totalCount pageInfo { hasNextPage } edges { node { id state } } } }";

async fn mine(app: &TestApp, token: &str, variables: Value) -> (i64, Vec<String>) {
    let data = app.gql_ok(Some(token), MINE, variables).await;
    let list = &data["myOrganisationReferrals"];
    let ids = list["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect();
    (list["totalCount"].as_i64().unwrap(), ids)
}

async fn a_caseworker_filters_their_organisations_referrals_by_state_and_age(db: Db) {
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let mut ids = Vec::new();
    let mut at = Vec::new();
    for i in 0..3 {
        let data = app
            .gql_ok(
                Some(&referrer),
                SUBMIT,
                json!({ "input": {
                    "newCitizen": { "name": format!("Liste Borger {i}"), "municipality": "Helsingør" },
                    "reason": "Ønsker støtte",
                    "consentEvidence": "VERBAL_TO_REFERRER",
                }}),
            )
            .await;
        let referral = &data["submitReferral"]["referral"];
        ids.push(referral["id"].as_str().unwrap().to_owned());
        at.push(referral["submittedAt"].as_str().unwrap().to_owned());
        // Submissions a few milliseconds apart, so that each has an instant of its own.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    app.gql_ok(
        Some(&coordinator),
        "mutation($id: ID!) { moveReferral(input: { referralId: $id, action: ACCEPT }) { referral { state } } }",
        json!({ "id": ids[0] }),
    )
    .await;

    // All of them, a page of two: the count is of the whole list.
    let (total, page) = mine(&app, &referrer, json!({ "first": 2 })).await;
    assert_eq!((total, page.len()), (3, 2));
    // By state.
    let (total, page) = mine(&app, &referrer, json!({ "states": ["SUBMITTED"] })).await;
    assert_eq!((total, page), (2, vec![ids[1].clone(), ids[2].clone()]));
    let (total, page) = mine(
        &app,
        &referrer,
        json!({ "states": ["ACCEPTED", "DECLINED"] }),
    )
    .await;
    assert_eq!((total, page), (1, vec![ids[0].clone()]));
    // By age: from an instant on (inclusive), before one (exclusive), and between.
    let (total, page) = mine(&app, &referrer, json!({ "after": at[1] })).await;
    assert_eq!((total, page), (2, vec![ids[1].clone(), ids[2].clone()]));
    let (total, page) = mine(&app, &referrer, json!({ "before": at[1] })).await;
    assert_eq!((total, page), (1, vec![ids[0].clone()]));
    let (total, page) = mine(&app, &referrer, json!({ "after": at[0], "before": at[2] })).await;
    assert_eq!((total, page), (2, vec![ids[0].clone(), ids[1].clone()]));
    // With the state too.
    let (total, _) = mine(
        &app,
        &referrer,
        json!({ "states": ["SUBMITTED"], "after": at[0], "before": at[2] }),
    )
    .await;
    assert_eq!(total, 1);

    // Bounds: `before` must be later than `after` — equal is refused, a millisecond later is
    // a valid (empty or not) window.
    let (_, body) = app
        .gql(
            Some(&referrer),
            MINE,
            json!({ "after": at[1], "before": at[1] }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "VALIDATION",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "submittedBefore",
        "{body}"
    );
    let later = chrono::DateTime::parse_from_rfc3339(at[1].as_str()).unwrap()
        + chrono::Duration::milliseconds(1);
    let (total, page) = mine(
        &app,
        &referrer,
        json!({ "after": at[1], "before": later.to_rfc3339() }),
    )
    .await;
    assert_eq!((total, page), (1, vec![ids[1].clone()]));
    let (_, body) = app
        .gql(Some(&referrer), MINE, json!({ "after": "gestern" }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "VALIDATION",
        "{body}"
    );

    // The same narrowing over REST, for partner systems.
    let rest_ids = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for (query, expected) in [
        ("states=SUBMITTED".to_owned(), vec![&ids[1], &ids[2]]),
        (format!("submittedBefore={}", at[1]), vec![&ids[0]]),
        (
            format!("states=ACCEPTED,SUBMITTED&submittedAfter={}", at[1]),
            vec![&ids[1], &ids[2]],
        ),
    ] {
        let answer = app
            .get(&format!("/api/v1/referrals?{query}"), Some(&referrer))
            .await;
        let expected: Vec<String> = expected.into_iter().map(|id| uuid_of(id)).collect();
        assert_eq!(rest_ids(&answer.body), expected, "{query}: {}", answer.body);
    }
    for (query, field) in [
        ("states=SUBMITTED,NOPE".to_owned(), "states"),
        (
            format!("submittedAfter={}&submittedBefore={}", at[1], at[1]),
            "submittedBefore",
        ),
        ("submittedAfter=yesterday".to_owned(), "submittedAfter"),
    ] {
        let answer = app
            .get(&format!("/api/v1/referrals?{query}"), Some(&referrer))
            .await;
        assert_eq!(
            answer.status,
            reqwest::StatusCode::BAD_REQUEST,
            "{query}: {}",
            answer.body
        );
        assert_eq!(
            answer.body["code"], "VALIDATION",
            "{query}: {}",
            answer.body
        );
        assert_eq!(answer.body["field"], field, "{query}: {}", answer.body);
    }

    // Only referrers have an organisation's list; only coordinators the worklist.
    assert_eq!(
        app.gql_code(Some(&coordinator), MINE, json!({})).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_code(
            Some(&referrer),
            "{ referralWorklist { totalCount } }",
            json!({})
        )
        .await,
        "FORBIDDEN"
    );
    app.stop().await;
}

async fn the_worklist_counts_what_it_lists(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    for states in [
        json!([]),
        json!(["SUBMITTED"]),
        json!(["ACCEPTED", "ASSIGNED"]),
    ] {
        let data = app
            .gql_ok(
                Some(&coordinator),
                "query($s: [ReferralState!]!) { referralWorklist(first: 100, states: $s) { totalCount pageInfo { hasNextPage } edges { node { id } } } }",
                json!({ "s": states }),
            )
            .await;
        let list = &data["referralWorklist"];
        assert_eq!(list["pageInfo"]["hasNextPage"], false);
        assert_eq!(
            list["totalCount"].as_u64().unwrap(),
            list["edges"].as_array().unwrap().len() as u64,
            "{states}: {list}"
        );
    }
    // A submission in one tenant counts in its worklist and not in another tenant's.
    let other = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    let count = |token: String| {
        let app = &app;
        async move {
            app.gql_ok(
                Some(&token),
                "{ referralWorklist { totalCount } }",
                json!({}),
            )
            .await["referralWorklist"]["totalCount"]
                .as_i64()
                .unwrap()
        }
    };
    let (mine, theirs) = (count(coordinator.clone()).await, count(other.clone()).await);
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    app.gql_ok(
        Some(&referrer),
        SUBMIT,
        json!({ "input": {
            "newCitizen": { "name": "Tælles Med", "municipality": "Helsingør" },
            "reason": "Ønsker støtte",
            "consentEvidence": "VERBAL_TO_REFERRER",
        }}),
    )
    .await;
    assert_eq!(count(coordinator.clone()).await, mine + 1);
    assert_eq!(count(other.clone()).await, theirs);
    app.stop().await;
}

/// The worklist reads each referral's organisation with the rows (one statement, ADR 0023):
/// what it shows is the organisation itself, as `organisations` lists it, on every page.
async fn the_worklists_organisations_are_the_referrers_own(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let orgs = app
        .gql_ok(
            Some(&coordinator),
            "{ organisations(first: 100) { edges { node { id name kind } } } }",
            json!({}),
        )
        .await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    for i in 0..4 {
        app.gql_ok(
            Some(&referrer),
            SUBMIT,
            json!({ "input": {
                "newCitizen": { "name": format!("Med Organisation {i}"), "municipality": "Helsingør" },
                "reason": "Ønsker støtte",
                "consentEvidence": "VERBAL_TO_REFERRER",
            }}),
        )
        .await;
    }
    let known: std::collections::HashMap<String, Value> = orgs["organisations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["id"].as_str().unwrap().to_owned(),
                e["node"].clone(),
            )
        })
        .collect();
    let mut after = Value::Null;
    let mut seen = 0;
    loop {
        let data = app
            .gql_ok(
                Some(&coordinator),
                "query($after: String) { referralWorklist(first: 3, after: $after, states: []) { pageInfo { hasNextPage endCursor } edges { node { id referrerOrganisation { id name kind } } } } }",
                json!({ "after": after }),
            )
            .await;
        let list = &data["referralWorklist"];
        for edge in list["edges"].as_array().unwrap() {
            let org = &edge["node"]["referrerOrganisation"];
            let id = org["id"]
                .as_str()
                .expect("every referral has its organisation");
            assert_eq!(&known[id], org, "{edge}");
            // The same as the point read's organisation, which comes through the loader.
            let one = app
                .gql_ok(
                    Some(&coordinator),
                    "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { referrerOrganisation { id name kind } } }",
                    json!({ "id": edge["node"]["id"] }),
                )
                .await;
            assert_eq!(&one["referral"]["referrerOrganisation"], org);
            seen += 1;
        }
        if list["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = list["pageInfo"]["endCursor"].clone();
    }
    assert!(seen >= 4, "every referral submitted is listed: {seen}");
    app.stop().await;
}

/// The dashboard's counts by state agree with the worklist's `totalCount` for each state, list
/// every state, count only the caller's tenant, and are the coordinators' and tenant admins'.
async fn the_dashboard_counts_referrals_by_state(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let counts = "{ referralCounts { state count } }";
    let before = app.gql_ok(Some(&coordinator), counts, json!({})).await;
    for i in 0..3 {
        app.gql_ok(
            Some(&referrer),
            SUBMIT,
            json!({ "input": {
                "newCitizen": { "name": format!("Talt {i}"), "municipality": "Helsingør" },
                "consentEvidence": "VERBAL_TO_REFERRER",
            }}),
        )
        .await;
    }
    let after = app.gql_ok(Some(&coordinator), counts, json!({})).await;
    let rows = after["referralCounts"].as_array().unwrap();
    assert_eq!(rows.len(), 10, "every state: {after}");
    let of = |v: &Value, state: &str| {
        v["referralCounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["state"] == state)
            .unwrap()["count"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(of(&after, "SUBMITTED"), of(&before, "SUBMITTED") + 3);
    for row in rows {
        let state = row["state"].as_str().unwrap();
        let total = app
            .gql_ok(
                Some(&coordinator),
                "query($s: [ReferralState!]!) { referralWorklist(states: $s) { totalCount } }",
                json!({ "s": [state] }),
            )
            .await["referralWorklist"]["totalCount"]
            .clone();
        assert_eq!(total, row["count"], "{state}");
    }
    // The other tenant's counts did not move; referrers and peers may not read them.
    let other = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    let theirs = app.gql_ok(Some(&other), counts, json!({})).await;
    let total = |v: &Value| -> i64 {
        v["referralCounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["count"].as_i64().unwrap())
            .sum()
    };
    let helsingor = total(&after);
    assert!(helsingor >= 3);
    app.gql_ok(
        Some(&referrer),
        SUBMIT,
        json!({ "input": {
            "newCitizen": { "name": "Endnu En", "municipality": "Helsingør" },
            "consentEvidence": "VERBAL_TO_REFERRER",
        }}),
    )
    .await;
    assert_eq!(
        total(&app.gql_ok(Some(&other), counts, json!({})).await),
        total(&theirs)
    );
    for email in ["caseworker@helsingor.demo", "peer@helsingor.demo"] {
        let token = app.token("helsingor", email).await;
        assert_eq!(
            app.gql_code(Some(&token), counts, json!({})).await,
            "FORBIDDEN"
        );
    }
    app.stop().await;
}

async fn a_referrer_finds_a_referral_by_their_own_case_reference(db: Db) {
    use peerbro_tests::StatusCode;
    use reqwest::Method;
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let elsewhere = app.token("kobenhavn", "caseworker@kobenhavn.demo").await;
    let submit = |token: String, case: Value| {
        let app = &app;
        async move {
            app.gql(
                Some(&token),
                "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id caseReference } } }",
                json!({ "input": {
                    "newCitizen": { "name": "Sag Borger", "municipality": "Helsingør" },
                    "consentEvidence": "WRITTEN",
                    "caseReference": case,
                }}),
            )
            .await
            .1
        }
    };
    let longest = format!("BOS-2026/{}", "9".repeat(31));
    assert_eq!(longest.len(), 40);
    let by_graphql = submit(referrer.clone(), json!("BOS-2026/0142")).await;
    let id = by_graphql["data"]["submitReferral"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        by_graphql["data"]["submitReferral"]["referral"]["caseReference"],
        "BOS-2026/0142"
    );
    submit(referrer.clone(), json!(longest)).await;
    // The same reference in another tenant's organisation is theirs alone.
    submit(elsewhere.clone(), json!("BOS-2026/0142")).await;
    for bad in [
        json!(format!("{longest}9")),
        json!("Jens Hansen"),
        json!(""),
    ] {
        let body = submit(referrer.clone(), bad.clone()).await;
        let ext = &body["errors"][0]["extensions"];
        assert_eq!(
            (ext["code"].as_str(), ext["field"].as_str()),
            (Some("VALIDATION"), Some("caseReference")),
            "{bad}: {body}"
        );
    }
    // Over REST: submitted with one, answered with it, and found by it.
    let res = app
        .request(Method::POST, "/api/v1/referrals")
        .bearer_auth(&referrer)
        .json(&json!({ "newCitizen": { "name": "Rest Sag", "municipality": "Helsingør" }, "consentEvidence": "WRITTEN", "caseReference": "SAG:77#1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["caseReference"], "SAG:77#1");
    let found = app
        .get(
            "/api/v1/referrals?caseReference=SAG:77%231",
            Some(&referrer),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK);
    let items = found.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", found.body);
    assert_eq!(items[0]["id"], created["id"]);
    let bad = app
        .get(
            "/api/v1/referrals?caseReference=Jens%20Hansen",
            Some(&referrer),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["field"], "caseReference", "{}", bad.body);
    // Over GraphQL, by the reference: the one of this organisation only.
    let list = "query($c: String) { myOrganisationReferrals(caseReference: $c) { totalCount edges { node { id caseReference citizenPseudonym } } } }";
    let data = app
        .gql_ok(Some(&referrer), list, json!({ "c": "BOS-2026/0142" }))
        .await;
    assert_eq!(data["myOrganisationReferrals"]["totalCount"], 1);
    assert_eq!(
        data["myOrganisationReferrals"]["edges"][0]["node"]["id"],
        id.as_str()
    );
    // The citizen is told apart by pseudonym, the same the coordinator sees, never by name.
    let pseudonym = data["myOrganisationReferrals"]["edges"][0]["node"]["citizenPseudonym"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(pseudonym.starts_with("B-"), "{pseudonym}");
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let seen = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { referralStatus(id: $id) { citizenPseudonym } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        seen["referralStatus"]["citizenPseudonym"],
        pseudonym.as_str()
    );
    let all = app
        .gql_ok(
            Some(&referrer),
            "{ myOrganisationReferrals(first: 10) { edges { node { citizenPseudonym } } } }",
            json!({}),
        )
        .await;
    let names: std::collections::HashSet<_> = all["myOrganisationReferrals"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["citizenPseudonym"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names.len(),
        3,
        "three citizens, three pseudonyms: {names:?}"
    );
    let theirs = app
        .gql_ok(Some(&elsewhere), list, json!({ "c": "BOS-2026/0142" }))
        .await;
    assert_eq!(theirs["myOrganisationReferrals"]["totalCount"], 1);
    assert_ne!(
        theirs["myOrganisationReferrals"]["edges"][0]["node"]["id"],
        id.as_str()
    );
    let none = app
        .gql_ok(Some(&referrer), list, json!({ "c": "BOS-2026/0143" }))
        .await;
    assert_eq!(none["myOrganisationReferrals"]["totalCount"], 0);
}

/// Every connection counts what it lists: `totalCount` with a page of one equals the items
/// read a hundred at a time, filters included.
async fn every_connection_counts_what_it_lists(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let peer_id = app
        .gql_ok(
            Some(&coordinator),
            "{ peerWorkers(purpose: COORDINATION, first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["peerWorkers"]["edges"][0]["node"]["id"]
        .clone();
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let course = app
        .gql_ok(
            Some(&coordinator),
            "{ offers(kind: GROUP_COURSE, first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["offers"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // More than one page (of 7) of a course's enrolments and of a match's meetings.
    for n in 0..9 {
        let citizen = app
            .gql_ok(
                Some(&coordinator),
                "mutation($n: String!) { registerCitizen(input: { name: $n, municipality: \"Helsingør\" }) { citizen { id } } }",
                json!({ "n": format!("Side Borger {n}") }),
            )
            .await["registerCitizen"]["citizen"]["id"]
            .clone();
        app.gql_ok(
            Some(&coordinator),
            "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { status } } }",
            json!({ "o": course, "c": citizen }),
        )
        .await;
    }
    let caseworker = app.token("helsingor", "caseworker@helsingor.demo").await;
    let submitted = app
        .gql_ok(
            Some(&caseworker),
            SUBMIT,
            json!({ "input": { "newCitizen": { "name": "Side Borger", "municipality": "Helsingør" }, "consentEvidence": "WRITTEN" } }),
        )
        .await["submitReferral"]["referral"]["id"]
        .clone();
    let own_peer = app
        .gql_ok(Some(&peer), "{ myPeerProfile { id } }", json!({}))
        .await["myPeerProfile"]["id"]
        .clone();
    for input in [
        json!({ "referralId": submitted, "action": "ACCEPT" }),
        json!({ "referralId": submitted, "action": "ASSIGN", "peerId": own_peer }),
    ] {
        app.gql_ok(
            Some(&coordinator),
            "mutation($i: MoveReferralInput!) { moveReferral(input: $i) { referral { state } } }",
            json!({ "i": input }),
        )
        .await;
    }
    let today = chrono::Utc::now().date_naive();
    for days in 1..=9 {
        app.gql_ok(
            Some(&peer),
            "mutation($i: LogMeetingInput!) { logMeeting(input: $i) { meeting { id } } }",
            json!({ "i": { "referralId": submitted, "heldOn": (today - chrono::Duration::days(days)).to_string(), "durationMinutes": 60, "form": "WALK" } }),
        )
        .await;
    }
    let referral = app
        .gql_ok(
            Some(&peer),
            "{ myMatches(first: 1) { nodes { referralId } } }",
            json!({}),
        )
        .await["myMatches"]["nodes"][0]["referralId"]
        .as_str()
        .map(str::to_owned);
    // A citizen of their own, enrolled on more than one page (of 7) of courses.
    app.gql_ok(
        Some(&admin),
        "mutation { inviteUser(input: { email: \"side@example.dk\", displayName: \"Borger\", roles: [CITIZEN] }) { user { id } } }",
        json!({}),
    )
    .await;
    let own_citizen = app.token("helsingor", "side@example.dk").await;
    let registered = app
        .gql_ok(
            Some(&own_citizen),
            "mutation { registerSelf(input: { name: \"Side Selv\", municipality: \"Helsingør\" }) { citizen { id } } }",
            json!({}),
        )
        .await["registerSelf"]["citizen"]["id"]
        .clone();
    let ngo = app
        .gql_ok(
            Some(&coordinator),
            "{ organisations(kind: NGO, first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["organisations"]["edges"][0]["node"]["id"]
        .clone();
    let co_facilitator = app
        .gql_ok(
            Some(&coordinator),
            "{ peerWorkers(purpose: COORDINATION, status: ACTIVE, first: 10) { nodes { id } } }",
            json!({}),
        )
        .await["peerWorkers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .find(|id| *id != own_peer)
        .unwrap();
    let starts = chrono::Utc::now().date_naive() + chrono::Duration::days(7);
    for n in 0..9 {
        let offer = app
            .gql_ok(
                Some(&coordinator),
                "mutation($i: CreateOfferInput!) { createOffer(input: $i) { offer { id } } }",
                json!({ "i": { "organisationId": ngo, "kind": "GROUP_COURSE", "title": format!("Side-kursus {n}"),
                               "location": "Helsingør", "capacity": 4, "facilitatorIds": [own_peer, co_facilitator],
                               "schedule": { "startsOn": starts.to_string(), "weekday": starts.format("%A").to_string().to_uppercase(), "startTime": "17:00:00" } } }),
            )
            .await["createOffer"]["offer"]["id"]
            .clone();
        app.gql_ok(
            Some(&coordinator),
            "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { status } } }",
            json!({ "o": offer, "c": registered }),
        )
        .await;
    }
    let mut lists: Vec<(&String, &str, String)> = vec![
        (&own_citizen, "myEnrolments", String::new()),
        (&peer, "myCourses", String::new()),
        (&admin, "organisations", String::new()),
        (&admin, "organisations", "kind: NGO".into()),
        (&admin, "users", String::new()),
        (&coordinator, "citizens", "purpose: COORDINATION".into()),
        (&coordinator, "peerWorkers", "purpose: COORDINATION".into()),
        (
            &coordinator,
            "peerWorkers",
            "purpose: COORDINATION, status: ACTIVE".into(),
        ),
        (&coordinator, "offers", String::new()),
        (&coordinator, "offers", "kind: GROUP_COURSE".into()),
        (&coordinator, "placements", String::new()),
        (&coordinator, "referralWorklist", String::new()),
        (
            &coordinator,
            "courseEnrolments",
            format!("offerId: \"{course}\""),
        ),
        (
            &coordinator,
            "courseEnrolments",
            format!("offerId: \"{course}\", status: ENROLLED"),
        ),
        (&peer, "myMatches", String::new()),
        (&admin, "auditEntries", String::new()),
        (&admin, "webhookEndpoints", String::new()),
        (&admin, "webhookDeliveries", String::new()),
        (&admin, "apiClients", String::new()),
    ];
    if let Some(referral) = &referral {
        lists.push((
            &peer,
            "matchMeetings",
            format!("referralId: \"{referral}\""),
        ));
    }
    let mut counted = 0;
    for (token, field, args) in &lists {
        let sep = if args.is_empty() { "" } else { ", " };
        let one = app
            .gql_ok(
                Some(token),
                &format!("{{ {field}({args}{sep}first: 1) {{ totalCount edges {{ cursor }} }} }}"),
                json!({}),
            )
            .await;
        let total = one[field]["totalCount"].as_i64().unwrap();
        // Forward with first/after, then backward with last/before: the same items, in
        // the same order, as many as totalCount.
        let mut walks = Vec::new();
        for (size, more, cursor_arg, end) in [
            ("first: 7", "hasNextPage", "after", "endCursor"),
            ("last: 7", "hasPreviousPage", "before", "startCursor"),
        ] {
            let mut seen: Vec<String> = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let at = cursor
                    .as_ref()
                    .map_or(String::new(), |c| format!(", {cursor_arg}: \"{c}\""));
                let page = app
                    .gql_ok(
                        Some(token),
                        &format!("{{ {field}({args}{sep}{size}{at}) {{ edges {{ cursor }} pageInfo {{ {more} {end} }} }} }}"),
                        json!({}),
                    )
                    .await;
                let mut cursors: Vec<String> = page[field]["edges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["cursor"].as_str().unwrap().to_owned())
                    .collect();
                if cursor_arg == "before" {
                    cursors.reverse();
                }
                seen.extend(cursors);
                if page[field]["pageInfo"][more] != true {
                    break;
                }
                cursor = page[field]["pageInfo"][end].as_str().map(str::to_owned);
            }
            if cursor_arg == "before" {
                seen.reverse();
            }
            walks.push(seen);
        }
        assert_eq!(
            total,
            i64::try_from(walks[0].len()).unwrap(),
            "{field}({args})"
        );
        assert_eq!(
            walks[0], walks[1],
            "{field}({args}): forward and backward differ"
        );
        counted += total;
    }
    assert!(
        counted > 20,
        "the demo tenant's lists are not empty: {counted}"
    );
    // A peer's supervision sessions, counted on the nested connection.
    let nested = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { peerWorker(id: $id, purpose: COORDINATION) { supervisionSessions(first: 1) { totalCount } } }",
            json!({ "id": peer_id }),
        )
        .await;
    assert!(
        nested["peerWorker"]["supervisionSessions"]["totalCount"]
            .as_i64()
            .is_some()
    );
}

on_both!(
    every_connection_counts_what_it_lists,
    a_referrer_finds_a_referral_by_their_own_case_reference,
    the_dashboard_counts_referrals_by_state,
    a_caseworker_filters_their_organisations_referrals_by_state_and_age,
    the_worklist_counts_what_it_lists,
    the_worklists_organisations_are_the_referrers_own
);
