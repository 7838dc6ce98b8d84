//! Objects link to the objects they name — users, organisations, peers — instead of leaving
//! bare ids for the client to resolve: each link answers the object its id names, a link to a
//! peer is an audited read with a purpose, and a link the caller may not follow is refused.

use chrono::Utc;
use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

fn nodes(v: &Value) -> Vec<Value> {
    v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// A link names the object of the id beside it.
fn same(link: &Value, id: &Value, what: &str) {
    assert!(!link.is_null(), "{what}: no link");
    assert_eq!(&link["id"], id, "{what}: the link names another user");
}

async fn the_pipelines_records_link_to_users_organisations_and_peers(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let coordinator_id = app
        .gql_ok(Some(&coordinator), "{ me { id } }", json!({}))
        .await["me"]["id"]
        .clone();
    let read = |query: &'static str| {
        let (app, token) = (&app, coordinator.clone());
        async move { app.gql_ok(Some(&token), query, json!({})).await }
    };
    let data = read(
        "{ peerWorkers(purpose: COORDINATION, first: 10) { edges { node { id name userId user { id }
             screenings { interviewerId interviewer { id } }
             transitions { actorId actor { id } }
             employment { organisationId organisation { id kind } } } } } }",
    )
    .await;
    let placements = read(
        "{ placements(first: 20) { edges { node { peerId peer(purpose: COORDINATION) { id kind } } } } }",
    )
    .await;
    let peers = nodes(&data["peerWorkers"]);
    let (mut screenings, mut transitions, mut sessions, mut logins) = (0, 0, 0, 0);
    for peer in &peers {
        if !peer["userId"].is_null() {
            same(&peer["user"], &peer["userId"], "PeerWorker.user");
            logins += 1;
        } else {
            assert!(peer["user"].is_null());
        }
        for s in peer["screenings"].as_array().unwrap() {
            same(
                &s["interviewer"],
                &s["interviewerId"],
                "Screening.interviewer",
            );
            // The seed's interviews were held by the demo coordinator.
            assert_eq!(s["interviewer"]["id"], coordinator_id);
            screenings += 1;
        }
        for t in peer["transitions"].as_array().unwrap() {
            if t["actorId"].is_null() {
                assert!(t["actor"].is_null());
            } else {
                same(&t["actor"], &t["actorId"], "StatusTransition.actor");
                transitions += 1;
            }
        }
        if let Some(e) = peer["employment"].as_object() {
            assert_eq!(e["organisation"]["id"], e["organisationId"]);
            assert!(e["organisation"]["kind"].is_string(), "{e:?}");
        }
    }
    for peer in &peers {
        let peer = app
            .gql_ok(
                Some(&coordinator),
                "query($id: ID!) { peerWorker(id: $id, purpose: COORDINATION) { id
                   supervisionSessions(first: 10) { edges { node { supervisorId supervisor { id }
                     attendeeIds attendees(purpose: COORDINATION) { id } } } } } }",
                json!({ "id": peer["id"] }),
            )
            .await["peerWorker"]
            .clone();
        for s in nodes(&peer["supervisionSessions"]) {
            same(
                &s["supervisor"],
                &s["supervisorId"],
                "SupervisionSession.supervisor",
            );
            let attendees: Vec<&Value> = s["attendees"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| &a["id"])
                .collect();
            let ids: Vec<&Value> = s["attendeeIds"].as_array().unwrap().iter().collect();
            assert_eq!(attendees, ids, "attendees in the order recorded");
            assert!(
                ids.contains(&&peer["id"]),
                "a peer attended their own session"
            );
            sessions += 1;
        }
    }
    assert!(
        screenings > 0 && transitions > 0 && sessions > 0 && logins > 0,
        "the seed has screenings ({screenings}), moves ({transitions}), sessions ({sessions}) and logins ({logins})"
    );
    let placements = nodes(&placements["placements"]);
    assert!(!placements.is_empty());
    for p in placements {
        assert_eq!(p["peer"]["id"], p["peerId"]);
        assert_eq!(p["peer"]["kind"], "PAID");
    }

    // Reading a peer through a link is audited with its purpose, as `peerWorker` is.
    let admin = app.admin("helsingor").await;
    let audited = app
        .gql_ok(
            Some(&admin),
            "{ auditEntries(first: 100) { edges { node { action purpose subjectKind actor { email } } } } }",
            json!({}),
        )
        .await;
    assert!(
        nodes(&audited["auditEntries"]).iter().any(|e| {
            e["subjectKind"] == "PEER_WORKER"
                && e["purpose"] == "COORDINATION"
                && e["actor"]["email"] == "coordinator@helsingor.demo"
        }),
        "{audited}"
    );
}

