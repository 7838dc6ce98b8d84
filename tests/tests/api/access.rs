//! The right of access and to data portability (issue 13): everything held about one citizen —
//! profile, consents with history, referrals with every move, course place and attendance,
//! meetings, questionnaire answers, and who read the data — as JSON and as a printable Danish
//! page; produced by a coordinator or tenant admin, or downloaded by the citizen themself;
//! audited, and holding nothing of anyone else. Roles and tenant isolation.

use chrono::{Datelike as _, Duration, Utc};
use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

use crate::outcomes::{ANSWER, answers, cast, consent, instrument, matched};

const COURSE: &str = "Adgangskurset om hverdagen";

/// A course starting next week with `COURSE` as title, run by two active peers; its id.
pub(crate) async fn course(app: &TestApp, coordinator: &str) -> String {
    let peers = app
        .gql_ok(
            Some(coordinator),
            "{ peerWorkers(purpose: COORDINATION, status: ACTIVE, first: 2) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let facilitators: Vec<Value> = peers["peerWorkers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    let org = app
        .gql_ok(
            Some(coordinator),
            "{ organisations(kind: NGO, first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["organisations"]["edges"][0]["node"]["id"]
        .clone();
    let start = Utc::now().date_naive() + Duration::days(7);
    let weekday = [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ][start.weekday().num_days_from_monday() as usize];
    app.gql_ok(
        Some(coordinator),
        "mutation($i: CreateOfferInput!) { createOffer(input: $i) { offer { id } } }",
        json!({ "i": {
            "organisationId": org, "kind": "GROUP_COURSE", "title": COURSE,
            "location": "Frivilligcentret", "capacity": 5, "facilitatorIds": facilitators,
            "schedule": { "startsOn": start.to_string(), "weekday": weekday, "startTime": "17:00:00" },
            "openAccess": true,
        }}),
    )
    .await["createOffer"]["offer"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn text(value: &Value) -> String {
    serde_json::to_string(value).unwrap()
}

async fn a_citizen_gets_everything_held_about_them_and_nothing_else(db: Db) {
    let app = TestApp::spawn(&db).await;
    let cast = cast(&app).await;
    let (me, citizen, referral) = matched(&app, &cast, "agnete@example.dk", "Agnete Adgang").await;
    // Someone else, with records of the same kinds, who must not appear.
    let (other_me, other, other_referral) =
        matched(&app, &cast, "bodil@example.dk", "Bodil Andenborger").await;

    // Records of every kind for Agnete.
    let form = instrument(&app, &me).await;
    for c in [&citizen, &other] {
        consent(&app, &cast.coordinator, c, true).await;
    }
    let mut given = vec![2; 15];
    given[3] = 4;
    app.gql_ok(
        Some(&me),
        ANSWER,
        answers(&referral, "BASELINE", &form, &given),
    )
    .await;
    app.gql_ok(
        Some(&other_me),
        ANSWER,
        answers(&other_referral, "BASELINE", &form, &[1; 15]),
    )
    .await;
    let meeting = "mutation($r: ID!, $d: Date!) { logMeeting(input: { referralId: $r, heldOn: $d, durationMinutes: 47, form: WALK }) { meeting { id } } }";
    let yesterday = (Utc::now().date_naive() - Duration::days(1)).to_string();
    app.gql_ok(
        Some(&cast.peer),
        meeting,
        json!({ "r": referral, "d": yesterday }),
    )
    .await;
    app.gql_ok(
        Some(&cast.peer),
        meeting,
        json!({ "r": other_referral, "d": yesterday }),
    )
    .await;
    let offer = course(&app, &cast.coordinator).await;
    app.gql_ok(
        Some(&me),
        "mutation($o: ID!) { enrolMyself(input: { offerId: $o }) { enrolment { id } } }",
        json!({ "o": offer }),
    )
    .await;
    // The first session is moved to last week, so attendance can be recorded.
    let last_week = (Utc::now().date_naive() - Duration::days(7)).to_string();
    assert_eq!(
        app.owner_execute(&format!(
            "UPDATE course_sessions SET date = '{last_week}' WHERE number = 1 AND offer_id = \
             (SELECT id FROM offers WHERE title = '{COURSE}')"
        ))
        .await,
        1
    );
    let session = app
        .gql_ok(
            Some(&cast.coordinator),
            "query($id: ID!) { offer(id: $id) { sessions { id number } } }",
            json!({ "id": offer }),
        )
        .await["offer"]["sessions"][0]["id"]
        .clone();
    app.gql_ok(
        Some(&cast.coordinator),
        "mutation($s: ID!, $c: ID!) { recordAttendance(input: { sessionId: $s, marks: [{ citizenId: $c, present: true }] }) { marks { present } } }",
        json!({ "s": session, "c": citizen }),
    )
    .await;
    // A coordinator reads her name: an audited look-up.
    app.gql_ok(
        Some(&cast.coordinator),
        "query($id: ID!) { citizen(id: $id, purpose: COORDINATION) { name } }",
        json!({ "id": citizen }),
    )
    .await;

    // The coordinator produces her record.
    let path = format!("/api/v1/citizens/{}/export", uuid_of(&citizen));
    let answer = app.get(&path, Some(&cast.coordinator)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let record = answer.body;
    assert_eq!(record["citizen"]["id"], uuid_of(&citizen));
    assert_eq!(record["citizen"]["name"], "Agnete Adgang");
    assert_eq!(record["partnership"], "Peer-Partnerskabet Helsingør");
    let moves: Vec<&str> = record["referrals"][0]["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["action"].as_str().unwrap())
        .collect();
    assert_eq!(moves, ["ACCEPT", "ASSIGN", "RECORD_CONTACT", "START"]);
    assert_eq!(record["referrals"].as_array().unwrap().len(), 1);
    assert_eq!(record["referrals"][0]["id"], uuid_of(&referral));
    assert!(
        record["consents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["purpose"] == "OUTCOME_MEASUREMENT" && c["given"] == true)
    );
    assert_eq!(record["questionnaires"].as_array().unwrap().len(), 1);
    assert_eq!(record["questionnaires"][0]["point"], "BASELINE");
    assert_eq!(record["questionnaires"][0]["answers"], json!(given));
    assert_eq!(record["meetings"].as_array().unwrap().len(), 1);
    assert_eq!(record["meetings"][0]["minutes"], 47);
    assert_eq!(record["meetings"][0]["form"], "WALK");
    assert_eq!(record["enrolments"][0]["offer"], COURSE);
    assert_eq!(record["attendance"][0]["offer"], COURSE);
    assert_eq!(record["attendance"][0]["present"], true);
    let look_ups = record["lookUps"].as_array().unwrap();
    assert!(
        look_ups
            .iter()
            .any(|l| l["action"] == "READ" && l["purpose"] == "COORDINATION"),
        "{look_ups:?}"
    );
    let last = look_ups.last().unwrap();
    assert_eq!(last["action"], "EXPORT", "the export lists itself");
    assert_eq!(last["purpose"], "CITIZEN_REQUEST");
    assert!(last["by"].is_string());
    // Nothing of Bodil: not her name, ids, referral or answers.
    let all = text(&record);
    for theirs in [
        "Bodil Andenborger".to_owned(),
        uuid_of(&other),
        uuid_of(&other_referral),
    ] {
        assert!(!all.contains(&theirs), "{theirs} is not in Agnete's record");
    }

    // Agnete downloads her own, as JSON and as a page.
    let own = app.get("/api/v1/me/export", Some(&me)).await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(own.body["citizen"]["id"], uuid_of(&citizen));
    assert_eq!(own.body["referrals"], record["referrals"]);
    let page = app
        .request(reqwest::Method::GET, "/api/v1/me/export?format=html")
        .bearer_auth(&me)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.headers().contains_key("content-security-policy"));
    let html = page.text().await.unwrap();
    for shown in [
        "Dine oplysninger",
        "Agnete Adgang",
        COURSE,
        "Hvem har set eller ændret",
        // Her origin in Danish, not as a code.
        "selv tilmeldt",
    ] {
        assert!(html.contains(shown), "the page shows {shown}");
    }
    assert!(!html.contains("Bodil"));

    // Both downloads are in the audit log.
    let exports = app
        .gql_ok(
            Some(&cast.admin),
            "query($s: ID) { auditEntries(subjectId: $s, first: 100) { edges { node { action purpose } } } }",
            json!({ "s": citizen }),
        )
        .await["auditEntries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["action"] == "EXPORT")
        .count();
    assert_eq!(exports, 3);

    // Who may: coordinators and tenant admins for anyone of the tenant, a citizen only their
    // own, nobody from another partnership; the rest are refused.
    assert_eq!(app.get(&path, Some(&cast.admin)).await.status, 200);
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    for (token, status) in [
        (Some(referrer.as_str()), 403),
        (Some(cast.peer.as_str()), 403),
        (Some(other_me.as_str()), 403),
        (None, 401),
    ] {
        let answer = app.get(&path, token).await;
        assert_eq!(answer.status, status, "{}", answer.body);
    }
    let elsewhere = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    let answer = app.get(&path, Some(&elsewhere)).await;
    assert_eq!(answer.status, 404, "{}", answer.body);
    assert_eq!(answer.body["code"], "NOT_FOUND");
    let answer = app.get("/api/v1/me/export", Some(&cast.coordinator)).await;
    assert_eq!(answer.status, 403);
    // A citizen login without a record yet.
    app.gql_ok(
        Some(&cast.admin),
        "mutation { inviteUser(input: { email: \"uden@example.dk\", displayName: \"Borger\", roles: [CITIZEN] }) { user { id } } }",
        json!({}),
    )
    .await;
    let unregistered = app.token("helsingor", "uden@example.dk").await;
    let answer = app.get("/api/v1/me/export", Some(&unregistered)).await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    // A bad id and a bad format are the caller's error.
    assert_eq!(
        app.get("/api/v1/citizens/not-an-id/export", Some(&cast.coordinator))
            .await
            .status,
        400
    );
    assert_eq!(
        app.get(&format!("{path}?format=pdf"), Some(&cast.coordinator))
            .await
            .status,
        400
    );
}

on_both!(a_citizen_gets_everything_held_about_them_and_nothing_else);

async fn a_peer_worker_gets_their_own_record(db: Db) {
    let app = TestApp::spawn(&db).await;
    let cast = cast(&app).await;
    // A citizen the demo peer supports: not in the peer's record.
    let (_, citizen, _) = matched(&app, &cast, "cecilie@example.dk", "Cecilie Citizen").await;
    let reason = "Pause-grund-881 sygemeldt";
    for action in ["PAUSE", "RESUME"] {
        app.gql_ok(
            Some(&cast.coordinator),
            "mutation($p: ID!, $a: PipelineAction!, $r: String) { changePeerStatus(input: { peerId: $p, action: $a, reason: $r }) { peerWorker { status } } }",
            json!({ "p": cast.demo_peer, "a": action, "r": if action == "PAUSE" { Some(reason) } else { None } }),
        )
        .await;
    }
    assert!(
        !app.dump()
            .await
            .windows(reason.len())
            .any(|w| w == reason.as_bytes()),
        "the reason is sealed"
    );
    let path = format!("/api/v1/peer-workers/{}/export", uuid_of(&cast.demo_peer));
    let answer = app.get(&path, Some(&cast.coordinator)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let record = answer.body;
    assert_eq!(record["peer"]["id"], uuid_of(&cast.demo_peer));
    assert_eq!(record["peer"]["name"], "Demo-peer");
    let moves = record["moves"].as_array().unwrap();
    assert!(
        moves
            .iter()
            .any(|m| m["to"] == "PAUSED" && m["reason"] == reason),
        "{moves:?}"
    );
    assert_eq!(
        record["lookUps"].as_array().unwrap().last().unwrap()["action"],
        "EXPORT"
    );
    let all = text(&record);
    for theirs in ["Cecilie Citizen".to_owned(), uuid_of(&citizen)] {
        assert!(
            !all.contains(&theirs),
            "{theirs} is not in the peer's record"
        );
    }

    // The peer downloads their own, as JSON and as a page.
    let own = app.get("/api/v1/me/export", Some(&cast.peer)).await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(own.body["peer"]["id"], uuid_of(&cast.demo_peer));
    let page = app
        .request(reqwest::Method::GET, "/api/v1/me/export?format=html")
        .bearer_auth(&cast.peer)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Demo-peer") && html.contains("Pause-grund-881"));
    assert!(!html.contains("Cecilie"));

    // Roles and tenant.
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    for (token, status) in [
        (Some(cast.admin.as_str()), 200),
        (Some(referrer.as_str()), 403),
        (Some(cast.peer.as_str()), 403),
        (None, 401),
    ] {
        let answer = app.get(&path, token).await;
        assert_eq!(answer.status, status, "{}", answer.body);
    }
    let elsewhere = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    assert_eq!(app.get(&path, Some(&elsewhere)).await.status, 404);
    assert_eq!(
        app.get("/api/v1/me/export", Some(&referrer)).await.status,
        403
    );
    assert_eq!(app.get("/api/v1/me/export", None).await.status, 401);
}

on_both!(a_peer_worker_gets_their_own_record);
