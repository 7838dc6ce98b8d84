//! Research studies: a researcher scoped to their studies exports the questionnaires of the
//! citizens who consented to that study — under pseudonyms that differ per study, with no
//! name in it, generalised below the disclosure threshold, audited — and a withdrawal takes a
//! citizen out of every later export. Roles and tenant isolation for every operation.

use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

use super::outcomes::{ANSWER, answers, cast, complete, consent, instrument, matched};

const CREATE: &str = "mutation($i: CreateStudyInput!) { createStudy(input: $i) { study { id title informationSheetVersion } } }";
const ADD: &str = "mutation($s: ID!, $u: ID!) { addStudyResearcher(input: { studyId: $s, userId: $u }) { study { id } } }";
const CONSENT: &str = "mutation($s: ID!, $c: ID!, $g: Boolean!) { recordStudyConsent(input: { studyId: $s, citizenId: $c, given: $g }) { given informationSheetVersion } }";
const EXPORT: &str = "query($s: ID!, $f: ExportFormat) { studyExport(studyId: $s, format: $f) { format participants rows content codebook { name description } } }";
const STUDIES: &str = "{ studies(first: 10) { totalCount nodes { id title } } }";

fn study(title: &str) -> Value {
    json!({ "i": {
        "title": title, "startsOn": "2026-01-01", "endsOn": "2027-12-31",
        "protocolReference": "PROT-2026-07", "ethicsReference": "VEK H-26012345",
        "dataController": "Københavns Universitet", "informationSheetVersion": 1,
    }})
}

fn code(body: &Value) -> (Option<&str>, Option<&str>) {
    let ext = &body["errors"][0]["extensions"];
    (ext["code"].as_str(), ext["reason"].as_str())
}

async fn ask(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.gql(Some(token), query, variables).await.1
}

fn pseudonyms(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect()
}

