//! Offers: courses with generated sessions, capacity and waiting list (also through referral
//! assignment), attendance by facilitators, café headcounts, one-to-one matches with logged
//! meetings, the contact limit, who may do what, and tenant isolation.

use chrono::{Datelike as _, Duration, Utc, Weekday};
use peerbro_tests::{Db, TestApp, mentions, on_both, uuid_of};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateOfferInput!) { createOffer(input: $input) { offer { id kind title online capacity facilitatorIds schedule { startsOn weekday sessionCount sessionMinutes } sessions { id number heldOn startTime durationMinutes } } } }";
const SUBMIT: &str =
    "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id } } }";
const MOVE: &str = "mutation($input: MoveReferralInput!) { moveReferral(input: $input) { referral { id state } } }";
const ENROLMENTS: &str = "query($id: ID!) { courseEnrolments(offerId: $id) { nodes { id citizenId referralId status } } }";

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MONDAY",
        Weekday::Tue => "TUESDAY",
        Weekday::Wed => "WEDNESDAY",
        Weekday::Thu => "THURSDAY",
        Weekday::Fri => "FRIDAY",
        Weekday::Sat => "SATURDAY",
        Weekday::Sun => "SUNDAY",
    }
}

async fn peer(app: &TestApp, coordinator: &str, name: &str) -> String {
    app.id_where(
        coordinator,
        "{ peerWorkers(purpose: COORDINATION, first: 100) { edges { node { id name } } } }",
        "peerWorkers",
        "name",
        name,
    )
    .await
}

async fn organisation(app: &TestApp, token: &str, kind: &str) -> String {
    app.id_where(
        token,
        "{ organisations(first: 100) { edges { node { id kind } } } }",
        "organisations",
        "kind",
        kind,
    )
    .await
}

/// A course that started two weeks ago on today's weekday: sessions 1–3 are on or before
/// today.
fn course_input(org: &str, facilitators: &[&str], capacity: i32) -> Value {
    let start = Utc::now().date_naive() - Duration::days(14);
    json!({ "input": {
        "organisationId": org,
        "kind": "GROUP_COURSE",
        "title": "Recovery-kursus",
        "location": "Kulturværftet, Helsingør",
        "capacity": capacity,
        "facilitatorIds": facilitators,
        "schedule": { "startsOn": start.to_string(), "weekday": weekday_name(start.weekday()), "startTime": "17:00:00" },
    }})
}

