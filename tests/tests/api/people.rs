//! Citizens, consents, encryption at rest and the audit log, through the API.

use peerbro_tests::{Db, TestApp, mentions, on_both};
use serde_json::{Value, json};

const REGISTER: &str = "mutation($name: String!, $contact: String) { registerCitizen(input: { \
    name: $name, contact: $contact, birthYear: 1984, municipality: \"Helsingør\", \
    consents: [{ purpose: REFERRAL_PROCESSING, evidence: WRITTEN }, { purpose: CONTACT, evidence: VERBAL_TO_REFERRER }] \
    }) { citizen { id pseudonym name contact birthYear origin consents { purpose given evidence } } } }";
const CITIZEN: &str = "query($id: ID!, $purpose: AccessPurpose!) { citizen(id: $id, purpose: $purpose) { \
    id name contact erasedAt consents { purpose given } consentHistory { purpose given } } }";
const AUDIT: &str = "query($subject: ID) { auditEntries(subjectId: $subject, first: 100) { edges { node { \
    seq action purpose subjectId actorRoles actor { email roles } } } } }";

async fn audit_of(app: &TestApp, admin: &str, subject: &str) -> Vec<Value> {
    let data = app
        .gql_ok(Some(admin), AUDIT, json!({ "subject": subject }))
        .await;
    data["auditEntries"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn register(app: &TestApp, token: &str, name: &str) -> Value {
    app.gql_ok(
        Some(token),
        REGISTER,
        json!({ "name": name, "contact": "tlf. 40 50 60 70" }),
    )
    .await["registerCitizen"]["citizen"]
        .clone()
}

async fn citizen_user(app: &TestApp, admin: &str, email: &str) -> String {
    app.gql_ok(
        Some(admin),
        "mutation($e: String!) { inviteUser(input: { email: $e, displayName: \"Borger\", roles: [CITIZEN] }) { user { id } } }",
        json!({ "e": email }),
    )
    .await;
    app.token("helsingor", email).await
}

async fn a_coordinator_registers_reads_corrects_and_an_admin_erases_a_citizen(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let citizen = register(&app, &coordinator, "  Jens   Juhl ").await;
    assert_eq!(
        citizen["name"], "Jens   Juhl",
        "trimmed, inner spacing kept"
    );
    assert_eq!(citizen["origin"], "COORDINATOR");
    assert!(citizen["pseudonym"].as_str().unwrap().starts_with("B-"));
    assert_eq!(citizen["consents"].as_array().unwrap().len(), 2);
    let id = citizen["id"].as_str().unwrap().to_owned();

    let data = app
        .gql_ok(
            Some(&coordinator),
            CITIZEN,
            json!({ "id": id, "purpose": "COORDINATION" }),
        )
        .await;
    assert_eq!(data["citizen"]["contact"], "tlf. 40 50 60 70");

    // Exact-name search through the blind index: case and spacing do not matter.
    let search = "query($n: String!) { citizens(purpose: COORDINATION, name: $n) { edges { node { id } } } }";
    let found = app
        .gql_ok(Some(&coordinator), search, json!({ "n": "jens juhl" }))
        .await;
    assert_eq!(found["citizens"]["edges"][0]["node"]["id"], id.as_str());
    let none = app
        .gql_ok(Some(&coordinator), search, json!({ "n": "Jens Juul" }))
        .await;
    assert_eq!(none["citizens"]["edges"].as_array().unwrap().len(), 0);

    let update = "mutation($id: ID!, $c: String) { updateCitizen(input: { citizenId: $id, contact: $c }) { citizen { contact } } }";
    let data = app
        .gql_ok(
            Some(&coordinator),
            update,
            json!({ "id": id, "c": "jens@example.dk" }),
        )
        .await;
    assert_eq!(
        data["updateCitizen"]["citizen"]["contact"],
        "jens@example.dk"
    );
    assert_eq!(
        app.gql_code(Some(&coordinator), update, json!({ "id": id }))
            .await,
        "VALIDATION"
    );

    let consent = "mutation($id: ID!) { recordConsent(input: { citizenId: $id, purpose: CONTACT, given: false, evidence: WRITTEN }) { history { purpose given } } }";
    let history = app
        .gql_ok(Some(&coordinator), consent, json!({ "id": id }))
        .await;
    assert_eq!(
        history["recordConsent"]["history"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let data = app
        .gql_ok(
            Some(&coordinator),
            CITIZEN,
            json!({ "id": id, "purpose": "COORDINATION" }),
        )
        .await;
    let contact = data["citizen"]["consents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["purpose"] == "CONTACT")
        .unwrap()
        .clone();
    assert_eq!(contact["given"], false, "withdrawal takes effect at once");

    let erase = "mutation($id: ID!) { eraseCitizen(input: { citizenId: $id }) { citizen { name erasedAt } } }";
    assert_eq!(
        app.gql_code(Some(&coordinator), erase, json!({ "id": id }))
            .await,
        "FORBIDDEN"
    );
    let erased = app.gql_ok(Some(&admin), erase, json!({ "id": id })).await;
    assert_eq!(erased["eraseCitizen"]["citizen"]["name"], Value::Null);
    assert!(erased["eraseCitizen"]["citizen"]["erasedAt"].is_string());
    let data = app
        .gql_ok(
            Some(&coordinator),
            CITIZEN,
            json!({ "id": id, "purpose": "COORDINATION" }),
        )
        .await;
    assert_eq!(
        data["citizen"]["name"],
        Value::Null,
        "unreadable after erasure"
    );
    assert_eq!(data["citizen"]["contact"], Value::Null);
    assert_eq!(
        app.gql_code(Some(&admin), erase, json!({ "id": id })).await,
        "CONFLICT"
    );
    assert_eq!(
        app.gql_code(Some(&coordinator), update, json!({ "id": id, "c": "x" }))
            .await,
        "CONFLICT"
    );

    let actions: Vec<String> = audit_of(&app, &admin, &id)
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions[..3], ["CREATE", "CONSENT", "CONSENT"]);
    // Each entry links to who acted (one query for the page).
    let entries = audit_of(&app, &admin, &id).await;
    assert_eq!(entries[0]["actor"]["email"], "coordinator@helsingor.demo");
    assert!(actions.contains(&"UPDATE".to_owned()));
    assert!(actions.contains(&"ERASE".to_owned()));
    assert_eq!(actions.last().unwrap(), "READ");
    app.stop().await;
}

async fn every_read_of_personal_data_is_audited_with_its_purpose(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let id = register(&app, &coordinator, "Lone Lind").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let citizen = citizen_user(&app, &admin, "borger@example.dk").await;
    let own = app
        .gql_ok(
            Some(&citizen),
            "mutation { registerSelf(input: { name: \"Ole Olsen\", municipality: \"Helsingør\" }) { citizen { id origin } } }",
            json!({}),
        )
        .await["registerSelf"]["citizen"]
        .clone();
    assert_eq!(own["origin"], "SELF_REGISTRATION");
    let own_id = own["id"].as_str().unwrap().to_owned();

    // Each field that returns a citizen's personal data, and who reads it.
    let reads: Vec<(&str, &str, Value, &str, &str)> = vec![
        (
            &coordinator,
            CITIZEN,
            json!({ "id": id, "purpose": "SUPERVISION" }),
            &id,
            "SUPERVISION",
        ),
        (
            &coordinator,
            "{ citizens(purpose: REFERRAL_HANDLING, first: 100) { edges { node { name } } } }",
            json!({}),
            &id,
            "REFERRAL_HANDLING",
        ),
        (
            &citizen,
            "{ myCitizen { name contact } }",
            json!({}),
            &own_id,
            "CITIZEN_REQUEST",
        ),
        (
            &citizen,
            CITIZEN,
            json!({ "id": own_id, "purpose": "COORDINATION" }),
            &own_id,
            "CITIZEN_REQUEST",
        ),
    ];
    for (token, query, vars, subject, purpose) in reads {
        let before = audit_of(&app, &admin, subject).await.len();
        app.gql_ok(Some(token), query, vars).await;
        let after = audit_of(&app, &admin, subject).await;
        assert_eq!(after.len(), before + 1, "{query}: exactly one new entry");
        let last = after.last().unwrap();
        assert_eq!(last["action"], "READ", "{query}");
        assert_eq!(last["purpose"], purpose, "{query}");
        assert_eq!(
            last["actor"]["roles"], last["actorRoles"],
            "{query}: the reader"
        );
    }

    // The citizen's own access history: who looked, when, why.
    let log = app
        .gql_ok(
            Some(&citizen),
            "query($id: ID!) { citizenAccessLog(citizenId: $id, first: 100) { edges { node { action purpose actorRoles } } } }",
            json!({ "id": own_id }),
        )
        .await;
    let entries = log["citizenAccessLog"]["edges"].as_array().unwrap();
    assert!(entries.len() >= 3);
    assert_eq!(entries[0]["node"]["action"], "CREATE");
    assert_eq!(
        app.gql_code(
            Some(&citizen),
            "query($id: ID!) { citizenAccessLog(citizenId: $id) { edges { node { action } } } }",
            json!({ "id": id }),
        )
        .await,
        "FORBIDDEN",
        "not someone else's"
    );
    app.stop().await;
}

async fn only_the_right_roles_reach_citizens(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let id = register(&app, &coordinator, "Per Pind").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let researcher = {
        app.gql_ok(
            Some(&admin),
            "mutation { inviteUser(input: { email: \"forsker@example.dk\", displayName: \"Forsker\", roles: [RESEARCHER] }) { user { id } } }",
            json!({}),
        )
        .await;
        app.token("helsingor", "forsker@example.dk").await
    };
    let citizen = citizen_user(&app, &admin, "borger2@example.dk").await;
    let list = "{ citizens(purpose: COORDINATION) { edges { node { name } } } }";
    let read = json!({ "id": id, "purpose": "COORDINATION" });
    for (who, token) in [
        ("peer", app.token("helsingor", "peer@helsingor.demo").await),
        (
            "referrer",
            app.token("helsingor", "caseworker@helsingor.demo").await,
        ),
        ("researcher", researcher),
        ("citizen", citizen.clone()),
    ] {
        assert_eq!(
            app.gql_code(Some(&token), list, json!({})).await,
            "FORBIDDEN",
            "{who} lists"
        );
        assert_eq!(
            app.gql_code(Some(&token), CITIZEN, read.clone()).await,
            "FORBIDDEN",
            "{who} reads"
        );
        assert_eq!(
            app.gql_code(Some(&token), REGISTER, json!({ "name": "X" }))
                .await,
            "FORBIDDEN",
            "{who} registers"
        );
        assert_eq!(
            app.gql_code(Some(&token), AUDIT, json!({})).await,
            "FORBIDDEN",
            "{who} audits"
        );
    }
    assert_eq!(
        app.gql_code(Some(&coordinator), AUDIT, json!({})).await,
        "FORBIDDEN"
    );
    assert_eq!(app.gql_code(None, list, json!({})).await, "UNAUTHENTICATED");

    // A citizen manages their own record, consenting digitally only.
    let own = app
        .gql_ok(Some(&citizen), "mutation { registerSelf(input: { name: \"Ida Isaksen\", municipality: \"Helsingør\" }) { citizen { id } } }", json!({}))
        .await["registerSelf"]["citizen"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.gql_code(
            Some(&citizen),
            "mutation { registerSelf(input: { name: \"Igen\", municipality: \"H\" }) { citizen { id } } }",
            json!({})
        )
        .await,
        "CONFLICT"
    );
    let consent = "mutation($id: ID!, $e: ConsentEvidence!) { recordConsent(input: { citizenId: $id, purpose: RESEARCH_PARTICIPATION, given: true, evidence: $e }) { history { given } } }";
    app.gql_ok(
        Some(&citizen),
        consent,
        json!({ "id": own, "e": "DIGITAL" }),
    )
    .await;
    assert_eq!(
        app.gql_code(
            Some(&citizen),
            consent,
            json!({ "id": own, "e": "WRITTEN" })
        )
        .await,
        "VALIDATION"
    );
    assert_eq!(
        app.gql_code(Some(&citizen), consent, json!({ "id": id, "e": "DIGITAL" }))
            .await,
        "FORBIDDEN"
    );
    app.stop().await;
}

async fn another_tenants_citizens_do_not_exist(db: Db) {
    let app = TestApp::spawn(&db).await;
    let a = app.admin("helsingor").await;
    let b = app.admin("kobenhavn").await;
    let b_citizen = register(&app, &b, "Bo Bech").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (query, vars) in [
        (
            CITIZEN,
            json!({ "id": b_citizen, "purpose": "COORDINATION" }),
        ),
        (
            "mutation($id: ID!) { updateCitizen(input: { citizenId: $id, name: \"X\" }) { citizen { id } } }",
            json!({ "id": b_citizen }),
        ),
        (
            "mutation($id: ID!) { recordConsent(input: { citizenId: $id, purpose: CONTACT, given: false, evidence: WRITTEN }) { history { given } } }",
            json!({ "id": b_citizen }),
        ),
        (
            "mutation($id: ID!) { eraseCitizen(input: { citizenId: $id }) { citizen { id } } }",
            json!({ "id": b_citizen }),
        ),
        (
            "query($id: ID!) { citizenAccessLog(citizenId: $id) { edges { node { seq } } } }",
            json!({ "id": b_citizen }),
        ),
    ] {
        assert_eq!(
            app.gql_code(Some(&a), query, vars).await,
            "NOT_FOUND",
            "{query}"
        );
    }
    let listed = app
        .gql_ok(
            Some(&a),
            "{ citizens(purpose: COORDINATION, first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert!(!mentions(&listed["citizens"], &b_citizen));
    assert!(
        audit_of(&app, &a, &b_citizen).await.is_empty(),
        "B's audit entries are not A's"
    );
    // B's citizen is untouched.
    let data = app
        .gql_ok(
            Some(&b),
            CITIZEN,
            json!({ "id": b_citizen, "purpose": "COORDINATION" }),
        )
        .await;
    assert_eq!(data["citizen"]["name"], "Bo Bech");
    app.stop().await;
}

async fn a_database_dump_holds_no_citizen_name_in_clear(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let pseudonym = register(&app, &coordinator, "Vibeke Vestergaard-Hemmelig").await["pseudonym"]
        .as_str()
        .unwrap()
        .to_owned();
    // A citizen who refers themself from the citizen app, in their own words.
    let admin = app.admin("helsingor").await;
    let citizen = citizen_user(&app, &admin, "selvhenvist@example.dk").await;
    app.gql_ok(
        Some(&citizen),
        "mutation { registerSelf(input: { name: \"Quorra Selvstændig\", municipality: \"Helsingør\" }) { citizen { id } } }",
        json!({}),
    )
    .await;
    let offer = app
        .gql_ok(
            Some(&citizen),
            "{ offers(kind: ONE_TO_ONE, openOnly: true, first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["offers"]["edges"][0]["node"]["id"]
        .clone();
    app.gql_ok(
        Some(&citizen),
        "mutation($o: ID!) { referMyself(input: { offerId: $o, reason: \"Ensomhed-efter-indlæggelse\" }) { created } }",
        json!({ "o": offer }),
    )
    .await;
    let dump = app.dump().await;
    let contains = |needle: &str| dump.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        contains(&pseudonym),
        "the dump holds the citizen's row (control)"
    );
    for secret in [
        "Vestergaard-Hemmelig",
        "40 50 60 70",
        "Karen Kvistgaard",
        "Kvistgaard",
        "Quorra",
        "Ensomhed-efter-indlæggelse",
    ] {
        assert!(!contains(secret), "{secret} is in the dump in clear");
    }
    app.stop().await;
}

async fn a_tampered_or_removed_audit_entry_is_detected(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let chain = "{ auditChain { intact entries brokenAt reason } }";
    let report = app.gql_ok(Some(&admin), chain, json!({})).await;
    assert_eq!(report["auditChain"]["intact"], true, "{report}");
    let entries = report["auditChain"]["entries"].as_i64().unwrap();
    assert!(entries >= 10, "the seed was audited: {entries}");
    assert_eq!(
        app.gql_code(
            Some(&app.token("helsingor", "coordinator@helsingor.demo").await),
            chain,
            json!({})
        )
        .await,
        "FORBIDDEN"
    );

    let tenant = app.tenant_id("helsingor").await;
    let uuid = |t: &str| match app.settings.database_admin_url {
        Some(_) => format!("'{t}'"),
        None => format!("X'{}'", t.replace('-', "")),
    };
    let where_seq = |seq: i64| format!("tenant_id = {} AND seq = {seq}", uuid(&tenant.to_string()));

    // On PostgreSQL the application role cannot change or delete entries at all.
    if app.settings.database_admin_url.is_some() {
        let db = app.app_database().await;
        for sql in [
            format!(
                "UPDATE audit_entries SET purpose = 'AUDIT_REVIEW' WHERE {}",
                where_seq(2)
            ),
            format!("DELETE FROM audit_entries WHERE {}", where_seq(2)),
        ] {
            let err = peerbro_persistence::testing::unfiltered_execute(&db, tenant, &sql)
                .await
                .unwrap_err();
            assert!(err.contains("permission denied"), "{err}");
        }
        db.close().await;
    }

    // The owner can: the chain shows it.
    let changed = app
        .owner_execute(&format!(
            "UPDATE audit_entries SET purpose = 'AUDIT_REVIEW' WHERE {}",
            where_seq(2)
        ))
        .await;
    assert_eq!(changed, 1);
    let report = app.gql_ok(Some(&admin), chain, json!({})).await;
    assert_eq!(report["auditChain"]["intact"], false);
    assert_eq!(report["auditChain"]["brokenAt"], 2);
    assert_eq!(report["auditChain"]["reason"], "entry was altered");

    app.owner_execute(&format!("DELETE FROM audit_entries WHERE {}", where_seq(2)))
        .await;
    let report = app.gql_ok(Some(&admin), chain, json!({})).await;
    assert_eq!(report["auditChain"]["brokenAt"], 2);
    assert_eq!(report["auditChain"]["reason"], "entry missing");

    // The other tenant's chain is untouched.
    let other = app.admin("kobenhavn").await;
    let report = app.gql_ok(Some(&other), chain, json!({})).await;
    assert_eq!(report["auditChain"]["intact"], true);
    app.stop().await;
}

/// The adapter tells a taken pseudonym from a taken user account on both databases, so that
/// the use case draws again instead of answering "already registered" (a real collision, forced
/// by a scripted random source over the real adapter and database).
async fn a_taken_pseudonym_is_drawn_again_over_the_real_database(db: Db) {
    use std::sync::{Arc, Mutex};

    use peerbro_domain::clock::SystemClock;
    use peerbro_domain::people::{
        CitizenInput, NewCitizen, PSEUDONYM_BYTES, PeopleService, Pseudonym, PseudonymSource,
    };
    use peerbro_domain::privacy::Purpose;
    use peerbro_domain::{Conflict, DomainError, RequestContext};
    use peerbro_persistence::{SeaAuditLog, SeaCitizenRepository, SeaTransactions};

    let app = TestApp::spawn(&db).await;
    let tenant = app.tenant_id("helsingor").await;
    let database = app.app_database().await;
    let master = peerbro_api::wiring::master_key(&app.settings).unwrap();
    let vault = peerbro_api::wiring::vault(&app.settings, &master);
    let citizens = Arc::new(SeaCitizenRepository::new(database.clone(), vault.clone()));
    let transactions = Arc::new(SeaTransactions::new(database.clone(), vault));
    let taken = [11u8; PSEUDONYM_BYTES];
    let fresh = [12u8; PSEUDONYM_BYTES];
    let people = |script: Vec<[u8; PSEUDONYM_BYTES]>| {
        let script = Arc::new(Mutex::new(script));
        let source: PseudonymSource = Arc::new(move || script.lock().unwrap().remove(0));
        PeopleService::new(
            citizens.clone(),
            transactions.clone(),
            Arc::new(SeaAuditLog::new(database.clone())),
            Arc::new(SystemClock),
            source,
        )
    };
    let ctx = RequestContext::system(tenant);
    let details = |name: &str| {
        NewCitizen::parse(
            None,
            CitizenInput {
                name,
                contact: None,
                birth_year: None,
                municipality: "Helsingør",
            },
        )
        .unwrap()
    };
    let first = people(vec![taken])
        .register_citizen(
            &ctx,
            details("Første Borger"),
            vec![],
            Purpose::Coordination,
        )
        .await
        .unwrap();
    assert_eq!(first.pseudonym, Pseudonym::from_random(taken));
    let second = people(vec![taken, fresh])
        .register_citizen(&ctx, details("Anden Borger"), vec![], Purpose::Coordination)
        .await
        .unwrap();
    assert_eq!(second.pseudonym, Pseudonym::from_random(fresh));
    let got = people(vec![taken, taken, taken])
        .register_citizen(
            &ctx,
            details("Tredje Borger"),
            vec![],
            Purpose::Coordination,
        )
        .await;
    assert!(
        matches!(got, Err(DomainError::Conflict(Conflict::PseudonymTaken))),
        "{got:?}"
    );
    let stored = app
        .owner_texts(&format!(
            "SELECT pseudonym AS v FROM citizens WHERE pseudonym IN ('{}', '{}')",
            first.pseudonym.as_str(),
            second.pseudonym.as_str()
        ))
        .await;
    assert_eq!(stored.len(), 2);
    database.close().await;
    app.stop().await;
}

on_both!(
    a_taken_pseudonym_is_drawn_again_over_the_real_database,
    a_coordinator_registers_reads_corrects_and_an_admin_erases_a_citizen,
    every_read_of_personal_data_is_audited_with_its_purpose,
    only_the_right_roles_reach_citizens,
    another_tenants_citizens_do_not_exist,
    a_database_dump_holds_no_citizen_name_in_clear,
    a_tampered_or_removed_audit_entry_is_detected,
);
