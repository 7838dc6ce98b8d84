//! Deletion on schedule (issue 13, ADR 0042): tenant admins set the retention within its
//! limits; `peerbro retention run --dry-run` reports exactly what the real run then does; a
//! closed referral past its retention loses its free text but is still counted; a citizen with
//! nothing open and no activity past theirs is erased, unless a legal hold keeps them; open
//! work (a referral waiting, a place on a course that still meets), recent work and other
//! partnerships are untouched; a second run finds nothing. Time
//! passes by moving the rows' instants back, as the server writes them.

use chrono::{Duration, Utc};
use peerbro_tests::process::{cli, environment};
use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

const SET: &str = "mutation($c: Int!, $i: Int!) { setRetentionSettings(input: { closedReferralDays: $c, inactiveCitizenDays: $i }) { settings { closedReferralDays inactiveCitizenDays } } }";
const GET: &str = "{ retentionSettings { closedReferralDays inactiveCitizenDays } }";
const SUBMIT: &str = "mutation($n: String!, $r: String!) { submitReferral(input: { newCitizen: { name: $n, municipality: \"Helsingør\" }, reason: $r, consentEvidence: WRITTEN }) { referral { id } } }";
const DETAIL: &str =
    "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { state reason citizenId } }";
const COUNTS: &str = "{ coordinatorDashboard { referralCounts { state count } } }";

