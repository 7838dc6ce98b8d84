//! The peer app and the citizen app around a match: a peer plans meetings ahead, their
//! schedule shows them with the sessions they facilitate, the citizen sees them, a planned
//! meeting is held (the first contact) or cancelled; who may, at the limits, and tenant
//! isolation.

use chrono::{Datelike as _, Duration, Utc};
use peerbro_tests::{Db, TestApp, mentions, on_both};
use serde_json::{Value, json};

const PLAN: &str = "mutation($i: PlanMeetingInput!) { planMeeting(input: $i) { meeting { id status heldOn startTime durationMinutes form } } }";
const CANCEL: &str =
    "mutation($id: ID!) { cancelMeeting(input: { meetingId: $id }) { meeting { id status } } }";
const LOG: &str = "mutation($i: LogMeetingInput!) { logMeeting(input: $i) { meeting { id status heldOn durationMinutes } } }";
const SCHEDULE: &str = "query($f: Date!, $t: Date!) { mySchedule(from: $f, to: $t) { sessions { session { number heldOn startTime } offer { id title } } meetings { id status heldOn startTime referralId } } }";
const MINE: &str = "query($f: Date!, $t: Date!) { myMeetings(from: $f, to: $t) { id status heldOn startTime form } }";

fn ext(body: &Value) -> (Option<&str>, Option<&str>) {
    let e = &body["errors"][0]["extensions"];
    (e["code"].as_str(), e["reason"].as_str())
}

