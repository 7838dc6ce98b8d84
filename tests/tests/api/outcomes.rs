//! Recovery outcomes over time: a citizen's baseline → end → follow-up journey on a one-to-one
//! match, the due lists of the citizen, the peer and the coordinator, consent that gates and
//! stops requests, the follow-up at the tenant's time and each window at its last day and one
//! past, change per citizen and over the tenant (suppressed below the disclosure threshold,
//! checked against a hand calculation), a course place measured too, roles and tenant
//! isolation. Time passes by moving the support's recorded moves back, as the server writes
//! instants.

use chrono::{Datelike as _, Duration, Utc};
use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

const MOVE: &str =
    "mutation($i: MoveReferralInput!) { moveReferral(input: $i) { referral { state } } }";
const CONSENT: &str = "mutation($c: ID!, $g: Boolean!) { recordConsent(input: { citizenId: $c, purpose: OUTCOME_MEASUREMENT, given: $g, evidence: WRITTEN }) { history { purpose } } }";
const MINE: &str = "{ myQuestionnaires { instrument { id key items { number } maxAnswer } due { support { kind id citizenPseudonym kindOfOffer offer { id } startedOn endedOn } points { point opensOn closesOn } } } }";
const WORKLIST: &str = "{ dueQuestionnaires(first: 100) { totalCount edges { node { support { kind id citizenPseudonym } points { point } } } } }";
pub(crate) const ANSWER: &str = "mutation($i: AnswerQuestionnaireInput!) { answerQuestionnaire(input: $i) { response { id point mode supportKind supportId answers overall scores { dimension score } } } }";
const CHANGE: &str = "query($to: MeasurementPoint!, $t: OfferKind) { outcomeChange(to: $to, kind: $t) { instrumentKey threshold suppressed persons overall { n meanBefore meanAfter meanChange ci95Low ci95High effectSize } dimensions { dimension change { n meanChange } } } }";
const SETTINGS: &str = "mutation($i: SetOutcomeSettingsInput!) { setOutcomeSettings(input: $i) { settings { followUpDays disclosureThreshold citizenInstrumentKey answerWindowDays } } }";

/// The people of a journey.
pub(crate) struct Cast {
    pub(crate) admin: String,
    pub(crate) coordinator: String,
    pub(crate) peer: String,
    pub(crate) demo_peer: String,
    pub(crate) one_to_one: String,
}

