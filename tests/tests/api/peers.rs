//! Peer workers through the API: the pipeline, supervision, placements, who may see what.

use peerbro_tests::{Db, TestApp, mentions, on_both};
use serde_json::{Value, json};

const PEER_FIELDS: &str = "id kind status name missingCertificates lastSupervisedOn \
    transitions { from to actorId reason } employment { weeklyHours }";

async fn org_id(app: &TestApp, token: &str, kind: &str) -> String {
    let data = app
        .gql_ok(
            Some(token),
            "query($k: OrganisationKind) { organisations(first: 1, kind: $k) { edges { node { id } } } }",
            json!({ "k": kind }),
        )
        .await;
    data["organisations"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn register_volunteer(app: &TestApp, token: &str, name: &str) -> Value {
    let ngo = org_id(app, token, "NGO").await;
    app.gql_ok(
        Some(token),
        &format!(
            "mutation($org: ID!, $n: String!) {{ registerPeerWorker(input: {{ kind: VOLUNTARY, name: $n, \
             organisationId: $org, languages: [\"dansk\", \"arabisk\"], offerKinds: [ONE_TO_ONE] }}) {{ peerWorker {{ {PEER_FIELDS} }} }} }}"
        ),
        json!({ "org": ngo, "n": name }),
    )
    .await["registerPeerWorker"]["peerWorker"]
        .clone()
}

async fn move_peer(app: &TestApp, token: &str, id: &str, action: &str) -> Result<Value, String> {
    let query = format!(
        "mutation($id: ID!, $a: PipelineAction!) {{ changePeerStatus(input: {{ peerId: $id, action: $a, reason: \"test\" }}) {{ peerWorker {{ {PEER_FIELDS} }} }} }}"
    );
    let (_, body) = app
        .gql(Some(token), &query, json!({ "id": id, "a": action }))
        .await;
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => Err(code.to_owned()),
        None => Ok(body["data"]["changePeerStatus"]["peerWorker"].clone()),
    }
}

async fn a_volunteer_goes_through_the_pipeline_and_illegal_moves_are_refused(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let peer = register_volunteer(&app, &coordinator, "Sara Sørensen").await;
    assert_eq!(peer["status"], "APPLICANT");
    assert_eq!(
        peer["missingCertificates"],
        json!(["CRIMINAL_RECORD", "CHILD_CERTIFICATE"])
    );
    let id = peer["id"].as_str().unwrap().to_owned();

    for action in ["START_TRAINING", "ACTIVATE", "PAUSE", "RESUME"] {
        assert_eq!(
            move_peer(&app, &coordinator, &id, action)
                .await
                .unwrap_err(),
            "CONFLICT",
            "{action} from APPLICANT"
        );
    }
    move_peer(&app, &coordinator, &id, "START_SCREENING")
        .await
        .unwrap();
    let screening = "mutation($id: ID!) { recordScreening(input: { peerId: $id, heldOn: \"2026-10-01\", outcome: APPROVED }) { peerWorker { screenings { outcome interviewerId } } } }";
    let data = app
        .gql_ok(Some(&coordinator), screening, json!({ "id": id }))
        .await;
    assert_eq!(
        data["recordScreening"]["peerWorker"]["screenings"][0]["outcome"],
        "APPROVED"
    );
    move_peer(&app, &coordinator, &id, "START_TRAINING")
        .await
        .unwrap();
    assert_eq!(
        app.gql_code(Some(&coordinator), screening, json!({ "id": id }))
            .await,
        "CONFLICT",
        "interviews belong to screening"
    );
    assert_eq!(
        move_peer(&app, &coordinator, &id, "ACTIVATE")
            .await
            .unwrap_err(),
        "CONFLICT",
        "no certificates yet"
    );
    let certificate = "mutation($id: ID!, $k: CertificateKind!, $r: CertificateResult!) { recordCertificate(input: { peerId: $id, kind: $k, checkedOn: \"2026-10-02\", result: $r }) { peerWorker { missingCertificates } } }";
    app.gql_ok(
        Some(&coordinator),
        certificate,
        json!({ "id": id, "k": "CRIMINAL_RECORD", "r": "CLEAR" }),
    )
    .await;
    let data = app
        .gql_ok(
            Some(&coordinator),
            certificate,
            json!({ "id": id, "k": "CHILD_CERTIFICATE", "r": "NOT_CLEAR" }),
        )
        .await;
    assert_eq!(
        data["recordCertificate"]["peerWorker"]["missingCertificates"],
        json!(["CHILD_CERTIFICATE"])
    );
    assert_eq!(
        move_peer(&app, &coordinator, &id, "ACTIVATE")
            .await
            .unwrap_err(),
        "CONFLICT"
    );
    app.gql_ok(
        Some(&coordinator),
        certificate,
        json!({ "id": id, "k": "CHILD_CERTIFICATE", "r": "CLEAR" }),
    )
    .await;
    app.gql_ok(
        Some(&coordinator),
        "mutation($id: ID!) { recordTraining(input: { peerId: $id, course: \"Peer-uddannelsen\", completedOn: \"2026-10-20\" }) { peerWorker { trainings { course } } } }",
        json!({ "id": id }),
    )
    .await;
    let active = move_peer(&app, &coordinator, &id, "ACTIVATE")
        .await
        .unwrap();
    assert_eq!(active["status"], "ACTIVE");
    assert_eq!(
        move_peer(&app, &coordinator, &id, "PAUSE").await.unwrap()["status"],
        "PAUSED"
    );
    assert_eq!(
        move_peer(&app, &coordinator, &id, "RESUME").await.unwrap()["status"],
        "ACTIVE"
    );
    let ended = move_peer(&app, &coordinator, &id, "END").await.unwrap();
    assert_eq!(ended["status"], "ENDED");
    assert_eq!(
        move_peer(&app, &coordinator, &id, "END").await.unwrap_err(),
        "CONFLICT"
    );
    let transitions = ended["transitions"].as_array().unwrap();
    assert_eq!(transitions.len(), 6);
    assert!(
        transitions
            .iter()
            .all(|t| t["actorId"].is_string() && t["reason"] == "test")
    );

    // Paid peers start active and need an employment record; volunteers may not have one.
    let org = org_id(&app, &coordinator, "MUNICIPALITY_DEPARTMENT").await;
    let paid = "mutation($org: ID!, $e: EmploymentInput) { registerPeerWorker(input: { kind: PAID, name: \"Per Lønnet\", organisationId: $org, employment: $e }) { peerWorker { status employment { weeklyHours } } } }";
    assert_eq!(
        app.gql_code(Some(&coordinator), paid, json!({ "org": org }))
            .await,
        "VALIDATION"
    );
    let employment = json!({ "organisationId": org, "weeklyHours": 37, "startsOn": "2026-01-01" });
    let data = app
        .gql_ok(
            Some(&coordinator),
            paid,
            json!({ "org": org, "e": employment }),
        )
        .await;
    assert_eq!(data["registerPeerWorker"]["peerWorker"]["status"], "ACTIVE");
    assert_eq!(
        data["registerPeerWorker"]["peerWorker"]["employment"]["weeklyHours"],
        37.0
    );
    let bad_hours = json!({ "organisationId": org, "weeklyHours": 60, "startsOn": "2026-01-01" });
    assert_eq!(
        app.gql_code(
            Some(&coordinator),
            paid,
            json!({ "org": org, "e": bad_hours })
        )
        .await,
        "VALIDATION"
    );
    app.stop().await;
}

const WORKLIST: &str = "{ peersNeedingSupervision(purpose: SUPERVISION) { limitDays peers { lastSupervisedOn peer { name status } } } }";

fn worklist_names(data: &Value) -> Vec<String> {
    data["peersNeedingSupervision"]["peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["peer"]["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_supervision_worklist_lists_active_peers_past_the_limit(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let data = app.gql_ok(Some(&coordinator), WORKLIST, json!({})).await;
    assert_eq!(data["peersNeedingSupervision"]["limitDays"], 35);
    assert_eq!(
        worklist_names(&data),
        ["Lars Frivillig"],
        "only the seeded overdue volunteer"
    );

    // Supervising Lars today takes him off the list.
    let peers = app
        .gql_ok(Some(&coordinator), "{ peerWorkers(purpose: SUPERVISION, status: ACTIVE, first: 100) { edges { node { id name } } } }", json!({}))
        .await;
    let lars = peers["peerWorkers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == "Lars Frivillig")
        .unwrap()["node"]["id"]
        .clone();
    let today = chrono::Utc::now().date_naive().to_string();
    app.gql_ok(
        Some(&coordinator),
        "mutation($d: Date!, $p: ID!) { recordSupervision(input: { heldOn: $d, format: INDIVIDUAL, attendeeIds: [$p] }) { supervisionSession { id attendeeIds } } }",
        json!({ "d": today, "p": lars }),
    )
    .await;
    let data = app.gql_ok(Some(&coordinator), WORKLIST, json!({})).await;
    assert!(worklist_names(&data).is_empty());

    // A stricter limit brings the others (supervised 10 and 20 days ago) back.
    let set = "mutation($d: Int!) { setSupervisionLimit(input: { days: $d }) { limitDays } }";
    assert_eq!(
        app.gql_code(Some(&coordinator), set, json!({ "d": 7 }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_code(Some(&admin), set, json!({ "d": 3 })).await,
        "VALIDATION"
    );
    app.gql_ok(Some(&admin), set, json!({ "d": 7 })).await;
    let data = app.gql_ok(Some(&coordinator), WORKLIST, json!({})).await;
    assert_eq!(data["peersNeedingSupervision"]["limitDays"], 7);
    assert_eq!(
        worklist_names(&data),
        ["Henrik Lønnet", "Demo-peer"],
        "least recently supervised first: 20 days ago, then 10"
    );
    app.stop().await;
}

async fn placements_stay_within_the_contracted_hours(db: Db) {
    let app = TestApp::spawn(&db).await;
    // The seed is relative to the day it runs (a 20-hour placement from 60 days ago, 30 hours
    // contracted), so every date here is too: the test means the same on any day.
    let day = |offset: i64| {
        (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
    };
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let peers = app
        .gql_ok(Some(&coordinator), "{ peerWorkers(purpose: COORDINATION, kind: PAID) { edges { node { id employment { weeklyHours } } } } }", json!({}))
        .await;
    let paid = peers["peerWorkers"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let unit = org_id(&app, &coordinator, "HOSPITAL_PSYCHIATRY_UNIT").await;
    let ngo = org_id(&app, &coordinator, "NGO").await;
    let place = "mutation($p: ID!, $u: ID!, $h: Float!, $s: Date!, $e: Date) { createPlacement(input: { \
        peerId: $p, unitId: $u, ward: \"Afsnit P5\", startsOn: $s, endsOn: $e, weeklyHours: $h, wardContact: \"Overlægen\", \
        supervisionArrangement: \"Hver 14. dag\" }) { placement { id weeklyHours unit { kind } } } }";
    // The seeded placement is 20 of 30 contracted hours, open-ended from 60 days ago.
    let data = app
        .gql_ok(
            Some(&coordinator),
            place,
            json!({ "p": paid, "u": unit, "h": 10, "s": day(2), "e": day(90) }),
        )
        .await;
    assert_eq!(
        data["createPlacement"]["placement"]["unit"]["kind"],
        "HOSPITAL_PSYCHIATRY_UNIT"
    );
    assert_eq!(
        app.gql_code(
            Some(&coordinator),
            place,
            json!({ "p": paid, "u": unit, "h": 0.5, "s": day(30), "e": day(60) })
        )
        .await,
        "CONFLICT",
        "20 + 10 + 0.5 > 30"
    );
    app.gql_ok(
        Some(&coordinator),
        place,
        json!({ "p": paid, "u": unit, "h": 10, "s": day(120), "e": null }),
    )
    .await;
    assert_eq!(
        app.gql_code(
            Some(&coordinator),
            place,
            json!({ "p": paid, "u": ngo, "h": 1, "s": day(200), "e": null })
        )
        .await,
        "CONFLICT",
        "not a psychiatry unit"
    );
    let volunteer = register_volunteer(&app, &coordinator, "Vera Frivillig").await["id"].clone();
    assert_eq!(
        app.gql_code(
            Some(&coordinator),
            place,
            json!({ "p": volunteer, "u": unit, "h": 1, "s": day(200), "e": null })
        )
        .await,
        "CONFLICT",
        "volunteers are not placed"
    );
    assert_eq!(
        app.gql_code(
            Some(&coordinator),
            place,
            json!({ "p": paid, "u": unit, "h": 1, "s": day(200), "e": day(170) })
        )
        .await,
        "VALIDATION",
        "end before start"
    );

    let list = "query($u: ID, $p: ID, $d: Date) { placements(unitId: $u, peerId: $p, activeOn: $d, first: 100) { edges { node { ward start } } } }";
    let count = |data: &Value| data["placements"]["edges"].as_array().unwrap().len();
    assert_eq!(
        count(
            &app.gql_ok(Some(&coordinator), list, json!({ "u": unit }))
                .await
        ),
        3
    );
    assert_eq!(
        count(
            &app.gql_ok(Some(&coordinator), list, json!({ "p": paid }))
                .await
        ),
        3
    );
    assert_eq!(
        count(
            &app.gql_ok(Some(&coordinator), list, json!({ "d": day(45) }))
                .await
        ),
        2
    );
    assert_eq!(
        count(
            &app.gql_ok(Some(&coordinator), list, json!({ "d": day(150) }))
                .await
        ),
        2
    );
    assert_eq!(
        count(
            &app.gql_ok(Some(&coordinator), list, json!({ "d": day(-3650) }))
                .await
        ),
        0
    );
    app.stop().await;
}

async fn peers_see_their_own_profile_and_others_see_no_peer_data(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let data = app
        .gql_ok(
            Some(&peer),
            "{ myPeerProfile { id name status lastSupervisedOn supervisionSessions { edges { node { format heldOn } } } } }",
            json!({}),
        )
        .await;
    let me = &data["myPeerProfile"];
    assert_eq!(me["name"], "Demo-peer");
    assert_eq!(me["status"], "ACTIVE");
    assert!(me["lastSupervisedOn"].is_string());
    assert_eq!(
        me["supervisionSessions"]["edges"].as_array().unwrap().len(),
        2
    );
    let own = me["id"].as_str().unwrap().to_owned();

    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let all = app
        .gql_ok(
            Some(&coordinator),
            "{ peerWorkers(purpose: COORDINATION) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let other = all["peerWorkers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .find(|id| *id != own)
        .unwrap();
    let one = "query($id: ID!) { peerWorker(id: $id, purpose: COORDINATION) { name } }";
    assert_eq!(
        app.gql_code(Some(&peer), one, json!({ "id": other })).await,
        "FORBIDDEN"
    );
    app.gql_ok(Some(&peer), one, json!({ "id": own })).await;

    let list = "{ peerWorkers(purpose: COORDINATION) { edges { node { name } } } }";
    let worklist = "{ peersNeedingSupervision(purpose: SUPERVISION) { limitDays } }";
    for who in ["caseworker", "peer"] {
        let token = app
            .token("helsingor", &format!("{who}@helsingor.demo"))
            .await;
        assert_eq!(
            app.gql_code(Some(&token), list, json!({})).await,
            "FORBIDDEN",
            "{who}"
        );
        assert_eq!(
            app.gql_code(Some(&token), worklist, json!({})).await,
            "FORBIDDEN",
            "{who}"
        );
    }
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let organisation = app
        .gql_ok(
            Some(&admin),
            "{ organisations(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["organisations"]["edges"][0]["node"]["id"]
        .clone();
    assert_eq!(
        app.gql_code(Some(&referrer), one, json!({ "id": own }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_code(Some(&peer), "mutation($o: ID!) { registerPeerWorker(input: { kind: VOLUNTARY, name: \"X\", organisationId: $o }) { peerWorker { id } } }", json!({ "o": organisation })).await,
        "FORBIDDEN"
    );

    // Reading a peer's profile is audited like a citizen's.
    let audit = app
        .gql_ok(
            Some(&admin),
            "query($s: ID) { auditEntries(subjectId: $s, last: 1) { edges { node { action subjectKind purpose } } } }",
            json!({ "s": own }),
        )
        .await;
    let last = &audit["auditEntries"]["edges"][0]["node"];
    assert_eq!(last["action"], "READ");
    assert_eq!(last["subjectKind"], "PEER_WORKER");
    app.stop().await;
}

async fn another_tenants_peers_do_not_exist(db: Db) {
    let app = TestApp::spawn(&db).await;
    let a = app.token("helsingor", "coordinator@helsingor.demo").await;
    let b = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    let b_peers = app
        .gql_ok(
            Some(&b),
            "{ peerWorkers(purpose: COORDINATION, kind: PAID) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let b_peer = b_peers["peerWorkers"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_unit = org_id(&app, &b, "HOSPITAL_PSYCHIATRY_UNIT").await;
    let a_unit = org_id(&app, &a, "HOSPITAL_PSYCHIATRY_UNIT").await;
    for (query, vars) in [
        (
            "query($id: ID!) { peerWorker(id: $id, purpose: COORDINATION) { name } }",
            json!({ "id": b_peer }),
        ),
        (
            "mutation($id: ID!) { changePeerStatus(input: { peerId: $id, action: PAUSE }) { peerWorker { status } } }",
            json!({ "id": b_peer }),
        ),
        (
            "mutation($id: ID!) { recordTraining(input: { peerId: $id, course: \"X\", completedOn: \"2026-01-01\" }) { peerWorker { id } } }",
            json!({ "id": b_peer }),
        ),
        (
            "mutation($id: ID!) { recordScreening(input: { peerId: $id, heldOn: \"2026-01-01\", outcome: APPROVED }) { peerWorker { id } } }",
            json!({ "id": b_peer }),
        ),
        (
            "mutation($id: ID!) { recordCertificate(input: { peerId: $id, kind: CRIMINAL_RECORD, checkedOn: \"2026-01-01\", result: CLEAR }) { peerWorker { id } } }",
            json!({ "id": b_peer }),
        ),
        (
            "mutation($id: ID!) { recordSupervision(input: { heldOn: \"2026-01-01\", format: GROUP, attendeeIds: [$id] }) { supervisionSession { id } } }",
            json!({ "id": b_peer }),
        ),
        (
            "mutation($id: ID!, $u: ID!) { createPlacement(input: { peerId: $id, unitId: $u, ward: \"W\", startsOn: \"2027-01-01\", weeklyHours: 1, wardContact: \"C\", supervisionArrangement: \"S\" }) { placement { id } } }",
            json!({ "id": b_peer, "u": a_unit }),
        ),
    ] {
        assert_eq!(
            app.gql_code(Some(&a), query, vars).await,
            "NOT_FOUND",
            "{query}"
        );
    }
    let a_paid = app
        .gql_ok(
            Some(&a),
            "{ peerWorkers(purpose: COORDINATION, kind: PAID) { edges { node { id } } } }",
            json!({}),
        )
        .await["peerWorkers"]["edges"][0]["node"]["id"]
        .clone();
    assert_eq!(
        app.gql_code(
            Some(&a),
            "mutation($id: ID!, $u: ID!) { createPlacement(input: { peerId: $id, unitId: $u, ward: \"W\", startsOn: \"2027-01-01\", weeklyHours: 1, wardContact: \"C\", supervisionArrangement: \"S\" }) { placement { id } } }",
            json!({ "id": a_paid, "u": b_unit }),
        )
        .await,
        "NOT_FOUND",
        "another tenant's unit"
    );
    let listed = app
        .gql_ok(
            Some(&a),
            "{ placements(first: 100) { edges { node { peerId } } } }",
            json!({}),
        )
        .await;
    assert!(!mentions(&listed["placements"], &b_peer));
    app.stop().await;
}

on_both!(
    a_volunteer_goes_through_the_pipeline_and_illegal_moves_are_refused,
    the_supervision_worklist_lists_active_peers_past_the_limit,
    placements_stay_within_the_contracted_hours,
    peers_see_their_own_profile_and_others_see_no_peer_data,
    another_tenants_peers_do_not_exist,
);
