//! Retention of what happened (issue 13, ADR 0042): attendance marks at sessions older than
//! the tenant's `attendanceDays` are removed while their session keeps the counts (the report's
//! attendance table is the same before and after); meetings of ended referrals as old are
//! removed; questionnaire answers — citizens' and peer workers' — older than `answersDays`
//! are shredded while the answered questionnaire stays. A legal hold keeps the held citizen's;
//! newer records and other partnerships are untouched; the dry run equals the run; a mark for a
//! folded session is refused. Time passes by moving the rows' dates back.

use chrono::{Datelike as _, Duration, Utc};
use peerbro_tests::process::environment;
use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

use crate::access::course;
use crate::outcomes::{ANSWER, answers, cast, complete, consent, instrument, matched};
use crate::retention::{of, pseudonym_of, report};

const SET: &str = "mutation($a: Int, $q: Int) { setRetentionSettings(input: { closedReferralDays: 730, inactiveCitizenDays: 1825, attendanceDays: $a, answersDays: $q }) { settings { attendanceDays answersDays } } }";
const REPORT: &str = "query($y: Int!, $n: Int) { report(granularity: MONTH, year: $y, number: $n) { tables { key cells { value suppressed } total { value suppressed } } } }";
const MARK: &str = "mutation($s: ID!, $c: ID!, $p: Boolean!) { recordAttendance(input: { sessionId: $s, marks: [{ citizenId: $c, present: $p }] }) { marks { present } } }";

/// The course-attendance table of the month `day` falls in.
async fn attendance_table(app: &TestApp, token: &str, day: chrono::NaiveDate) -> Value {
    let data = app
        .gql_ok(
            Some(token),
            REPORT,
            json!({ "y": day.year(), "n": day.month() }),
        )
        .await;
    data["report"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "course-attendance")
        .unwrap()
        .clone()
}

