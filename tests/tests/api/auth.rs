//! JWT verification: every way a token can be wrong is refused with 401 / `UNAUTHENTICATED`.

use std::path::PathBuf;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use peerbro_api::config::JwtAlgorithm;
use peerbro_tests::{Db, StatusCode, TestApp, on_both, test_settings};
use serde_json::{Value, json};

const ME: &str = "{ me { email roles } }";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/jwt")
        .join(name)
}

fn claims(
    tenant: &str,
    sub: &str,
    iss: &str,
    aud: &str,
    exp_offset: i64,
    nbf_offset: i64,
) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": sub, "tenant": tenant, "iss": iss, "aud": aud,
        "exp": now + exp_offset, "nbf": now + nbf_offset, "iat": now,
    })
}

fn hs256(secret: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn dev_key(app: &TestApp) -> Vec<u8> {
    use base64::Engine as _;
    let text = std::fs::read_to_string(app.settings.jwt_dev_key_file.as_ref().unwrap()).unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .unwrap()
}

async fn assert_refused(app: &TestApp, token: &str, why: &str) {
    let (status, body) = app.gql(Some(token), ME, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{why}"
    );
    let res = app
        .request(reqwest::Method::GET, "/api/v1/organisations")
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{why} (REST)");
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
}

async fn a_good_token_answers_me_and_no_token_is_anonymous(db: Db) {
    let app = TestApp::spawn(&db).await;
    let token = app.admin("helsingor").await;
    let data = app.gql_ok(Some(&token), ME, json!({})).await;
    assert_eq!(data["me"]["email"], "admin@helsingor.demo");
    assert_eq!(data["me"]["roles"], json!(["TENANT_ADMIN"]));

    let data = app.gql_ok(None, ME, json!({})).await;
    assert_eq!(data["me"], Value::Null);
    let code = app.gql_code(None, "{ tenant { slug } }", json!({})).await;
    assert_eq!(code, "UNAUTHENTICATED");
    app.stop().await;
}

async fn every_kind_of_bad_token_is_refused(db: Db) {
    let app = TestApp::spawn(&db).await;
    let key = dev_key(&app);
    let tenant = app.tenant_id("helsingor").await.to_string();
    let other_tenant = app.tenant_id("kobenhavn").await.to_string();
    let user = app
        .user_id("helsingor", "admin@helsingor.demo")
        .await
        .to_string();
    let good = claims(&tenant, &user, "peerbro", "peerbro", 600, 0);

    // The control: the same construction with the right key verifies.
    let (status, body) = app.gql(Some(&hs256(&key, &good)), ME, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // An audience array that includes ours verifies; one that does not is refused.
    let mut many = good.clone();
    many["aud"] = json!(["another-api", "peerbro"]);
    let (status, body) = app.gql(Some(&hs256(&key, &many)), ME, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    many["aud"] = json!(["another-api"]);
    assert_refused(&app, &hs256(&key, &many), "audience array without ours").await;

    // alg "none": an unsigned token.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let unsigned = format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(good.to_string())
    );
    assert_refused(&app, &unsigned, "alg none").await;
    assert_refused(
        &app,
        &hs256(b"some other key of thirty-two bytes!!", &good),
        "wrong key",
    )
    .await;
    assert_refused(
        &app,
        &hs256(
            &key,
            &claims(&tenant, &user, "peerbro", "peerbro", -3600, -7200),
        ),
        "expired",
    )
    .await;
    assert_refused(
        &app,
        &hs256(
            &key,
            &claims(&tenant, &user, "peerbro", "peerbro", 7200, 3600),
        ),
        "not yet valid",
    )
    .await;
    assert_refused(
        &app,
        &hs256(
            &key,
            &claims(&tenant, &user, "peerbro", "someone-else", 600, 0),
        ),
        "wrong aud",
    )
    .await;
    assert_refused(
        &app,
        &hs256(&key, &claims(&tenant, &user, "evil", "peerbro", 600, 0)),
        "wrong iss",
    )
    .await;
    assert_refused(
        &app,
        &hs256(
            &key,
            &claims(&other_tenant, &user, "peerbro", "peerbro", 600, 0),
        ),
        "tenant the user is not a member of",
    )
    .await;
    assert_refused(
        &app,
        &hs256(
            &key,
            &claims(
                &tenant,
                &uuid::Uuid::now_v7().to_string(),
                "peerbro",
                "peerbro",
                600,
                0,
            ),
        ),
        "unknown subject",
    )
    .await;
    assert_refused(&app, "not-a-jwt", "garbage").await;
    let mut no_exp = good.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_refused(&app, &hs256(&key, &no_exp), "no exp").await;

    let res = app
        .request(reqwest::Method::GET, "/api/v1/organisations")
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "non-bearer scheme");
    app.stop().await;
}

async fn asymmetric_keys_verify_their_own_tokens_and_refuse_hs256_confusion(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.jwt_algorithm = Some(JwtAlgorithm::EdDSA);
    settings.jwt_public_key_file = Some(fixture("ed25519-public.pem"));
    settings.jwt_private_key_file = Some(fixture("ed25519-private.pem"));
    settings.jwt_dev_key_file = None;
    let app = TestApp::spawn_with(settings).await;

    let token = app.admin("helsingor").await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    let data = app.gql_ok(Some(&token), ME, json!({})).await;
    assert_eq!(data["me"]["email"], "admin@helsingor.demo");

    // The classic confusion attack: HS256 keyed with the public key's bytes.
    let tenant = app.tenant_id("helsingor").await.to_string();
    let user = app
        .user_id("helsingor", "admin@helsingor.demo")
        .await
        .to_string();
    let public_pem = std::fs::read(fixture("ed25519-public.pem")).unwrap();
    let forged = hs256(
        &public_pem,
        &claims(&tenant, &user, "peerbro", "peerbro", 600, 0),
    );
    assert_refused(&app, &forged, "HS256 against an EdDSA key").await;
    app.stop().await;
}

async fn a_jwks_file_selects_the_key_by_kid(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.jwt_algorithm = Some(JwtAlgorithm::EdDSA);
    settings.jwt_jwks_file = Some(fixture("jwks.json"));
    settings.jwt_private_key_file = Some(fixture("ed25519-private.pem"));
    settings.jwt_key_id = Some("test-key-1".to_owned());
    settings.jwt_dev_key_file = None;
    let app = TestApp::spawn_with(settings).await;

    let token = app.admin("helsingor").await;
    assert_eq!(
        jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(),
        Some("test-key-1")
    );
    let data = app.gql_ok(Some(&token), ME, json!({})).await;
    assert_eq!(data["me"]["email"], "admin@helsingor.demo");

    let tenant = app.tenant_id("helsingor").await.to_string();
    let user = app
        .user_id("helsingor", "admin@helsingor.demo")
        .await
        .to_string();
    let key =
        EncodingKey::from_ed_pem(&std::fs::read(fixture("ed25519-private.pem")).unwrap()).unwrap();
    for kid in [Some("unknown-key"), None] {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = kid.map(str::to_owned);
        let token = jsonwebtoken::encode(
            &header,
            &claims(&tenant, &user, "peerbro", "peerbro", 600, 0),
            &key,
        )
        .unwrap();
        assert_refused(&app, &token, "unknown or missing kid").await;
    }
    app.stop().await;
}

async fn a_revoked_role_stops_working_while_the_token_is_still_valid(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let users = "{ users(first: 5) { edges { node { email } } } }";
    app.gql_ok(Some(&coordinator), users, json!({})).await;

    let id = app
        .user_id("helsingor", "coordinator@helsingor.demo")
        .await
        .to_string();
    app.gql_ok(
        Some(&admin),
        "mutation($id: ID!) { revokeRole(input: { userId: $id, role: COORDINATOR }) { user { roles } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        app.gql_code(Some(&coordinator), users, json!({})).await,
        "FORBIDDEN"
    );
    app.stop().await;
}

on_both!(
    a_good_token_answers_me_and_no_token_is_anonymous,
    every_kind_of_bad_token_is_refused,
    asymmetric_keys_verify_their_own_tokens_and_refuse_hs256_confusion,
    a_jwks_file_selects_the_key_by_kid,
    a_revoked_role_stops_working_while_the_token_is_still_valid,
);