pub(crate) async fn cast(app: &TestApp) -> Cast {
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let demo_peer = app.id_where(&coordinator,
        "{ peerWorkers(purpose: COORDINATION, status: ACTIVE, first: 100) { edges { node { id name } } } }",
        "peerWorkers",
        "name",
        "Demo-peer",
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
    Cast {
        admin: app.admin("helsingor").await,
        peer: app.token("helsingor", "peer@helsingor.demo").await,
        coordinator,
        demo_peer,
        one_to_one,
    }
}

/// A citizen with an account, referred to one-to-one support and matched with the demo peer
/// (started); their token, citizen id and referral id.
pub(crate) async fn matched(
    app: &TestApp,
    cast: &Cast,
    email: &str,
    name: &str,
) -> (String, String, String) {
    app.gql_ok(
        Some(&cast.admin),
        "mutation($e: String!) { inviteUser(input: { email: $e, displayName: \"Borger\", roles: [CITIZEN] }) { user { id } } }",
        json!({ "e": email }),
    )
    .await;
    let token = app.token("helsingor", email).await;
    let citizen = app
        .gql_ok(
            Some(&token),
            "mutation($n: String!) { registerSelf(input: { name: $n, municipality: \"Helsingør\" }) { citizen { id } } }",
            json!({ "n": name }),
        )
        .await["registerSelf"]["citizen"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let referral = app
        .gql_ok(
            Some(&token),
            "mutation($o: ID!) { referMyself(input: { offerId: $o }) { referral { id } } }",
            json!({ "o": cast.one_to_one }),
        )
        .await["referMyself"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for input in [
        json!({ "referralId": referral, "action": "ACCEPT" }),
        json!({ "referralId": referral, "action": "ASSIGN", "peerId": cast.demo_peer }),
        json!({ "referralId": referral, "action": "RECORD_CONTACT" }),
        json!({ "referralId": referral, "action": "START" }),
    ] {
        app.gql_ok(Some(&cast.coordinator), MOVE, json!({ "i": input }))
            .await;
    }
    (token, citizen, referral)
}

/// Completes a match with `tag` as its feedback line.
pub(crate) async fn complete(app: &TestApp, coordinator: &str, referral: &str, tag: &str) {
    app.gql_ok(
        Some(coordinator),
        MOVE,
        json!({ "i": { "referralId": referral, "action": "COMPLETE", "outcome": "GOAL_REACHED", "feedback": tag } }),
    )
    .await;
}

pub(crate) async fn consent(app: &TestApp, coordinator: &str, citizen: &str, given: bool) {
    app.gql_ok(
        Some(coordinator),
        CONSENT,
        json!({ "c": citizen, "g": given }),
    )
    .await;
}

pub(crate) async fn instrument(app: &TestApp, token: &str) -> String {
    let data = app
        .gql_ok(
            Some(token),
            "{ instruments(first: 10) { edges { node { id key } } } }",
            json!({}),
        )
        .await;
    data["instruments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["key"] == "hverdagsliv-15")
        .unwrap()["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) fn answers(support: &str, point: &str, instrument: &str, values: &[i32]) -> Value {
    json!({ "i": { "supportId": support, "point": point, "instrumentId": instrument, "answers": values } })
}

async fn ask(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    app.gql(token, query, variables).await.1
}

fn code(body: &Value) -> (Option<&str>, Option<&str>) {
    let ext = &body["errors"][0]["extensions"];
    (ext["code"].as_str(), ext["reason"].as_str())
}

/// Moves the recorded start and end of the match completed last back, as if it had started
/// `started` and ended `ended` days ago. (Found by its move's id — ids are time-ordered —
/// since feedback lines are sealed and ids are stored differently on the two databases.)
async fn backdate(app: &TestApp, started: i64, ended: i64) {
    let last = "(SELECT referral_id FROM referral_transitions WHERE to_state = 'COMPLETED' \
                ORDER BY id DESC LIMIT 1)";
    // As the server writes instants (SQLite compares them as text).
    let stamp = |days: i64| {
        (Utc::now() - Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    };
    let (start, end) = (stamp(started), stamp(ended));
    let moved = app
        .owner_execute(&format!(
            "UPDATE referral_transitions SET at = '{start}' WHERE to_state = 'ACTIVE' AND referral_id = {last}"
        ))
        .await;
    assert_eq!(moved, 1);
    let moved = app
        .owner_execute(&format!(
            "UPDATE referral_transitions SET at = '{end}' WHERE to_state = 'COMPLETED' AND referral_id = {last}"
        ))
        .await;
    assert_eq!(moved, 1);
}

fn points(list: &Value) -> Vec<String> {
    list["myQuestionnaires"]["due"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["points"].as_array().unwrap().iter())
        .map(|p| p["point"].as_str().unwrap().to_owned())
        .collect()
}

fn listed(worklist: &Value, support: &str) -> Option<Value> {
    worklist["dueQuestionnaires"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| uuid_of(e["node"]["support"]["id"].as_str().unwrap()) == uuid_of(support))
        .map(|e| e["node"].clone())
}

async fn a_citizen_is_measured_at_baseline_end_and_follow_up(db: Db) {
    let app = TestApp::spawn(&db).await;
    let cast = cast(&app).await;
    let (me, citizen, referral) = matched(&app, &cast, "maja@example.dk", "Maja Målt").await;
    let form = instrument(&app, &me).await;
    let fifteen = |v: i32| vec![v; 15];

    // Started, but without OUTCOME_MEASUREMENT consent nothing is asked and nothing taken.
    assert!(points(&app.gql_ok(Some(&me), MINE, json!({})).await).is_empty());
    let worklist = app.gql_ok(Some(&cast.peer), WORKLIST, json!({})).await;
    assert!(listed(&worklist, &referral).is_none(), "{worklist}");
    let refused = ask(
        &app,
        Some(&me),
        ANSWER,
        answers(&referral, "BASELINE", &form, &fifteen(1)),
    )
    .await;
    assert_eq!(
        code(&refused),
        (Some("CONFLICT"), Some("CONSENT_NOT_IN_FORCE"))
    );

    // With consent, the baseline is due to the citizen, their peer and the coordinator.
    consent(&app, &cast.coordinator, &citizen, true).await;
    let mine = app.gql_ok(Some(&me), MINE, json!({})).await;
    assert_eq!(points(&mine), ["BASELINE"], "{mine}");
    let due = &mine["myQuestionnaires"]["due"][0];
    assert_eq!(due["support"]["kind"], "MATCH");
    assert_eq!(
        uuid_of(due["support"]["id"].as_str().unwrap()),
        uuid_of(&referral)
    );
    assert_eq!(due["support"]["kindOfOffer"], "ONE_TO_ONE");
    assert_eq!(due["support"]["offer"]["id"], cast.one_to_one.as_str());
    let today = Utc::now().date_naive();
    assert_eq!(due["points"][0]["opensOn"], today.to_string());
    assert_eq!(
        due["points"][0]["closesOn"],
        (today + Duration::days(41)).to_string()
    );
    assert_eq!(mine["myQuestionnaires"]["instrument"]["id"], form.as_str());
    assert_eq!(mine["myQuestionnaires"]["instrument"]["maxAnswer"], 4);
    for token in [&cast.peer, &cast.coordinator] {
        let worklist = app.gql_ok(Some(token), WORKLIST, json!({})).await;
        let row = listed(&worklist, &referral).unwrap_or_else(|| panic!("{worklist}"));
        assert_eq!(row["points"][0]["point"], "BASELINE");
        assert!(row["support"]["citizenPseudonym"].as_str().unwrap().len() > 4);
        assert!(
            !worklist.to_string().contains("Maja"),
            "no names: {worklist}"
        );
    }

    // Bad answers change nothing: one short, one past the scale; the scale's top is fine.
    let mut past = fifteen(1);
    past[14] = 5;
    for bad in [fifteen(1)[..14].to_vec(), past, vec![-1; 15]] {
        let body = ask(
            &app,
            Some(&me),
            ANSWER,
            answers(&referral, "BASELINE", &form, &bad),
        )
        .await;
        assert_eq!(code(&body).0, Some("VALIDATION"), "{body}");
    }
    let not_yet = ask(
        &app,
        Some(&me),
        ANSWER,
        answers(&referral, "END", &form, &fifteen(1)),
    )
    .await;
    assert_eq!(code(&not_yet), (Some("CONFLICT"), Some("NOT_DUE")));
    let mut top = fifteen(1);
    top[0] = 4;
    let baseline = app
        .gql_ok(
            Some(&me),
            ANSWER,
            answers(&referral, "BASELINE", &form, &top),
        )
        .await["answerQuestionnaire"]["response"]
        .clone();
    assert_eq!(baseline["mode"], "SELF_REPORTED");
    assert_eq!(baseline["point"], "BASELINE");
    assert_eq!(baseline["answers"][0], 4);
    assert!((baseline["overall"].as_f64().unwrap() - 18.0 / 15.0).abs() < 1e-9);
    let again = ask(
        &app,
        Some(&me),
        ANSWER,
        answers(&referral, "BASELINE", &form, &top),
    )
    .await;
    assert_eq!(code(&again), (Some("CONFLICT"), Some("DUPLICATE")));
    assert!(points(&app.gql_ok(Some(&me), MINE, json!({})).await).is_empty());

    // The end: due once the match completes; the peer enters it with the citizen.
    complete(&app, &cast.coordinator, &referral, "forløb-afsluttet").await;
    assert_eq!(
        points(&app.gql_ok(Some(&me), MINE, json!({})).await),
        ["END"]
    );
    let end = app
        .gql_ok(
            Some(&cast.peer),
            ANSWER,
            answers(&referral, "END", &form, &fifteen(3)),
        )
        .await["answerQuestionnaire"]["response"]
        .clone();
    assert_eq!(end["mode"], "ENTERED_WITH");
    assert_eq!(end["overall"], 3.0);

    // The follow-up comes 91 days after the end (not on the 90th) and stays open for six
    // weeks: on its 42nd day, not its 43rd.
    for (ended, due) in [(90, false), (91, true), (91 + 41, true), (91 + 42, false)] {
        backdate(&app, ended + 60, ended).await;
        let mine = app.gql_ok(Some(&me), MINE, json!({})).await;
        let expected: &[&str] = if due { &["FOLLOW_UP"] } else { &[] };
        assert_eq!(points(&mine), expected, "ended {ended} days ago: {mine}");
    }
    backdate(&app, 151, 91).await;
    let follow = app
        .gql_ok(
            Some(&cast.coordinator),
            ANSWER,
            answers(&referral, "FOLLOW_UP", &form, &fifteen(2)),
        )
        .await["answerQuestionnaire"]["response"]
        .clone();
    assert_eq!(follow["mode"], "ENTERED_WITH");
    assert!(points(&app.gql_ok(Some(&me), MINE, json!({})).await).is_empty());

    // The citizen's change, per dimension and overall, read under an audited purpose.
    let reads_before = app.audit_reads(&cast.admin, &citizen).await;
    let outcomes = app
        .gql_ok(
            Some(&cast.coordinator),
            "query($c: ID!) { citizenOutcomes(citizenId: $c, purpose: OUTCOME_EVALUATION) { responses { point mode overall } changes { supportKind to dimension before after change } } }",
            json!({ "c": citizen }),
        )
        .await["citizenOutcomes"]
        .clone();
    let reads_after = app.audit_reads(&cast.admin, &citizen).await;
    assert_eq!(reads_after.len(), reads_before.len() + 1);
    assert_eq!(
        reads_after.last().map(String::as_str),
        Some("OUTCOME_EVALUATION")
    );
    let got: Vec<&str> = outcomes["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["point"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["BASELINE", "END", "FOLLOW_UP"]);
    let change = |to: &str, dimension: Value| {
        outcomes["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["to"] == to && c["dimension"] == dimension)
            .unwrap_or_else(|| panic!("{to} {dimension} in {outcomes}"))
            .clone()
    };
    let overall = change("END", Value::Null);
    assert!((overall["change"].as_f64().unwrap() - (3.0 - 18.0 / 15.0)).abs() < 1e-9);
    // The first item (answered 4 at baseline) is a Connectedness item: its mean moved from
    // (4 + 1 + 1) / 3 to 3.
    let connectedness = change("END", json!("CONNECTEDNESS"));
    assert_eq!(connectedness["before"], 2.0);
    assert_eq!(connectedness["change"], 1.0);
    assert_eq!(change("FOLLOW_UP", json!("HOPE"))["change"], 1.0);
}

on_both!(a_citizen_is_measured_at_baseline_end_and_follow_up);

async fn withdrawing_consent_stops_requests_and_change_is_suppressed_below_the_threshold(db: Db) {
    let app = TestApp::spawn(&db).await;
    let cast = cast(&app).await;
    let form = instrument(&app, &cast.coordinator).await;
    // Three citizens measured at baseline and end: changes +2, +1 and 0 overall.
    let mut ids = Vec::new();
    for (n, (before, after)) in [(1, 3), (0, 1), (2, 2)].into_iter().enumerate() {
        let (_, citizen, referral) = matched(
            &app,
            &cast,
            &format!("par{n}@example.dk"),
            &format!("Parret Person {n}"),
        )
        .await;
        consent(&app, &cast.coordinator, &citizen, true).await;
        app.gql_ok(
            Some(&cast.peer),
            ANSWER,
            answers(&referral, "BASELINE", &form, &[before; 15]),
        )
        .await;
        complete(&app, &cast.coordinator, &referral, "afsluttet").await;
        app.gql_ok(
            Some(&cast.peer),
            ANSWER,
            answers(&referral, "END", &form, &[after; 15]),
        )
        .await;
        ids.push((citizen, referral));
    }

    // A fourth withdraws after the baseline: the end is not asked for, nor can it be given.
    let (me, citizen, referral) = matched(&app, &cast, "nej@example.dk", "Trukket Tilbage").await;
    consent(&app, &cast.coordinator, &citizen, true).await;
    app.gql_ok(
        Some(&me),
        ANSWER,
        answers(&referral, "BASELINE", &form, &[1; 15]),
    )
    .await;
    consent(&app, &cast.coordinator, &citizen, false).await;
    complete(&app, &cast.coordinator, &referral, "afsluttet").await;
    assert!(points(&app.gql_ok(Some(&me), MINE, json!({})).await).is_empty());
    let worklist = app.gql_ok(Some(&cast.peer), WORKLIST, json!({})).await;
    assert!(listed(&worklist, &referral).is_none(), "{worklist}");
    let refused = ask(
        &app,
        Some(&cast.peer),
        ANSWER,
        answers(&referral, "END", &form, &[1; 15]),
    )
    .await;
    assert_eq!(
        code(&refused),
        (Some("CONFLICT"), Some("CONSENT_NOT_IN_FORCE"))
    );

    // Three persons: hidden at the default threshold (5) and at 4, shown at 3.
    let change = || async {
        app.gql_ok(Some(&cast.coordinator), CHANGE, json!({ "to": "END" }))
            .await["outcomeChange"]
            .clone()
    };
    let hidden = change().await;
    assert_eq!(hidden["threshold"], 5);
    assert_eq!(hidden["suppressed"], true);
    assert_eq!(hidden["persons"], Value::Null);
    assert_eq!(hidden["overall"], Value::Null);
    assert!(
        hidden["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["change"].is_null())
    );
    for (threshold, shown) in [(4, false), (3, true)] {
        app.gql_ok(
            Some(&cast.admin),
            SETTINGS,
            json!({ "i": { "disclosureThreshold": threshold } }),
        )
        .await;
        let c = change().await;
        assert_eq!(c["suppressed"], !shown, "threshold {threshold}: {c}");
    }
    let shown = change().await;
    assert_eq!(shown["persons"], 3);
    let o = &shown["overall"];
    // By hand: changes 2, 1, 0 — mean 1, SD 1, t(0.975, 2) = 4.302653, half-width
    // 4.302653 / √3 = 2.484138; d_z = 1.
    assert_eq!(o["n"], 3);
    assert_eq!(o["meanBefore"], 1.0);
    assert_eq!(o["meanAfter"], 2.0);
    assert_eq!(o["meanChange"], 1.0);
    assert!(
        (o["ci95Low"].as_f64().unwrap() + 1.484_138).abs() < 1e-5,
        "{o}"
    );
    assert!(
        (o["ci95High"].as_f64().unwrap() - 3.484_138).abs() < 1e-5,
        "{o}"
    );
    assert_eq!(o["effectSize"], 1.0);
    assert_eq!(shown["dimensions"].as_array().unwrap().len(), 5);
    assert_eq!(shown["dimensions"][0]["change"]["n"], 3);
    // Per kind of offer: the same three for one-to-one support, no one on courses.
    let by_kind = app
        .gql_ok(
            Some(&cast.coordinator),
            CHANGE,
            json!({ "to": "END", "t": "GROUP_COURSE" }),
        )
        .await;
    assert_eq!(by_kind["outcomeChange"]["suppressed"], true);
    let baseline = ask(
        &app,
        Some(&cast.coordinator),
        CHANGE,
        json!({ "to": "BASELINE" }),
    )
    .await;
    assert_eq!(code(&baseline).0, Some("VALIDATION"));

    // Settings at their limits and one past.
    for (input, ok) in [
        (json!({ "disclosureThreshold": 2 }), false),
        (json!({ "disclosureThreshold": 50 }), true),
        (json!({ "disclosureThreshold": 51 }), false),
        (json!({ "followUpDays": 27 }), false),
        (json!({ "followUpDays": 28 }), true),
        (json!({ "followUpDays": 365 }), true),
        (json!({ "followUpDays": 366 }), false),
        (json!({ "citizenInstrumentKey": "peer-rolle-10" }), false),
        (json!({ "citizenInstrumentKey": "ukendt" }), false),
        (json!({ "citizenInstrumentKey": "hverdagsliv-15" }), true),
    ] {
        let body = ask(&app, Some(&cast.admin), SETTINGS, json!({ "i": input })).await;
        assert_eq!(body["errors"].is_null(), ok, "{input}: {body}");
        if !ok {
            assert_eq!(code(&body).0, Some("VALIDATION"), "{body}");
        }
    }
    let settings = app
        .gql_ok(
            Some(&cast.peer),
            "{ outcomeSettings { followUpDays disclosureThreshold citizenInstrumentKey answerWindowDays } }",
            json!({}),
        )
        .await;
    assert_eq!(settings["outcomeSettings"]["followUpDays"], 365);
    assert_eq!(settings["outcomeSettings"]["disclosureThreshold"], 50);
    assert_eq!(settings["outcomeSettings"]["answerWindowDays"], 42);
}

on_both!(withdrawing_consent_stops_requests_and_change_is_suppressed_below_the_threshold);

async fn course_places_are_measured_and_every_operation_keeps_to_its_roles_and_tenant(db: Db) {
    let app = TestApp::spawn(&db).await;
    let cast = cast(&app).await;
    let form = instrument(&app, &cast.coordinator).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let other = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    let other_peer = app.token("kobenhavn", "peer@kobenhavn.demo").await;
    let ngo = app
        .id_where(
            &cast.coordinator,
            "{ organisations(first: 100) { edges { node { id kind } } } }",
            "organisations",
            "kind",
            "NGO",
        )
        .await;
    let henrik = app.id_where(&cast.coordinator,
        "{ peerWorkers(purpose: COORDINATION, status: ACTIVE, first: 100) { edges { node { id name } } } }",
        "peerWorkers",
        "name",
        "Henrik Lønnet",
    )
    .await;
    // A course the demo peer facilitates, meeting first today.
    let today = Utc::now().date_naive();
    let weekday = [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ][today.weekday().num_days_from_monday() as usize];
    let course = app
        .gql_ok(
            Some(&cast.coordinator),
            "mutation($i: CreateOfferInput!) { createOffer(input: $i) { offer { id } } }",
            json!({ "i": {
                "organisationId": ngo, "kind": "GROUP_COURSE", "title": "Vejen til hverdagslivet",
                "location": "Kulturværftet", "capacity": 8, "facilitatorIds": [cast.demo_peer, henrik],
                "schedule": { "startsOn": today.to_string(), "weekday": weekday, "startTime": "17:00" },
            }}),
        )
        .await["createOffer"]["offer"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (me, citizen, _) = matched(&app, &cast, "kursus@example.dk", "Karla Kursist").await;
    consent(&app, &cast.coordinator, &citizen, true).await;
    let enrolment = app
        .gql_ok(
            Some(&cast.coordinator),
            "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { id status } } }",
            json!({ "o": course, "c": citizen }),
        )
        .await["enrolCitizen"]["enrolment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The citizen has two supports at baseline: the match and the course place.
    let mine = app.gql_ok(Some(&me), MINE, json!({})).await;
    assert_eq!(points(&mine), ["BASELINE", "BASELINE"], "{mine}");
    let worklist = app.gql_ok(Some(&cast.peer), WORKLIST, json!({})).await;
    let row = listed(&worklist, &enrolment).unwrap_or_else(|| panic!("{worklist}"));
    assert_eq!(row["support"]["kind"], "COURSE");

    // Roles: who may do what, with the same valid request.
    let answer = answers(&enrolment, "BASELINE", &form, &[2; 15]);
    let forbidden = [
        (&referrer, MINE, json!({})),
        (&cast.coordinator, MINE, json!({})),
        (&referrer, WORKLIST, json!({})),
        (&me, WORKLIST, json!({})),
        (&referrer, ANSWER, answer.clone()),
        (&cast.peer, CHANGE, json!({ "to": "END" })),
        (&referrer, CHANGE, json!({ "to": "END" })),
        (&me, CHANGE, json!({ "to": "END" })),
        (
            &cast.coordinator,
            SETTINGS,
            json!({ "i": { "followUpDays": 60 } }),
        ),
        (&cast.peer, SETTINGS, json!({ "i": { "followUpDays": 60 } })),
    ];
    for (token, query, variables) in forbidden {
        let body = ask(&app, Some(token), query, variables).await;
        assert_eq!(code(&body).0, Some("FORBIDDEN"), "{query}: {body}");
    }
    let outcomes = "query($c: ID!) { citizenOutcomes(citizenId: $c, purpose: OUTCOME_EVALUATION) { responses { point } } }";
    for token in [&cast.peer, &referrer, &me] {
        let body = ask(&app, Some(token), outcomes, json!({ "c": citizen })).await;
        assert_eq!(code(&body).0, Some("FORBIDDEN"), "{body}");
    }
    // Another tenant: nothing listed, nothing found, nothing answered.
    for token in [&other, &other_peer] {
        let body = ask(&app, Some(token), ANSWER, answer.clone()).await;
        assert_eq!(code(&body).0, Some("NOT_FOUND"), "{body}");
        let list = app.gql_ok(Some(token), WORKLIST, json!({})).await;
        assert!(listed(&list, &enrolment).is_none(), "{list}");
    }
    let body = ask(&app, Some(&other), outcomes, json!({ "c": citizen })).await;
    assert_eq!(code(&body).0, Some("NOT_FOUND"), "{body}");
    // Another tenant's instrument is not this tenant's current one.
    let theirs = instrument(&app, &other).await;
    let body = ask(
        &app,
        Some(&me),
        ANSWER,
        answers(&enrolment, "BASELINE", &theirs, &[2; 15]),
    )
    .await;
    assert_eq!(code(&body), (Some("CONFLICT"), Some("NOT_CURRENT")));

    // The facilitator enters the course baseline with the citizen.
    let entered =
        app.gql_ok(Some(&cast.peer), ANSWER, answer).await["answerQuestionnaire"]["response"]
            .clone();
    assert_eq!(entered["supportKind"], "COURSE");
    assert_eq!(entered["mode"], "ENTERED_WITH");
    assert_eq!(
        points(&app.gql_ok(Some(&me), MINE, json!({})).await),
        ["BASELINE"]
    );
}

on_both!(course_places_are_measured_and_every_operation_keeps_to_its_roles_and_tenant);

async fn the_due_worklist_costs_the_same_whatever_its_page_size(db: Db) {
    let mut settings = peerbro_tests::test_settings(&db).await;
    settings.webhook_worker = false;
    settings.audit_seal_interval_ms = 3_600_000;
    let app = TestApp::spawn_with(settings).await;
    let cast = cast(&app).await;
    // Twelve completed matches with consent (the demo peer has two places, freed at each
    // completion): twelve ends due, with their offers.
    for n in 0..12 {
        let (_, citizen, referral) = matched(
            &app,
            &cast,
            &format!("liste{n}@example.dk"),
            &format!("Liste Person {n}"),
        )
        .await;
        consent(&app, &cast.coordinator, &citizen, true).await;
        complete(&app, &cast.coordinator, &referral, "liste").await;
    }
    let list = "query($n: Int) { dueQuestionnaires(first: $n) { totalCount nodes { support { id citizenPseudonym offer { id title } } points { point } } } }";
    let page = |n: i64| json!({ "n": n });
    let twelve = app.gql_ok(Some(&cast.coordinator), list, page(12)).await;
    assert_eq!(twelve["dueQuestionnaires"]["totalCount"], 12, "{twelve}");
    let small = app.db_cost(&cast.coordinator, list, page(2)).await;
    let large = app.db_cost(&cast.coordinator, list, page(12)).await;
    assert_eq!(
        small, large,
        "no statement per row: 2 rows {small:?}, 12 rows {large:?}"
    );
}

on_both!(the_due_worklist_costs_the_same_whatever_its_page_size);