async fn referrals_meetings_offers_and_consents_link_to_who_and_what_they_name(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let referrer_id = app
        .gql_ok(Some(&referrer), "{ me { id } }", json!({}))
        .await["me"]["id"]
        .clone();
    let coordinator_id = app
        .gql_ok(Some(&coordinator), "{ me { id } }", json!({}))
        .await["me"]["id"]
        .clone();

    let submitted = app
        .gql_ok(
            Some(&referrer),
            "mutation($i: SubmitReferralInput!) { submitReferral(input: $i) { referral { id citizenPseudonym } } }",
            json!({ "i": { "newCitizen": { "name": "Linkprøve Borger", "municipality": "Helsingør" },
                           "consentEvidence": "WRITTEN" } }),
        )
        .await["submitReferral"]["referral"]
        .clone();
    let referral = submitted["id"].as_str().unwrap().to_owned();
    let demo = app
        .gql_ok(
            Some(&coordinator),
            "{ peerWorkers(purpose: COORDINATION, status: ACTIVE, first: 100) { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    let demo = nodes(&demo["peerWorkers"])
        .into_iter()
        .find(|p| p["name"] == "Demo-peer")
        .unwrap()["id"]
        .clone();
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

    // The referral links to its referrer, its citizen's pseudonym, and its moves' actors.
    let read = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { referral(id: $id, purpose: COORDINATION) { referrerId referrer { id email }
                 citizenId citizenPseudonym transitions { actorId actor { id } } } }",
            json!({ "id": referral }),
        )
        .await["referral"]
        .clone();
    same(&read["referrer"], &referrer_id, "Referral.referrer");
    assert_eq!(read["referrerId"], referrer_id);
    assert_eq!(read["referrer"]["email"], "caseworker@helsingor.demo");
    assert_eq!(read["citizenPseudonym"], submitted["citizenPseudonym"]);
    assert!(
        read["citizenPseudonym"]
            .as_str()
            .is_some_and(|p| !p.is_empty())
    );
    let citizen = read["citizenId"].clone();

    // A meeting links to its peer.
    let today = Utc::now().date_naive().to_string();
    app.gql_ok(
        Some(&peer),
        "mutation($i: LogMeetingInput!) { logMeeting(input: $i) { meeting { id } } }",
        json!({ "i": { "referralId": referral, "heldOn": today, "durationMinutes": 45, "form": "WALK" } }),
    )
    .await;
    let meetings = app
        .gql_ok(
            Some(&coordinator),
            "query($r: ID!) { matchMeetings(referralId: $r, first: 10) { edges { node { peerId peer(purpose: COORDINATION) { id name } } } } }",
            json!({ "r": referral }),
        )
        .await;
    let meetings = nodes(&meetings["matchMeetings"]);
    assert_eq!(meetings.len(), 1);
    assert_eq!(meetings[0]["peer"]["id"], demo);
    assert_eq!(meetings[0]["peerId"], demo);
    assert_eq!(meetings[0]["peer"]["name"], "Demo-peer");

    // A course links to its facilitators, in the order recorded.
    let offers = app
        .gql_ok(
            Some(&coordinator),
            "{ offers(kind: GROUP_COURSE, first: 10) { edges { node { facilitatorIds facilitators(purpose: COORDINATION) { id } } } } }",
            json!({}),
        )
        .await;
    let mut facilitated = 0;
    for o in nodes(&offers["offers"]) {
        let ids: Vec<Value> = o["facilitators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].clone())
            .collect();
        assert_eq!(json!(ids), o["facilitatorIds"]);
        facilitated += ids.len();
    }
    assert!(facilitated > 0, "the seed's courses have facilitators");

    // A consent links to the user who recorded it: the referrer, for the new citizen.
    let consents = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { citizen(id: $id, purpose: COORDINATION) { consentHistory { recordedBy recorder { id } } } }",
            json!({ "id": citizen }),
        )
        .await["citizen"]["consentHistory"]
        .clone();
    let consents = consents.as_array().unwrap();
    assert!(!consents.is_empty());
    for c in consents {
        same(&c["recorder"], &referrer_id, "ConsentRecord.recorder");
        assert_eq!(c["recordedBy"], referrer_id);
    }
    assert_ne!(referrer_id, coordinator_id);

    // Links the caller may not follow are refused, not emptied: a peer reads a course's
    // facilitators or a meeting's peer only as coordinators do.
    let (_, body) = app
        .gql(
            Some(&peer),
            "{ offers(kind: GROUP_COURSE, first: 10) { edges { node { facilitators(purpose: COORDINATION) { id name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    assert!(!body.to_string().contains("Demo-peer"), "{body}");
    let (_, body) = app
        .gql(
            Some(&peer),
            "query($r: ID!) { matchMeetings(referralId: $r, first: 10) { edges { node { peerId peer(purpose: COORDINATION) { name } } } } }",
            json!({ "r": referral }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    assert_eq!(
        body["data"]["matchMeetings"]["edges"][0]["node"]["peerId"], demo,
        "the peer still sees their own meeting: {body}"
    );
}

on_both!(the_pipelines_records_link_to_users_organisations_and_peers);
on_both!(referrals_meetings_offers_and_consents_link_to_who_and_what_they_name);