async fn a_researcher_exports_only_consenting_citizens_under_study_pseudonyms(db: Db) {
    let app = TestApp::spawn(&db).await;
    let cast = cast(&app).await;
    let form = instrument(&app, &cast.coordinator).await;
    let user = app
        .gql_ok(
            Some(&cast.admin),
            "mutation { inviteUser(input: { email: \"forsker@ku.example\", displayName: \"Forsker\", roles: [RESEARCHER] }) { user { id } } }",
            json!({}),
        )
        .await["inviteUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let researcher = app.token("helsingor", "forsker@ku.example").await;
    // Registration is checked field by field, at the limit and one past.
    let mut bad = study("Ugyldig");
    bad["i"]["endsOn"] = json!("2025-12-31");
    let body = ask(&app, &cast.admin, CREATE, bad).await;
    assert_eq!(code(&body).0, Some("VALIDATION"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "endsOn");
    let body = ask(&app, &cast.admin, CREATE, study(&"x".repeat(201))).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "title", "{body}");
    let id = |data: Value| {
        data["createStudy"]["study"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let a = id(app
        .gql_ok(Some(&cast.admin), CREATE, study(&"A".repeat(200)))
        .await);
    let b = id(app
        .gql_ok(Some(&cast.admin), CREATE, study("Vejen til hverdagslivet"))
        .await);
    let c = id(app
        .gql_ok(Some(&cast.admin), CREATE, study("Et andet studie"))
        .await);
    for s in [&a, &b] {
        app.gql_ok(Some(&cast.admin), ADD, json!({ "s": s, "u": user }))
            .await;
    }
    let again = ask(&app, &cast.admin, ADD, json!({ "s": a, "u": user })).await;
    assert_eq!(code(&again), (Some("CONFLICT"), Some("DUPLICATE")));
    let coordinator_id = app.user_id("helsingor", "coordinator@helsingor.demo").await;
    let not_researcher = ask(
        &app,
        &cast.admin,
        ADD,
        json!({ "s": a, "u": coordinator_id.to_string() }),
    )
    .await;
    assert_eq!(
        code(&not_researcher).0,
        Some("VALIDATION"),
        "{not_researcher}"
    );

    // Six citizens measured at baseline; all consent to both studies.
    let mut citizens = Vec::new();
    let mut names = Vec::new();
    for n in 0..6 {
        let name = format!("Forskningsdeltager Nummer{n}");
        let (_, citizen, referral) =
            matched(&app, &cast, &format!("deltager{n}@example.dk"), &name).await;
        consent(&app, &cast.coordinator, &citizen, true).await;
        app.gql_ok(
            Some(&cast.peer),
            ANSWER,
            answers(&referral, "BASELINE", &form, &[n % 5; 15]),
        )
        .await;
        complete(&app, &cast.coordinator, &referral, "forskning").await;
        for s in [&a, &b] {
            let given = app
                .gql_ok(
                    Some(&cast.coordinator),
                    CONSENT,
                    json!({ "s": s, "c": citizen, "g": true }),
                )
                .await;
            assert_eq!(given["recordStudyConsent"]["informationSheetVersion"], 1);
        }
        citizens.push(citizen);
        names.push(name);
    }
    // Every name the tenant holds, seeded or made here.
    let all = app
        .gql_ok(
            Some(&cast.coordinator),
            "{ citizens(purpose: COORDINATION, first: 100) { nodes { name } } }",
            json!({}),
        )
        .await;
    for n in all["citizens"]["nodes"].as_array().unwrap() {
        names.push(n["name"].as_str().unwrap().to_owned());
    }
    assert!(names.len() > 6);

    let export = |s: String, f: &'static str| {
        let app = &app;
        let researcher = researcher.clone();
        async move {
            app.gql_ok(Some(&researcher), EXPORT, json!({ "s": s, "f": f }))
                .await["studyExport"]
                .clone()
        }
    };
    let first = export(a.clone(), "CSV").await;
    assert_eq!(first["participants"], 6);
    assert_eq!(first["rows"], 6);
    let csv = first["content"].as_str().unwrap();
    assert!(csv.starts_with("pseudonym,age_band,municipality,offer_type,start_week,measurement_point,instrument,version,item_1,"), "{csv}");
    assert!(csv.contains(",Helsingør,ONE_TO_ONE,"), "{csv}");
    assert!(csv.contains(",BASELINE,hverdagsliv-15,1,"), "{csv}");
    for name in &names {
        for part in name.split_whitespace() {
            assert!(!csv.contains(part), "{part} is in the export");
        }
    }
    for citizen in &citizens {
        assert!(
            !csv.contains(&uuid_of(citizen)),
            "a citizen id is in the export"
        );
    }
    assert!(first["codebook"].as_array().unwrap().len() >= 9);
    // The same people under other pseudonyms in the other study: nothing links them.
    let other = export(b.clone(), "CSV").await;
    let (in_a, in_b) = (
        pseudonyms(csv),
        pseudonyms(other["content"].as_str().unwrap()),
    );
    assert_eq!(in_b.len(), 6);
    assert!(in_a.iter().all(|p| !in_b.contains(p)), "{in_a:?} {in_b:?}");
    let json_rows: Vec<Value> =
        serde_json::from_str(export(a.clone(), "JSON").await["content"].as_str().unwrap()).unwrap();
    assert_eq!(json_rows.len(), 6);
    assert_eq!(json_rows[0]["answers"].as_array().unwrap().len(), 15);
    // Every export is audited against each participant.
    let reads = app.audit_reads(&cast.admin, &citizens[0]).await;
    assert!(reads.iter().any(|p| p == "RESEARCH"), "{reads:?}");

    // A withdrawal takes the citizen out of every later export of that study only.
    app.gql_ok(
        Some(&cast.coordinator),
        CONSENT,
        json!({ "s": a, "c": citizens[0], "g": false }),
    )
    .await;
    let after = export(a.clone(), "CSV").await;
    assert_eq!(after["participants"], 5);
    assert_eq!(after["rows"], 5);
    assert_eq!(export(b.clone(), "CSV").await["rows"], 6);
    // Four left is under the threshold (5): their combination is rare, so nothing is exported.
    app.gql_ok(
        Some(&cast.coordinator),
        CONSENT,
        json!({ "s": a, "c": citizens[1], "g": false }),
    )
    .await;
    let few = export(a.clone(), "CSV").await;
    assert_eq!(few["participants"], 4);
    assert_eq!(few["rows"], 0, "{few}");

    // Roles and scope: only a study's researchers export it; they see only their studies.
    let listed = app.gql_ok(Some(&researcher), STUDIES, json!({})).await;
    assert_eq!(listed["studies"]["totalCount"], 2);
    assert_eq!(
        app.gql_ok(Some(&cast.coordinator), STUDIES, json!({}))
            .await["studies"]["totalCount"],
        3
    );
    let body = ask(&app, &researcher, EXPORT, json!({ "s": c })).await;
    assert_eq!(code(&body).0, Some("NOT_FOUND"), "{body}");
    for token in [&cast.coordinator, &cast.admin, &cast.peer] {
        let body = ask(&app, token, EXPORT, json!({ "s": a })).await;
        assert_eq!(code(&body).0, Some("FORBIDDEN"), "{body}");
    }
    for (token, query, variables) in [
        (&researcher, CREATE, study("Forsker")),
        (&cast.coordinator, CREATE, study("Koordinator")),
        (&researcher, ADD, json!({ "s": c, "u": user })),
        (
            &researcher,
            CONSENT,
            json!({ "s": a, "c": citizens[2], "g": true }),
        ),
        (
            &cast.peer,
            CONSENT,
            json!({ "s": a, "c": citizens[2], "g": true }),
        ),
        (&cast.peer, STUDIES, json!({})),
    ] {
        let body = ask(&app, token, query, variables).await;
        assert_eq!(code(&body).0, Some("FORBIDDEN"), "{query}: {body}");
    }
    // Another tenant: the study and the citizen do not exist there.
    let other_admin = app.admin("kobenhavn").await;
    let other_coordinator = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    let body = ask(
        &app,
        &other_coordinator,
        CONSENT,
        json!({ "s": a, "c": citizens[2], "g": true }),
    )
    .await;
    assert_eq!(code(&body).0, Some("NOT_FOUND"), "{body}");
    let body = ask(&app, &other_admin, ADD, json!({ "s": a, "u": user })).await;
    assert_eq!(code(&body).0, Some("NOT_FOUND"), "{body}");
    assert_eq!(
        app.gql_ok(Some(&other_coordinator), STUDIES, json!({}))
            .await["studies"]["totalCount"],
        0
    );
}

on_both!(a_researcher_exports_only_consenting_citizens_under_study_pseudonyms);