/// A citizen referred with `reason`; (referral id, citizen id, pseudonym).
async fn referred(
    app: &TestApp,
    referrer: &str,
    coordinator: &str,
    name: &str,
    reason: &str,
) -> (String, String, String) {
    let referral = app
        .gql_ok(Some(referrer), SUBMIT, json!({ "n": name, "r": reason }))
        .await["submitReferral"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let citizen = app
        .gql_ok(Some(coordinator), DETAIL, json!({ "id": referral }))
        .await["referral"]["citizenId"]
        .as_str()
        .unwrap()
        .to_owned();
    let pseudonym = pseudonym_of(app, coordinator, &citizen).await;
    (referral, citizen, pseudonym)
}

/// The citizen's pseudonym: tests find rows by it, as ids are stored differently on the two
/// databases.
pub(crate) async fn pseudonym_of(app: &TestApp, coordinator: &str, citizen: &str) -> String {
    app.gql_ok(
        Some(coordinator),
        "query($id: ID!) { citizen(id: $id, purpose: COORDINATION) { pseudonym } }",
        json!({ "id": citizen }),
    )
    .await["citizen"]["pseudonym"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn decline(app: &TestApp, coordinator: &str, referral: &str) {
    app.gql_ok(
        Some(coordinator),
        "mutation($id: ID!) { moveReferral(input: { referralId: $id, action: DECLINE, declineReason: OUTSIDE_TARGET_GROUP, feedback: \"Tilbagemelding der skal slettes\" }) { referral { state } } }",
        json!({ "id": referral }),
    )
    .await;
}

/// Moves every instant of the citizen with `pseudonym` — registration, consents, referrals and
/// their moves — `days` back.
async fn age(app: &TestApp, pseudonym: &str, days: i64) {
    let at =
        (Utc::now() - Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let who = format!("(SELECT id FROM citizens WHERE pseudonym = '{pseudonym}')");
    for sql in [
        format!("UPDATE citizens SET created_at = '{at}' WHERE pseudonym = '{pseudonym}'"),
        format!("UPDATE consents SET at = '{at}' WHERE citizen_id = {who}"),
        format!(
            "UPDATE referrals SET submitted_at = '{at}', updated_at = '{at}' WHERE citizen_id = {who}"
        ),
        format!(
            "UPDATE referral_transitions SET at = '{at}' WHERE referral_id IN (SELECT id FROM referrals WHERE citizen_id = {who})"
        ),
    ] {
        app.owner_execute(&sql).await;
    }
}

/// `peerbro retention run --json`, dry or not: the report of every tenant.
pub(crate) fn report(env: &[(String, String)], dry: bool) -> Value {
    let mut args = vec!["retention", "run", "--json"];
    if dry {
        args.push("--dry-run");
    }
    let (ok, out, err) = cli(env, &args);
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|_| panic!("not JSON: {out}"))
}

/// One tenant's line of a report.
pub(crate) fn of<'a>(report: &'a Value, tenant: &str) -> &'a Value {
    report
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tenant"] == tenant)
        .unwrap()
}

async fn retention_deletes_on_schedule_and_the_dry_run_says_so(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;

    // Limits, at the limit and one past; roles; another partnership keeps its defaults.
    for (c, i, field) in [
        (89, 365, "closedReferralDays"),
        (3651, 365, "closedReferralDays"),
        (90, 364, "inactiveCitizenDays"),
        (90, 3651, "inactiveCitizenDays"),
    ] {
        let (_, body) = app.gql(Some(&admin), SET, json!({ "c": c, "i": i })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }
    let top = app
        .gql_ok(Some(&admin), SET, json!({ "c": 3650, "i": 3650 }))
        .await;
    assert_eq!(
        top["setRetentionSettings"]["settings"]["closedReferralDays"],
        3650
    );
    let set = app
        .gql_ok(Some(&admin), SET, json!({ "c": 90, "i": 365 }))
        .await;
    assert_eq!(
        set["setRetentionSettings"]["settings"],
        json!({ "closedReferralDays": 90, "inactiveCitizenDays": 365 })
    );
    assert_eq!(
        app.gql_code(Some(&coordinator), SET, json!({ "c": 90, "i": 365 }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_code(Some(&coordinator), GET, json!({})).await,
        "FORBIDDEN"
    );
    let other = app.admin("kobenhavn").await;
    assert_eq!(
        app.gql_ok(Some(&other), GET, json!({})).await["retentionSettings"],
        json!({ "closedReferralDays": 730, "inactiveCitizenDays": 1825 })
    );

    // Rita: declined 400 days ago, nothing since — her referral's text and she herself are due.
    let (rita_ref, rita, rita_p) = referred(
        &app,
        &referrer,
        &coordinator,
        "Rita Retention",
        "Årsag der skal slettes",
    )
    .await;
    decline(&app, &coordinator, &rita_ref).await;
    age(&app, &rita_p, 400).await;
    // Hanne: the same, but under a legal hold: kept, her referral's text too.
    let (hanne_ref, hanne, hanne_p) = referred(
        &app,
        &referrer,
        &coordinator,
        "Hanne Holdt",
        "Årsag under hold",
    )
    .await;
    decline(&app, &coordinator, &hanne_ref).await;
    age(&app, &hanne_p, 400).await;
    app.gql_ok(
        Some(&admin),
        "mutation($id: ID!) { placeLegalHold(input: { citizenId: $id, reason: COMPLAINT }) { citizenId } }",
        json!({ "id": hanne }),
    )
    .await;
    // Anders: referred 400 days ago, still waiting — open work keeps him and his text.
    let (anders_ref, _, anders_p) = referred(
        &app,
        &referrer,
        &coordinator,
        "Anders Aaben",
        "Årsag der venter",
    )
    .await;
    age(&app, &anders_p, 400).await;
    // Bo: declined 30 days ago — not due yet.
    let (bo_ref, _, bo_p) = referred(
        &app,
        &referrer,
        &coordinator,
        "Bo Nylig",
        "Årsag fra i sidste måned",
    )
    .await;
    decline(&app, &coordinator, &bo_ref).await;
    age(&app, &bo_p, 30).await;
    // Karin: registered 400 days ago, her place on a course taken as long ago — but the course
    // meets next week, so her place is open and she is kept.
    let karin = app
        .gql_ok(
            Some(&coordinator),
            "mutation { registerCitizen(input: { name: \"Karin Kursus\", municipality: \"Helsingør\" }) { citizen { id pseudonym } } }",
            json!({}),
        )
        .await["registerCitizen"]["citizen"]
        .clone();
    let offer = crate::access::course(&app, &coordinator).await;
    app.gql_ok(
        Some(&coordinator),
        "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { status } } }",
        json!({ "o": offer, "c": karin["id"] }),
    )
    .await;
    let karin_p = karin["pseudonym"].as_str().unwrap();
    age(&app, karin_p, 400).await;
    let long_ago =
        (Utc::now() - Duration::days(400)).to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    assert_eq!(
        app.owner_execute(&format!(
            "UPDATE enrolments SET created_at = '{long_ago}', updated_at = '{long_ago}' WHERE \
             citizen_id = (SELECT id FROM citizens WHERE pseudonym = '{karin_p}')"
        ))
        .await,
        1
    );

    let counts_before = app.gql_ok(Some(&coordinator), COUNTS, json!({})).await;
    let env = environment(&app.settings);
    let dry = report(&env, true);
    assert_eq!(
        of(&dry, "helsingor"),
        &json!({ "tenant": "helsingor", "closedReferrals": 1, "citizensErased": 1, "citizensHeld": 1,
            "attendanceMarks": 0, "meetings": 0, "answers": 0, "auditEntries": 0,
            "chatConversations": 0 })
    );
    for t in ["kobenhavn", "danmark"] {
        assert_eq!(of(&dry, t)["closedReferrals"], 0);
        assert_eq!(of(&dry, t)["citizensErased"], 0);
    }
    // The dry run changed nothing.
    let detail = app
        .gql_ok(Some(&coordinator), DETAIL, json!({ "id": rita_ref }))
        .await;
    assert_eq!(detail["referral"]["reason"], "Årsag der skal slettes");

    // The real run does exactly what the dry run said.
    let done = report(&env, false);
    assert_eq!(done, dry);
    let detail = app
        .gql_ok(Some(&coordinator), DETAIL, json!({ "id": rita_ref }))
        .await;
    assert!(detail["referral"]["reason"].is_null(), "{detail}");
    assert_eq!(
        detail["referral"]["state"], "DECLINED",
        "the row stays for the reports"
    );
    let erased = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { citizen(id: $id, purpose: COORDINATION) { name erasedAt } }",
            json!({ "id": rita }),
        )
        .await;
    assert!(
        erased["citizen"]["name"].is_null() && erased["citizen"]["erasedAt"].is_string(),
        "{erased}"
    );
    for (kept, reason) in [
        (&hanne_ref, "Årsag under hold"),
        (&anders_ref, "Årsag der venter"),
        (&bo_ref, "Årsag fra i sidste måned"),
    ] {
        let detail = app
            .gql_ok(Some(&coordinator), DETAIL, json!({ "id": kept }))
            .await;
        assert_eq!(detail["referral"]["reason"], reason);
    }
    // Karin's open place kept her.
    let kept = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { citizen(id: $id, purpose: COORDINATION) { name erasedAt } }",
            json!({ "id": karin["id"] }),
        )
        .await;
    assert_eq!(
        kept["citizen"],
        json!({ "name": "Karin Kursus", "erasedAt": null })
    );
    // Counts survive.
    assert_eq!(
        app.gql_ok(Some(&coordinator), COUNTS, json!({})).await,
        counts_before
    );
    // A dump holds neither Rita's reason nor her feedback line in any form.
    let dump = app.dump().await;
    assert!(
        !dump
            .windows("Årsag der skal slettes".len())
            .any(|w| w == "Årsag der skal slettes".as_bytes())
    );

    // Nothing is left to do.
    let again = report(&env, true);
    assert_eq!(
        of(&again, "helsingor"),
        &json!({ "tenant": "helsingor", "closedReferrals": 0, "citizensErased": 0, "citizensHeld": 1,
            "attendanceMarks": 0, "meetings": 0, "answers": 0, "auditEntries": 0,
            "chatConversations": 0 })
    );
    // The human-readable report says the same.
    let (ok, out, _) = cli(&env, &["retention", "run", "--dry-run"]);
    assert!(
        ok && out.contains("helsingor") && out.contains("would"),
        "{out}"
    );
}

on_both!(retention_deletes_on_schedule_and_the_dry_run_says_so);