async fn a_peer_plans_meetings_the_citizen_sees_them_and_one_is_held(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let stranger = app.token("kobenhavn", "peer@kobenhavn.demo").await;
    let peers = "{ peerWorkers(purpose: COORDINATION, status: ACTIVE, first: 100) { edges { node { id name } } } }";
    let demo = app
        .id_where(&coordinator, peers, "peerWorkers", "name", "Demo-peer")
        .await;
    let henrik = app
        .id_where(&coordinator, peers, "peerWorkers", "name", "Henrik Lønnet")
        .await;
    let ngo = app
        .id_where(
            &coordinator,
            "{ organisations(first: 100) { edges { node { id kind } } } }",
            "organisations",
            "kind",
            "NGO",
        )
        .await;
    // A course the demo peer facilitates, starting in three days.
    let today = Utc::now().date_naive();
    let start = today + Duration::days(3);
    let weekday = [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ][start.weekday().num_days_from_monday() as usize];
    let course = app
        .gql_ok(
            Some(&coordinator),
            "mutation($i: CreateOfferInput!) { createOffer(input: $i) { offer { id } } }",
            json!({ "i": {
                "organisationId": ngo, "kind": "GROUP_COURSE", "title": "Hverdagsliv",
                "location": "Kulturværftet", "capacity": 8, "facilitatorIds": [demo, henrik],
                "schedule": { "startsOn": start.to_string(), "weekday": weekday, "startTime": "17:00" },
            }}),
        )
        .await["createOffer"]["offer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A citizen with an account, referred and matched with the demo peer.
    app.gql_ok(
        Some(&admin),
        "mutation { inviteUser(input: { email: \"mod@example.dk\", displayName: \"Borger\", roles: [CITIZEN] }) { user { id } } }",
        json!({}),
    )
    .await;
    let citizen = app.token("helsingor", "mod@example.dk").await;
    app.gql_ok(
        Some(&citizen),
        "mutation { registerSelf(input: { name: \"Mona Møde\", municipality: \"Helsingør\" }) { citizen { id } } }",
        json!({}),
    )
    .await;
    let one_to_one = app
        .id_where(
            &coordinator,
            "{ offers(kind: ONE_TO_ONE, first: 10) { edges { node { id kind } } } }",
            "offers",
            "kind",
            "ONE_TO_ONE",
        )
        .await;
    let referral = app
        .gql_ok(
            Some(&citizen),
            "mutation($o: ID!) { referMyself(input: { offerId: $o }) { referral { id } } }",
            json!({ "o": one_to_one }),
        )
        .await["referMyself"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for input in [
        json!({ "referralId": referral, "action": "ACCEPT" }),
        json!({ "referralId": referral, "action": "ASSIGN", "peerId": demo }),
    ] {
        app.gql_ok(
            Some(&coordinator),
            "mutation($i: MoveReferralInput!) { moveReferral(input: $i) { referral { state } } }",
            json!({ "i": input }),
        )
        .await;
    }

    // The peer plans two meetings ahead; planning is not contact.
    let plan = |days: i64, time: &str| json!({ "i": { "referralId": referral, "heldOn": (today + Duration::days(days)).to_string(), "startTime": time, "durationMinutes": 60, "form": "IN_PERSON" } });
    let soon =
        app.gql_ok(Some(&peer), PLAN, plan(1, "10:30")).await["planMeeting"]["meeting"].clone();
    assert_eq!(soon["status"], "PLANNED");
    assert_eq!(soon["startTime"], "10:30");
    let later =
        app.gql_ok(Some(&peer), PLAN, plan(5, "09:00")).await["planMeeting"]["meeting"].clone();
    let status = "query($id: ID!) { referralStatus(id: $id) { state } }";
    assert_eq!(
        app.gql_ok(Some(&coordinator), status, json!({ "id": referral }))
            .await["referralStatus"]["state"],
        "ASSIGNED"
    );

    // The peer's week: the planned meetings and the course's first session, with its course.
    let week = json!({ "f": today.to_string(), "t": (today + Duration::days(6)).to_string() });
    let schedule = app.gql_ok(Some(&peer), SCHEDULE, week.clone()).await["mySchedule"].clone();
    let meetings: Vec<&Value> = schedule["meetings"].as_array().unwrap().iter().collect();
    assert_eq!(
        meetings.iter().map(|m| m["id"].clone()).collect::<Vec<_>>(),
        [soon["id"].clone(), later["id"].clone()]
    );
    let session = schedule["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["offer"]["id"] == course.as_str())
        .unwrap_or_else(|| panic!("{schedule}"));
    assert_eq!(session["session"]["number"], 1);
    assert_eq!(session["session"]["heldOn"], start.to_string());
    assert_eq!(session["offer"]["title"], "Hverdagsliv");
    // The citizen's app shows the same meetings.
    let mine = app
        .gql_ok(
            Some(&citizen),
            MINE,
            json!({ "f": today.to_string(), "t": (today + Duration::days(91)).to_string() }),
        )
        .await["myMeetings"]
        .clone();
    assert_eq!(mine.as_array().unwrap().len(), 2, "{mine}");
    assert_eq!(mine[0]["id"], soon["id"]);
    assert_eq!(mine[0]["startTime"], "10:30");

    // The first is held (logged today, as plans change): the first contact. The second is
    // cancelled.
    let held = app
        .gql_ok(
            Some(&peer),
            LOG,
            json!({ "i": { "referralId": referral, "heldOn": today.to_string(), "durationMinutes": 45, "form": "WALK", "plannedMeetingId": soon["id"] } }),
        )
        .await["logMeeting"]["meeting"]
        .clone();
    assert_eq!(held["id"], soon["id"]);
    assert_eq!(held["status"], "HELD");
    assert_eq!(held["durationMinutes"], 45);
    assert_eq!(
        app.gql_ok(Some(&coordinator), status, json!({ "id": referral }))
            .await["referralStatus"]["state"],
        "IN_CONTACT"
    );
    let cancelled = app
        .gql_ok(Some(&peer), CANCEL, json!({ "id": later["id"] }))
        .await;
    assert_eq!(cancelled["cancelMeeting"]["meeting"]["status"], "CANCELLED");
    let after = app.gql_ok(Some(&peer), SCHEDULE, week.clone()).await;
    assert_eq!(
        after["mySchedule"]["meetings"].as_array().unwrap().len(),
        1,
        "the cancelled one is off the schedule"
    );
    let around = json!({ "f": (today - Duration::days(30)).to_string(), "t": (today + Duration::days(61)).to_string() });
    let mine = app.gql_ok(Some(&citizen), MINE, around.clone()).await["myMeetings"].clone();
    let statuses: Vec<_> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [json!("HELD"), json!("CANCELLED")],
        "the citizen sees it cancelled"
    );

    // Refused, at the limits, and across tenants.
    for (token, query, vars, expected) in [
        (&peer, PLAN, plan(-1, "10:00"), (Some("VALIDATION"), None)),
        (&peer, PLAN, plan(367, "10:00"), (Some("VALIDATION"), None)),
        (&peer, PLAN, plan(1, "25:00"), (Some("VALIDATION"), None)),
        (&referrer, PLAN, plan(1, "10:00"), (Some("FORBIDDEN"), None)),
        (&citizen, PLAN, plan(1, "10:00"), (Some("FORBIDDEN"), None)),
        (&stranger, PLAN, plan(1, "10:00"), (Some("NOT_FOUND"), None)),
        (
            &peer,
            CANCEL,
            json!({ "id": later["id"] }),
            (Some("CONFLICT"), Some("NOT_PLANNED")),
        ),
        (
            &peer,
            CANCEL,
            json!({ "id": soon["id"] }),
            (Some("CONFLICT"), Some("NOT_PLANNED")),
        ),
        (
            &stranger,
            CANCEL,
            json!({ "id": soon["id"] }),
            (Some("NOT_FOUND"), None),
        ),
        (
            &peer,
            LOG,
            json!({ "i": { "referralId": referral, "heldOn": today.to_string(), "durationMinutes": 45, "form": "WALK", "plannedMeetingId": soon["id"] } }),
            (Some("CONFLICT"), Some("NOT_PLANNED")),
        ),
        (
            &peer,
            SCHEDULE,
            json!({ "f": today.to_string(), "t": (today + Duration::days(92)).to_string() }),
            (Some("VALIDATION"), None),
        ),
        (
            &peer,
            SCHEDULE,
            json!({ "f": today.to_string(), "t": (today - Duration::days(1)).to_string() }),
            (Some("VALIDATION"), None),
        ),
        (&citizen, SCHEDULE, week.clone(), (Some("FORBIDDEN"), None)),
        (
            &coordinator,
            SCHEDULE,
            week.clone(),
            (Some("FORBIDDEN"), None),
        ),
    ] {
        let (_, body) = app.gql(Some(token), query, vars.clone()).await;
        assert_eq!(ext(&body), expected, "{vars}: {body}");
    }
    let longest = json!({ "f": today.to_string(), "t": (today + Duration::days(91)).to_string() });
    let full = app.gql_ok(Some(&peer), SCHEDULE, longest).await;
    assert_eq!(
        full["mySchedule"]["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["offer"]["id"] == course.as_str())
            .count(),
        10,
        "every session of the course within 92 days"
    );
    // The peer's courses with who is on them: the citizen the coordinator enrolled.
    let citizen_id = app
        .gql_ok(Some(&citizen), "{ myCitizen { id } }", json!({}))
        .await["myCitizen"]["id"]
        .clone();
    app.gql_ok(
        Some(&coordinator),
        "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { status } } }",
        json!({ "o": course, "c": citizen_id }),
    )
    .await;
    const COURSES: &str = "{ myCourses(first: 100) { totalCount nodes { offer { id title } enrolments { citizenId status citizenPseudonym } attendance { sessionId present } } } }";
    let courses = app.gql_ok(Some(&peer), COURSES, json!({})).await["myCourses"].clone();
    assert_eq!(
        courses["totalCount"].as_u64().unwrap() as usize,
        courses["nodes"].as_array().unwrap().len()
    );
    let courses = courses["nodes"].clone();
    let own = app
        .gql_ok(
            Some(&citizen),
            "{ myEnrolments(first: 10) { nodes { citizenPseudonym } } myCitizen { pseudonym } }",
            json!({}),
        )
        .await;
    let pseudonym = own["myCitizen"]["pseudonym"].clone();
    assert!(pseudonym.is_string());
    assert_eq!(
        own["myEnrolments"]["nodes"][0]["citizenPseudonym"],
        pseudonym
    );
    let ours = courses
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["offer"]["id"] == course.as_str())
        .unwrap_or_else(|| panic!("{courses}"));
    assert_eq!(
        ours["enrolments"],
        json!([{ "citizenId": citizen_id, "status": "ENROLLED", "citizenPseudonym": pseudonym }])
    );
    assert_eq!(ours["attendance"], json!([]));
    for token in [&referrer, &citizen, &coordinator] {
        let (_, body) = app.gql(Some(token), COURSES, json!({})).await;
        assert_eq!(ext(&body).0, Some("FORBIDDEN"), "{body}");
    }
    let theirs_courses = app.gql_ok(Some(&stranger), COURSES, json!({})).await;
    assert!(!mentions(&theirs_courses, &course));
    // Another tenant's peer has none of it; a user without a citizen record has no meetings.
    let theirs = app.gql_ok(Some(&stranger), SCHEDULE, week).await;
    assert!(!mentions(&theirs, &referral));
    let none = app.gql_ok(Some(&referrer), MINE, around).await;
    assert_eq!(none["myMeetings"], json!([]));
    // The citizen's meetings span at most 92 days, `to` included; one day more is refused.
    let span = |days: i64| json!({ "f": today.to_string(), "t": (today + Duration::days(days)).to_string() });
    app.gql_ok(Some(&citizen), MINE, span(91)).await;
    for (days, why) in [(92, "92 days"), (-1, "backwards")] {
        let (_, body) = app.gql(Some(&citizen), MINE, span(days)).await;
        assert_eq!(ext(&body).0, Some("VALIDATION"), "{why}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "to", "{why}");
    }
    app.stop().await;
}

on_both!(a_peer_plans_meetings_the_citizen_sees_them_and_one_is_held);