async fn submit(app: &TestApp, referrer: &str, name: &str, offer: Option<&str>) -> String {
    let data = app
        .gql_ok(
            Some(referrer),
            SUBMIT,
            json!({ "input": {
                "newCitizen": { "name": name, "municipality": "Helsingør" },
                "consentEvidence": "VERBAL_TO_REFERRER",
                "offerId": offer,
            }}),
        )
        .await;
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

async fn a_course_fills_then_waitlists_and_a_freed_place_moves_up(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let peer_user = app.token("helsingor", "peer@helsingor.demo").await;
    let ngo = organisation(&app, &coordinator, "NGO").await;
    let demo = peer(&app, &coordinator, "Demo-peer").await;
    let henrik = peer(&app, &coordinator, "Henrik Lønnet").await;

    let created = app
        .gql_ok(
            Some(&coordinator),
            CREATE,
            course_input(&ngo, &[&demo, &henrik], 2),
        )
        .await;
    let course = &created["createOffer"]["offer"];
    let course_id = course["id"].as_str().unwrap().to_owned();
    let sessions = course["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 10, "10 weekly sessions by default");
    assert_eq!(course["schedule"]["sessionMinutes"], 120);
    let first = Utc::now().date_naive() - Duration::days(14);
    for (n, s) in sessions.iter().enumerate() {
        let expected = first + Duration::days(7 * i64::try_from(n).unwrap());
        assert_eq!(s["heldOn"], expected.to_string());
        assert_eq!(s["number"], n + 1);
        assert_eq!(s["durationMinutes"], 120);
    }

    // Three referrals to the course; the coordinator assigns each to it: two places, then
    // the waiting list.
    let mut referrals = Vec::new();
    for name in ["Kursist Et", "Kursist To", "Kursist Tre"] {
        let id = submit(&app, &referrer, name, Some(&course_id)).await;
        mv(
            &app,
            &coordinator,
            json!({ "referralId": id, "action": "ACCEPT" }),
        )
        .await
        .unwrap();
        let moved = mv(
            &app,
            &coordinator,
            json!({ "referralId": id, "action": "ASSIGN", "courseId": course_id }),
        )
        .await
        .unwrap();
        assert_eq!(moved["state"], "ASSIGNED");
        referrals.push(id);
    }
    let detail = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { requestedOfferId assignedOfferId requestedOffer { id title } assignedOffer { id } } }",
            json!({ "id": referrals[0] }),
        )
        .await;
    assert_eq!(detail["referral"]["requestedOfferId"], course_id.as_str());
    assert_eq!(detail["referral"]["assignedOfferId"], course_id.as_str());
    // The offers as objects (through the request's DataLoader), not ids to look up.
    assert_eq!(
        detail["referral"]["requestedOffer"]["id"],
        course_id.as_str()
    );
    assert_eq!(
        detail["referral"]["requestedOffer"]["title"],
        course["title"]
    );
    assert_eq!(
        detail["referral"]["assignedOffer"]["id"],
        course_id.as_str()
    );
    // The referrer's view names the offer asked for too, on both surfaces.
    let status = app
        .gql_ok(
            Some(&referrer),
            "query($id: ID!) { referralStatus(id: $id) { requestedOffer { id title } } }",
            json!({ "id": referrals[0] }),
        )
        .await;
    assert_eq!(
        status["referralStatus"]["requestedOffer"]["id"],
        course_id.as_str()
    );
    let rest = app
        .get(
            &format!("/api/v1/referrals/{}", uuid_of(&referrals[0])),
            Some(&referrer),
        )
        .await
        .body;
    assert_eq!(rest["requestedOfferId"], uuid_of(&course_id), "{rest}");
    let assigned = app
        .gql_ok(
            Some(&coordinator),
            "{ referralWorklist(first: 100, states: [ASSIGNED]) { edges { node { id requestedOffer { id } assignedOffer { id } } } } }",
            json!({}),
        )
        .await;
    let rows: Vec<&Value> = assigned["referralWorklist"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|n| {
            referrals
                .iter()
                .any(|r| uuid_of(n["id"].as_str().unwrap()) == uuid_of(r))
        })
        .collect();
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert_eq!(row["requestedOffer"]["id"], course_id.as_str(), "{row}");
        assert_eq!(row["assignedOffer"]["id"], course_id.as_str(), "{row}");
    }
    let list = app
        .gql_ok(Some(&coordinator), ENROLMENTS, json!({ "id": course_id }))
        .await;
    let statuses: Vec<_> = list["courseEnrolments"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["ENROLLED", "ENROLLED", "WAITLISTED"]);
    let citizen = |i: usize| {
        list["courseEnrolments"]["nodes"][i]["citizenId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (first_citizen, third_citizen) = (citizen(0), citizen(2));

    // The same citizen cannot be enrolled twice.
    assert_eq!(
        app.gql_code(
            Some(&coordinator),
            "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { id } } }",
            json!({ "o": course_id, "c": third_citizen })
        )
        .await,
        "CONFLICT"
    );

    // Reassigning the first referral frees its place: the waiting list moves up.
    mv(
        &app,
        &coordinator,
        json!({ "referralId": referrals[0], "action": "REASSIGN" }),
    )
    .await
    .unwrap();
    let list = app
        .gql_ok(Some(&coordinator), ENROLMENTS, json!({ "id": course_id }))
        .await;
    let statuses: Vec<_> = list["courseEnrolments"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["WITHDRAWN", "ENROLLED", "ENROLLED"]);

    // Attendance: the facilitating peer records it for citizens with a place.
    let past_session = sessions[0]["id"].as_str().unwrap();
    let marks = app
        .gql_ok(
            Some(&peer_user),
            "mutation($s: ID!, $m: [AttendanceInput!]!) { recordAttendance(input: { sessionId: $s, marks: $m }) { marks { citizenId present } } }",
            json!({ "s": past_session, "m": [{ "citizenId": third_citizen, "present": true }] }),
        )
        .await;
    assert_eq!(marks["recordAttendance"]["marks"][0]["present"], true);
    let attendance = app
        .gql_ok(
            Some(&peer_user),
            "query($id: ID!) { courseAttendance(offerId: $id) { sessionId citizenId present } }",
            json!({ "id": course_id }),
        )
        .await;
    assert_eq!(attendance["courseAttendance"].as_array().unwrap().len(), 1);
    for (token, session, who, code) in [
        // A withdrawn citizen has no place.
        (&peer_user, past_session, &first_citizen, "VALIDATION"),
        // A session in the future cannot have attendance yet.
        (
            &peer_user,
            sessions[9]["id"].as_str().unwrap(),
            &third_citizen,
            "VALIDATION",
        ),
        // A referrer is not course staff.
        (&referrer, past_session, &third_citizen, "FORBIDDEN"),
    ] {
        assert_eq!(
            app.gql_code(
                Some(token),
                "mutation($s: ID!, $m: [AttendanceInput!]!) { recordAttendance(input: { sessionId: $s, marks: $m }) { marks { present } } }",
                json!({ "s": session, "m": [{ "citizenId": who, "present": true }] })
            )
            .await,
            code
        );
    }

    // A closed offer takes no referrals; an unknown one is not found.
    app.gql_ok(
        Some(&coordinator),
        "mutation($id: ID!) { setOfferOpen(input: { offerId: $id, open: false }) { offer { open } } }",
        json!({ "id": course_id }),
    )
    .await;
    for (offer, code) in [
        (course_id.clone(), "CONFLICT"),
        (uuid::Uuid::now_v7().to_string(), "NOT_FOUND"),
    ] {
        assert_eq!(
            app.gql_code(
                Some(&referrer),
                SUBMIT,
                json!({ "input": { "newCitizen": { "name": "Sen Borger", "municipality": "Helsingør" }, "consentEvidence": "WRITTEN", "offerId": offer } })
            )
            .await,
            code
        );
    }

    // Another tenant does not see the course.
    let other = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    assert_eq!(
        app.gql_code(
            Some(&other),
            "query($id: ID!) { offer(id: $id) { id } }",
            json!({ "id": course_id })
        )
        .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_code(Some(&other), ENROLMENTS, json!({ "id": course_id }))
            .await,
        "NOT_FOUND"
    );
    let theirs = app
        .gql_ok(
            Some(&other),
            "{ offers { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert!(!mentions(&theirs["offers"], &course_id), "{theirs}");
    app.stop().await;
}
on_both!(a_course_fills_then_waitlists_and_a_freed_place_moves_up);

async fn offers_are_checked_and_only_coordinators_create_them(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let ngo = organisation(&app, &coordinator, "NGO").await;
    let demo = peer(&app, &coordinator, "Demo-peer").await;
    let henrik = peer(&app, &coordinator, "Henrik Lønnet").await;
    let nina = peer(&app, &coordinator, "Nina Ansøger").await;
    assert_eq!(
        app.gql_code(Some(&coordinator), CREATE, course_input(&ngo, &[&demo], 10))
            .await,
        "VALIDATION",
        "a course has two facilitators"
    );
    assert_eq!(
        app.gql_code(
            Some(&coordinator),
            CREATE,
            course_input(&ngo, &[&demo, &nina], 10)
        )
        .await,
        "CONFLICT",
        "an applicant cannot facilitate"
    );
    assert_eq!(
        app.gql_code(
            Some(&coordinator),
            CREATE,
            course_input(&ngo, &[&demo, &henrik], 0)
        )
        .await,
        "VALIDATION"
    );
    for email in ["caseworker@helsingor.demo", "peer@helsingor.demo"] {
        let token = app.token("helsingor", email).await;
        assert_eq!(
            app.gql_code(
                Some(&token),
                CREATE,
                course_input(&ngo, &[&demo, &henrik], 10)
            )
            .await,
            "FORBIDDEN"
        );
    }
    // Everyone in the tenant sees what is offered.
    let chat = app
        .gql_ok(
            Some(&coordinator),
            CREATE,
            json!({ "input": { "organisationId": ngo, "kind": "ANONYMOUS_CHAT", "title": "Nattechat", "online": true } }),
        )
        .await;
    assert_eq!(chat["createOffer"]["offer"]["online"], true);
    let seen = app
        .gql_ok(
            Some(&referrer),
            "{ offers(kind: ANONYMOUS_CHAT) { edges { node { title sessions { id } } } } }",
            json!({}),
        )
        .await;
    assert!(
        seen["offers"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["title"] == "Nattechat"),
        "{seen}"
    );
    app.stop().await;
}
on_both!(offers_are_checked_and_only_coordinators_create_them);

async fn cafes_count_heads_and_matches_log_meetings(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let peer_user = app.token("helsingor", "peer@helsingor.demo").await;
    let admin = app.admin("helsingor").await;
    let ngo = organisation(&app, &coordinator, "NGO").await;

    // A recovery café: headcounts only, correctable, never in the future.
    let cafe = app
        .gql_ok(
            Some(&coordinator),
            CREATE,
            json!({ "input": { "organisationId": ngo, "kind": "RECOVERY_CAFE", "title": "Recovery-café", "location": "Bibliotekets café" } }),
        )
        .await["createOffer"]["offer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let today = Utc::now().date_naive();
    const HEADCOUNT: &str = "mutation($o: ID!, $d: Date!, $n: Int!) { recordCafeHeadcount(input: { offerId: $o, heldOn: $d, headcount: $n }) { cafeHeadcount { date headcount } } }";
    for n in [14, 15] {
        app.gql_ok(
            Some(&peer_user),
            HEADCOUNT,
            json!({ "o": cafe, "d": today.to_string(), "n": n }),
        )
        .await;
    }
    let counts = app
        .gql_ok(
            Some(&coordinator),
            "query($o: ID!, $f: Date!, $t: Date!) { cafeHeadcounts(offerId: $o, from: $f, to: $t) { heldOn headcount } }",
            json!({ "o": cafe, "f": (today - Duration::days(7)).to_string(), "t": today.to_string() }),
        )
        .await;
    assert_eq!(
        counts["cafeHeadcounts"],
        json!([{ "heldOn": today.to_string(), "headcount": 15 }])
    );
    for (token, vars, code) in [
        (
            &peer_user,
            json!({ "o": cafe, "d": (today + Duration::days(1)).to_string(), "n": 3 }),
            "VALIDATION",
        ),
        (
            &peer_user,
            json!({ "o": cafe, "d": today.to_string(), "n": -1 }),
            "VALIDATION",
        ),
        (
            &referrer,
            json!({ "o": cafe, "d": today.to_string(), "n": 3 }),
            "FORBIDDEN",
        ),
    ] {
        assert_eq!(app.gql_code(Some(token), HEADCOUNT, vars).await, code);
    }

    // A one-to-one match: a referral assigned to the demo peer, who logs meetings.
    let demo = peer(&app, &coordinator, "Demo-peer").await;
    let referral = submit(&app, &referrer, "Følge Borger", None).await;
    const LOG: &str = "mutation($input: LogMeetingInput!) { logMeeting(input: $input) { meeting { heldOn durationMinutes form peerId } } }";
    let meeting = |date: chrono::NaiveDate| json!({ "input": { "referralId": referral, "heldOn": date.to_string(), "durationMinutes": 90, "form": "WALK" } });
    assert_eq!(
        app.gql_code(Some(&coordinator), LOG, meeting(today)).await,
        "CONFLICT",
        "no match before assignment"
    );
    mv(
        &app,
        &coordinator,
        json!({ "referralId": referral, "action": "ACCEPT" }),
    )
    .await
    .unwrap();
    mv(
        &app,
        &coordinator,
        json!({ "referralId": referral, "action": "ASSIGN", "peerId": demo }),
    )
    .await
    .unwrap();
    let mine = app
        .gql_ok(
            Some(&peer_user),
            "{ myMatches { nodes { referralId citizenPseudonym state } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        uuid_of(
            mine["myMatches"]["nodes"][0]["referralId"]
                .as_str()
                .unwrap()
        ),
        uuid_of(&referral)
    );
    assert_eq!(mine["myMatches"]["nodes"][0]["state"], "ASSIGNED");
    let logged = app.gql_ok(Some(&peer_user), LOG, meeting(today)).await;
    assert_eq!(logged["logMeeting"]["meeting"]["form"], "WALK");
    assert_eq!(logged["logMeeting"]["meeting"]["peerId"], demo.as_str());
    // The first meeting is the first contact: the referrer sees the match in contact.
    let status = app
        .gql_ok(
            Some(&referrer),
            "query($id: ID!) { referralStatus(id: $id) { state firstContactAt } }",
            json!({ "id": referral }),
        )
        .await;
    assert_eq!(status["referralStatus"]["state"], "IN_CONTACT");
    assert!(status["referralStatus"]["firstContactAt"].is_string());
    assert_eq!(
        app.gql_code(Some(&peer_user), LOG, meeting(today + Duration::days(2)))
            .await,
        "VALIDATION"
    );
    let meetings = app
        .gql_ok(
            Some(&peer_user),
            "query($id: ID!) { matchMeetings(referralId: $id) { nodes { durationMinutes form } } }",
            json!({ "id": referral }),
        )
        .await;
    assert_eq!(
        meetings["matchMeetings"]["nodes"],
        json!([{ "durationMinutes": 90, "form": "WALK" }])
    );
    let other = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    for (token, code) in [(&referrer, "FORBIDDEN"), (&other, "NOT_FOUND")] {
        assert_eq!(
            app.gql_code(
                Some(token),
                "query($id: ID!) { matchMeetings(referralId: $id) { nodes { durationMinutes } } }",
                json!({ "id": referral })
            )
            .await,
            code
        );
    }
    assert_eq!(
        app.gql_code(
            Some(&referrer),
            "{ myMatches { nodes { referralId } } }",
            json!({})
        )
        .await,
        "FORBIDDEN"
    );

    // The peer of a running match reads the citizen's name and contact to make contact (the
    // citizen consented to contact); nobody else gets them this way.
    const WHO: &str =
        "query($id: ID!) { matchCitizen(referralId: $id) { pseudonym name contact } }";
    let who = app
        .gql_ok(Some(&peer_user), WHO, json!({ "id": referral }))
        .await;
    assert_eq!(who["matchCitizen"]["name"], "Følge Borger");
    assert_eq!(
        who["matchCitizen"]["pseudonym"],
        mine["myMatches"]["nodes"][0]["citizenPseudonym"]
    );
    for token in [&referrer, &coordinator] {
        assert_eq!(
            app.gql_code(Some(token), WHO, json!({ "id": referral }))
                .await,
            "FORBIDDEN"
        );
    }
    // The peer records first contact and the start on their own match (the peer app); ending
    // it is the coordinator's, and a referrer may do neither.
    for who in [&referrer, &peer_user] {
        assert_eq!(
            mv(
                &app,
                who,
                json!({ "referralId": referral, "action": "COMPLETE", "outcome": "GOAL_REACHED" })
            )
            .await
            .unwrap_err(),
            "FORBIDDEN"
        );
    }
    assert_eq!(
        mv(
            &app,
            &referrer,
            json!({ "referralId": referral, "action": "RECORD_CONTACT" })
        )
        .await
        .unwrap_err(),
        "FORBIDDEN"
    );
    let other_peer = app.token("kobenhavn", "peer@kobenhavn.demo").await;
    assert_eq!(
        mv(
            &app,
            &other_peer,
            json!({ "referralId": referral, "action": "RECORD_CONTACT" })
        )
        .await
        .unwrap_err(),
        "NOT_FOUND",
        "another tenant's peer"
    );
    assert_eq!(
        mv(
            &app,
            &peer_user,
            json!({ "referralId": referral, "action": "RECORD_CONTACT" })
        )
        .await
        .unwrap_err(),
        "CONFLICT",
        "the first meeting already recorded the contact"
    );
    let moved = mv(
        &app,
        &peer_user,
        json!({ "referralId": referral, "action": "START" }),
    )
    .await
    .unwrap();
    assert_eq!(moved["state"], "ACTIVE", "{moved}");
    // Once the match has ended, no longer.
    mv(
        &app,
        &coordinator,
        json!({ "referralId": referral, "action": "COMPLETE", "outcome": "GOAL_REACHED" }),
    )
    .await
    .unwrap();
    assert_eq!(
        app.gql_code(Some(&peer_user), WHO, json!({ "id": referral }))
            .await,
        "CONFLICT"
    );

    // The contact limit is the tenant's: tenant admins set it, coordinators read it.
    const SET: &str =
        "mutation($d: Int!) { setReferralContactLimit(input: { days: $d }) { limitDays } }";
    assert_eq!(
        app.gql_ok(
            Some(&coordinator),
            "{ referralContactLimitDays }",
            json!({})
        )
        .await["referralContactLimitDays"],
        14
    );
    assert_eq!(
        app.gql_ok(Some(&admin), SET, json!({ "d": 3 })).await["setReferralContactLimit"]["limitDays"],
        3
    );
    assert_eq!(
        app.gql_ok(
            Some(&coordinator),
            "{ referralContactLimitDays }",
            json!({})
        )
        .await["referralContactLimitDays"],
        3
    );
    assert_eq!(
        app.gql_code(Some(&admin), SET, json!({ "d": 0 })).await,
        "VALIDATION"
    );
    assert_eq!(
        app.gql_code(Some(&coordinator), SET, json!({ "d": 5 }))
            .await,
        "FORBIDDEN"
    );
    app.stop().await;
}
on_both!(cafes_count_heads_and_matches_log_meetings);

async fn concurrent_enrolments_never_exceed_the_capacity(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let ngo = organisation(&app, &coordinator, "NGO").await;
    let demo = peer(&app, &coordinator, "Demo-peer").await;
    let henrik = peer(&app, &coordinator, "Henrik Lønnet").await;
    let course = app
        .gql_ok(
            Some(&coordinator),
            CREATE,
            course_input(&ngo, &[&demo, &henrik], 3),
        )
        .await["createOffer"]["offer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut citizens = Vec::new();
    for n in 0..8 {
        let referral = submit(&app, &referrer, &format!("Samtidig {n}"), None).await;
        let detail = app
            .gql_ok(
                Some(&coordinator),
                "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { citizenId } }",
                json!({ "id": referral }),
            )
            .await;
        citizens.push(detail["referral"]["citizenId"].as_str().unwrap().to_owned());
    }
    let enrol = |citizen: String| {
        let (app, coordinator, course) = (&app, coordinator.clone(), course.clone());
        async move {
            app.gql_ok(
                Some(&coordinator),
                "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { status } } }",
                json!({ "o": course, "c": citizen }),
            )
            .await["enrolCitizen"]["enrolment"]["status"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let statuses = futures_util::future::join_all(citizens.into_iter().map(enrol)).await;
    assert_eq!(
        statuses.iter().filter(|s| *s == "ENROLLED").count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| *s == "WAITLISTED").count(),
        5,
        "{statuses:?}"
    );
    app.stop().await;
}
on_both!(concurrent_enrolments_never_exceed_the_capacity);

async fn partners_find_offers_over_rest_and_refer_to_one(db: Db) {
    use peerbro_tests::StatusCode;
    use reqwest::Method;
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let ngo = organisation(&app, &coordinator, "NGO").await;
    let demo = peer(&app, &coordinator, "Demo-peer").await;
    let henrik = peer(&app, &coordinator, "Henrik Lønnet").await;
    let course = app
        .gql_ok(
            Some(&coordinator),
            CREATE,
            course_input(&ngo, &[&demo, &henrik], 8),
        )
        .await["createOffer"]["offer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A partner system knows the offer by the UUID REST gives it.
    let course = uuid_of(&course);
    let get = |path: String, token: String| {
        let app = &app;
        async move {
            let res = app
                .request(Method::GET, &path)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let status = res.status();
            let kind = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (status, kind, res.json::<Value>().await.unwrap())
        }
    };
    let (status, _, page) = get(
        "/api/v1/offers?kind=GROUP_COURSE&openOnly=true".to_owned(),
        referrer.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == course.as_str() && o["kind"] == "GROUP_COURSE"),
        "{page}"
    );
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["kind"] == "GROUP_COURSE" && o["open"] == true)
    );
    let (status, _, detail) = get(format!("/api/v1/offers/{course}"), referrer.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["sessions"].as_array().unwrap().len(), 10);
    assert_eq!(detail["capacity"], 8);

    let res = app
        .request(Method::POST, "/api/v1/referrals")
        .bearer_auth(&referrer)
        .json(&json!({
            "newCitizen": { "name": "Rest Kursist", "municipality": "Helsingør" },
            "consentEvidence": "WRITTEN",
            "offerId": course,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    let other = app.token("kobenhavn", "caseworker@kobenhavn.demo").await;
    let (status, kind, _) = get(format!("/api/v1/offers/{course}"), other).await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::NOT_FOUND, "application/problem+json")
    );
    let (status, kind, _) = get("/api/v1/offers?kind=NOPE".to_owned(), referrer).await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::BAD_REQUEST, "application/problem+json")
    );
    app.stop().await;
}
on_both!(partners_find_offers_over_rest_and_refer_to_one);
