//! Peers' own questionnaire rounds (the second target group): the demo peer, active since the
//! seed, has the baseline round due; they answer it once, in the current peer instrument and
//! on its scale; pausing stops the rounds; the answers are sealed; coordinators see the change
//! over peers only over enough of them. Settings at their limits, roles and isolation.

use chrono::Utc;
use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

const MINE: &str = "{ myPeerQuestionnaire { due { round opensOn closesOn } instrument { id key items { text } } answered { round answers } } }";
const ANSWER: &str = "mutation($i: AnswerPeerQuestionnaireInput!) { answerPeerQuestionnaire(input: $i) { answer { id round answers } overall scores { dimension score } } }";
const CHANGE: &str = "{ peerOutcomeChange { instrumentKey suppressed persons } }";
const SETTINGS: &str = "mutation($i: SetOutcomeSettingsInput!) { setOutcomeSettings(input: $i) { settings { peerRoundDays peerInstrumentKey } } }";

fn reason(body: &Value) -> (Option<&str>, Option<&str>) {
    let ext = &body["errors"][0]["extensions"];
    (ext["code"].as_str(), ext["reason"].as_str())
}

const GIVEN: [i32; 10] = [4, 3, 2, 1, 0, 4, 3, 2, 1, 3];

async fn a_peer_answers_their_own_rounds(db: Db) {
    let app = TestApp::spawn(&db).await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let admin = app.admin("helsingor").await;

    // Active since the seed (today): the baseline is due, in the seeded peer instrument.
    let mine = app.gql_ok(Some(&peer), MINE, json!({})).await["myPeerQuestionnaire"].clone();
    let today = Utc::now().date_naive().to_string();
    assert_eq!(mine["due"]["round"], 0, "{mine}");
    assert_eq!(mine["due"]["opensOn"], today);
    assert_eq!(mine["instrument"]["key"], "peer-rolle-10");
    assert_eq!(mine["instrument"]["items"].as_array().unwrap().len(), 10);
    assert_eq!(mine["answered"], json!([]));
    let form = mine["instrument"]["id"].as_str().unwrap().to_owned();
    let input = |round: i64, instrument: &str, answers: &[i32]| json!({ "i": { "round": round, "instrumentId": instrument, "answers": answers } });

    // Refused without a trace: another round, another instrument, off the scale, too few.
    let citizen_form = app
        .gql_ok(
            Some(&coordinator),
            "{ instruments(first: 10) { nodes { id key } } }",
            json!({}),
        )
        .await["instruments"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "hverdagsliv-15")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases: [(Value, (&str, Option<&str>)); 5] = [
        (input(1, &form, &GIVEN), ("CONFLICT", Some("NOT_DUE"))),
        (
            input(0, &citizen_form, &GIVEN),
            ("CONFLICT", Some("NOT_CURRENT")),
        ),
        (
            input(0, &form, &[4, 3, 2, 1, 0, 4, 3, 2, 1, 5]),
            ("VALIDATION", None),
        ),
        (
            input(0, &form, &[4, 3, 2, 1, 0, 4, 3, 2, 1, -1]),
            ("VALIDATION", None),
        ),
        (input(0, &form, &GIVEN[..9]), ("VALIDATION", None)),
    ];
    for (variables, (code, why)) in cases {
        let body = app.gql(Some(&peer), ANSWER, variables).await.1;
        assert_eq!(reason(&body).0, Some(code), "{body}");
        if why.is_some() {
            assert_eq!(reason(&body).1, why, "{body}");
        }
    }
    let body = app
        .gql(Some(&peer), ANSWER, input(-1, &form, &GIVEN))
        .await
        .1;
    assert_eq!(body["errors"][0]["extensions"]["field"], "round", "{body}");
    assert_eq!(
        app.gql_ok(Some(&peer), MINE, json!({})).await["myPeerQuestionnaire"]["answered"],
        json!([])
    );

    // At the scale's ends (0 and 4) the answer is kept, scored, and the round is done.
    let answered = app
        .gql_ok(Some(&peer), ANSWER, input(0, &form, &GIVEN))
        .await["answerPeerQuestionnaire"]
        .clone();
    assert_eq!(answered["answer"]["round"], 0);
    // (4+3+2+1+0+4+3+2+1+3) / 10.
    assert!(
        (answered["overall"].as_f64().unwrap() - 2.3).abs() < 1e-9,
        "{answered}"
    );
    assert_eq!(answered["scores"].as_array().unwrap().len(), 5);
    let after = app.gql_ok(Some(&peer), MINE, json!({})).await["myPeerQuestionnaire"].clone();
    assert!(after["due"].is_null(), "{after}");
    assert_eq!(after["answered"][0]["answers"], json!(GIVEN));
    let again = app
        .gql(Some(&peer), ANSWER, input(0, &form, &GIVEN))
        .await
        .1;
    assert_eq!(
        reason(&again),
        (Some("CONFLICT"), Some("DUPLICATE")),
        "{again}"
    );

    // The answers are sealed: the dump holds the row but not the answers in clear.
    let dump = app.dump().await;
    let contains = |needle: &[u8]| dump.windows(needle.len()).any(|w| w == needle);
    let id: uuid::Uuid = uuid_of(answered["answer"]["id"].as_str().unwrap())
        .parse()
        .unwrap();
    assert!(
        contains(id.hyphenated().to_string().as_bytes()) || contains(id.as_bytes()),
        "the dump holds the answer's row (control)"
    );
    assert!(!contains(b"[4,3,2,1,0,4,3,2,1,3]"));

    // One peer with a baseline only: no change to show.
    let change = app.gql_ok(Some(&coordinator), CHANGE, json!({})).await;
    assert_eq!(
        change["peerOutcomeChange"],
        json!({ "instrumentKey": "peer-rolle-10", "suppressed": true, "persons": null })
    );

    // Settings at their limits.
    for (days, ok) in [(90, false), (91, true), (365, true), (366, false)] {
        let body = app
            .gql(
                Some(&admin),
                SETTINGS,
                json!({ "i": { "peerRoundDays": days } }),
            )
            .await
            .1;
        assert_eq!(body["errors"].is_null(), ok, "{days}: {body}");
        if !ok {
            assert_eq!(body["errors"][0]["extensions"]["field"], "peerRoundDays");
        }
    }
    let body = app
        .gql(
            Some(&admin),
            SETTINGS,
            json!({ "i": { "peerInstrumentKey": "hverdagsliv-15" } }),
        )
        .await
        .1;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "peerInstrumentKey",
        "{body}"
    );

    // A paused peer has no round due and cannot answer.
    let peer_id = app
        .gql_ok(Some(&peer), "{ myPeerProfile { id } }", json!({}))
        .await["myPeerProfile"]["id"]
        .clone();
    app.gql_ok(
        Some(&coordinator),
        "mutation($p: ID!) { changePeerStatus(input: { peerId: $p, action: PAUSE }) { peerWorker { status } } }",
        json!({ "p": peer_id }),
    )
    .await;
    let paused = app.gql_ok(Some(&peer), MINE, json!({})).await;
    assert!(paused["myPeerQuestionnaire"]["due"].is_null());

    // Roles: only peers answer; only coordinators and admins see the change.
    for token in [&coordinator, &admin] {
        assert_eq!(
            app.gql_code(Some(token), MINE, json!({})).await,
            "FORBIDDEN"
        );
        assert_eq!(
            app.gql_code(Some(token), ANSWER, input(0, &form, &GIVEN))
                .await,
            "FORBIDDEN"
        );
    }
    for token in [
        peer.clone(),
        app.token("helsingor", "caseworker@helsingor.demo").await,
    ] {
        assert_eq!(
            app.gql_code(Some(&token), CHANGE, json!({})).await,
            "FORBIDDEN"
        );
    }
    assert_eq!(app.gql_code(None, MINE, json!({})).await, "UNAUTHENTICATED");

    // Another partnership's peer has their own rounds, and another tenant's instrument is
    // not theirs to answer.
    let theirs = app.token("kobenhavn", "peer@kobenhavn.demo").await;
    let other = app.gql_ok(Some(&theirs), MINE, json!({})).await["myPeerQuestionnaire"].clone();
    assert_eq!(other["answered"], json!([]));
    assert_eq!(other["due"]["round"], 0);
    let body = app
        .gql(Some(&theirs), ANSWER, input(0, &form, &GIVEN))
        .await
        .1;
    assert_eq!(
        reason(&body),
        (Some("CONFLICT"), Some("NOT_CURRENT")),
        "{body}"
    );
}

on_both!(a_peer_answers_their_own_rounds);