async fn export(app: &TestApp, token: &str, citizen: &str) -> Value {
    let answer = app
        .get(
            &format!("/api/v1/citizens/{}/export", uuid_of(citizen)),
            Some(token),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

async fn attendance_meetings_and_answers_are_kept_as_long_as_the_partnership_says(db: Db) {
    let app = TestApp::spawn(&db).await;
    let cast = cast(&app).await;
    let coordinator = cast.coordinator.clone();

    // Limits at the limit and one past; a category left out keeps its retention.
    for (a, q, field) in [
        (89, 365, "attendanceDays"),
        (3651, 365, "attendanceDays"),
        (90, 364, "answersDays"),
        (90, 3651, "answersDays"),
    ] {
        let (_, body) = app
            .gql(Some(&cast.admin), SET, json!({ "a": a, "q": q }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let kept = app
        .gql_ok(Some(&cast.admin), SET, json!({ "a": 3650, "q": 3650 }))
        .await;
    assert_eq!(
        kept["setRetentionSettings"]["settings"],
        json!({ "attendanceDays": 3650, "answersDays": 3650 })
    );
    let kept = app.gql_ok(Some(&cast.admin), SET, json!({})).await;
    assert_eq!(
        kept["setRetentionSettings"]["settings"],
        json!({ "attendanceDays": 3650, "answersDays": 3650 }),
        "left out, kept"
    );
    app.gql_ok(Some(&cast.admin), SET, json!({ "a": 90, "q": 365 }))
        .await;
    app.gql_ok(
        Some(&cast.admin),
        "mutation { setOutcomeSettings(input: { disclosureThreshold: 3 }) { settings { disclosureThreshold } } }",
        json!({}),
    )
    .await;

    // Four citizens, each matched with the demo peer in turn: each answers a baseline, is met
    // once, ends, and takes a place on a course. The last is under a legal hold.
    let form = instrument(&app, &coordinator).await;
    let meeting = "mutation($r: ID!, $d: Date!) { logMeeting(input: { referralId: $r, heldOn: $d, durationMinutes: 30, form: WALK }) { meeting { id } } }";
    let yesterday = (Utc::now().date_naive() - Duration::days(1)).to_string();
    let offer = course(&app, &coordinator).await;
    let mut people = Vec::new();
    for (i, name) in ["Ane Arkiv", "Bent Arkiv", "Carl Arkiv", "Dorte Holdt"]
        .iter()
        .enumerate()
    {
        let (token, citizen, referral) =
            matched(&app, &cast, &format!("arkiv{i}@example.dk"), name).await;
        consent(&app, &coordinator, &citizen, true).await;
        app.gql_ok(
            Some(&token),
            ANSWER,
            answers(&referral, "BASELINE", &form, &[2; 15]),
        )
        .await;
        app.gql_ok(
            Some(&cast.peer),
            meeting,
            json!({ "r": referral, "d": yesterday }),
        )
        .await;
        complete(&app, &coordinator, &referral, "Slut").await;
        app.gql_ok(
            Some(&token),
            "mutation($o: ID!) { enrolMyself(input: { offerId: $o }) { enrolment { id } } }",
            json!({ "o": offer }),
        )
        .await;
        people.push((token, citizen, referral));
    }
    let held = people[3].1.clone();
    app.gql_ok(
        Some(&cast.admin),
        "mutation($id: ID!) { placeLegalHold(input: { citizenId: $id, reason: COMPLAINT }) { citizenId } }",
        json!({ "id": held }),
    )
    .await;
    let old_day = Utc::now().date_naive() - Duration::days(400);
    let sessions = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { offer(id: $id) { sessions { id number } } }",
            json!({ "id": offer }),
        )
        .await["offer"]["sessions"]
        .clone();
    let (first, second) = (sessions[0]["id"].clone(), sessions[1]["id"].clone());
    assert_eq!(sessions[0]["number"], 1);
    // Session 1 took place 400 days ago, session 2 last week; everyone attended both, except
    // that Dorte (held) missed session 1.
    let last_week = Utc::now().date_naive() - Duration::days(7);
    for (n, day) in [(1, old_day), (2, last_week)] {
        let sql = format!(
            "UPDATE course_sessions SET date = '{day}' WHERE number = {n} AND offer_id IN \
             (SELECT id FROM offers WHERE title = 'Adgangskurset om hverdagen')"
        );
        assert_eq!(app.owner_execute(&sql).await, 1);
    }
    for (session, is_first) in [(&first, true), (&second, false)] {
        for (i, (_, citizen, _)) in people.iter().enumerate() {
            let present = !(is_first && i == 3);
            app.gql_ok(
                Some(&coordinator),
                MARK,
                json!({ "s": session, "c": citizen, "p": present }),
            )
            .await;
        }
    }
    // The peer answers their own baseline.
    let mine = app
        .gql_ok(
            Some(&cast.peer),
            "{ myPeerQuestionnaire { instrument { id } } }",
            json!({}),
        )
        .await;
    let peer_form = mine["myPeerQuestionnaire"]["instrument"]["id"].clone();
    app.gql_ok(
        Some(&cast.peer),
        "mutation($i: AnswerPeerQuestionnaireInput!) { answerPeerQuestionnaire(input: $i) { answer { id } } }",
        json!({ "i": { "round": 0, "instrumentId": peer_form, "answers": vec![2; 10] } }),
    )
    .await;

    // Ane's, Bent's and Dorte's meetings and answers are 400 days old, Carl's recent; the
    // peer's answers are 400 days old too. (Rows are found through pseudonyms: ids are stored
    // differently on the two databases.)
    let old =
        (Utc::now() - Duration::days(400)).to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    for (_, citizen, _) in [&people[0], &people[1], &people[3]] {
        let pseudonym = pseudonym_of(&app, &coordinator, citizen).await;
        let who = format!("(SELECT id FROM citizens WHERE pseudonym = '{pseudonym}')");
        let met = app
            .owner_execute(&format!(
                "UPDATE meetings SET date = '{old_day}' WHERE referral_id IN \
                 (SELECT id FROM referrals WHERE citizen_id = {who})"
            ))
            .await;
        assert_eq!(met, 1);
        let answered = app
            .owner_execute(&format!(
                "UPDATE questionnaire_responses SET answered_at = '{old}' WHERE citizen_id = {who}"
            ))
            .await;
        assert_eq!(answered, 1);
    }
    assert_eq!(
        app.owner_execute(&format!(
            "UPDATE peer_responses SET answered_at = '{old}' WHERE tenant_id = \
             (SELECT id FROM tenants WHERE slug = 'helsingor')"
        ))
        .await,
        1
    );

    // The report of session 1's month counts the four marks (threshold 3; the cells are
    // hidden, as the one absence could be derived from them).
    let before = attendance_table(&app, &coordinator, old_day).await;
    assert_eq!(
        before["total"],
        json!({ "value": 4, "suppressed": false }),
        "{before}"
    );

    // The dry run: session 1's marks of Ane, Bent and Carl; Ane's and Bent's meetings; their
    // answers and the peer's. Other partnerships: nothing.
    let env = environment(&app.settings);
    let dry = report(&env, true);
    let mine = of(&dry, "helsingor");
    assert_eq!(
        (
            &mine["attendanceMarks"],
            &mine["meetings"],
            &mine["answers"]
        ),
        (&json!(3), &json!(2), &json!(3)),
        "{dry}"
    );
    for t in ["kobenhavn", "danmark"] {
        let theirs = of(&dry, t);
        assert_eq!(
            (
                &theirs["attendanceMarks"],
                &theirs["meetings"],
                &theirs["answers"]
            ),
            (&json!(0), &json!(0), &json!(0))
        );
    }
    // The run does what the dry run said, and the report's counts survive.
    let done = report(&env, false);
    assert_eq!(done, dry);
    assert_eq!(attendance_table(&app, &coordinator, old_day).await, before);

    // Ane: session 2 only, no meeting, the questionnaire without its answers.
    let ane = export(&app, &coordinator, &people[0].1).await;
    assert_eq!(ane["attendance"].as_array().unwrap().len(), 1, "{ane}");
    assert_eq!(ane["attendance"][0]["session"], 2);
    assert_eq!(ane["meetings"], json!([]));
    assert_eq!(ane["questionnaires"].as_array().unwrap().len(), 1);
    assert_eq!(ane["questionnaires"][0]["answers"], json!([]));
    // Carl: his recent meeting and answers stay.
    let carl = export(&app, &coordinator, &people[2].1).await;
    assert_eq!(carl["meetings"].as_array().unwrap().len(), 1);
    assert_eq!(carl["questionnaires"][0]["answers"], json!(vec![2; 15]));
    // Dorte, held: everything stays.
    let dorte = export(&app, &coordinator, &held).await;
    assert_eq!(dorte["attendance"].as_array().unwrap().len(), 2, "{dorte}");
    assert_eq!(dorte["meetings"].as_array().unwrap().len(), 1);
    assert_eq!(dorte["questionnaires"][0]["answers"], json!(vec![2; 15]));
    // The peer's own answers are gone; the round stays.
    let peer = app.get("/api/v1/me/export", Some(&cast.peer)).await;
    assert_eq!(peer.body["questionnaires"].as_array().unwrap().len(), 1);
    assert_eq!(peer.body["questionnaires"][0]["answers"], json!([]));

    // A folded session takes no more marks; a recent one does.
    let (_, refused) = app
        .gql(
            Some(&coordinator),
            MARK,
            json!({ "s": first, "c": people[0].1, "p": false }),
        )
        .await;
    let ext = &refused["errors"][0]["extensions"];
    assert_eq!(
        (&ext["code"], &ext["reason"]),
        (&json!("CONFLICT"), &json!("RETENTION_PASSED")),
        "{refused}"
    );
    app.gql_ok(
        Some(&coordinator),
        MARK,
        json!({ "s": second, "c": people[0].1, "p": false }),
    )
    .await;
    assert_eq!(attendance_table(&app, &coordinator, old_day).await, before);

    // Nothing is left, but what the hold keeps.
    let again = report(&env, true);
    let mine = of(&again, "helsingor");
    assert_eq!(
        (
            &mine["attendanceMarks"],
            &mine["meetings"],
            &mine["answers"]
        ),
        (&json!(0), &json!(0), &json!(0)),
        "{again}"
    );
    app.stop().await;
}

on_both!(attendance_meetings_and_answers_are_kept_as_long_as_the_partnership_says);
