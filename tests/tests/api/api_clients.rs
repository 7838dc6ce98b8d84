//! Partner API clients: tenant admins register them for an organisation; the partner gets a
//! token with the client-credentials grant and acts as a referrer of that organisation only;
//! rotation keeps the old secret for a grace period; revocation stops everything at once.

use base64::Engine as _;
use peerbro_tests::{Db, StatusCode, TestApp, on_both};
use reqwest::Method;
use serde_json::{Value, json};

const REGISTER: &str = "mutation($input: RegisterApiClientInput!) { registerApiClient(input: $input) { clientSecret client { id clientId name organisation { id kind } revokedAt } } }";

async fn organisation(app: &TestApp, admin: &str, kind: &str) -> String {
    let data = app
        .gql_ok(
            Some(admin),
            "{ organisations(first: 100) { edges { node { id kind } } } }",
            json!({}),
        )
        .await;
    data["organisations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["kind"] == kind)
        .unwrap()["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn token_form(app: &TestApp, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let res = app
        .request(Method::POST, "/api/v1/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert_eq!(res.headers()["cache-control"].to_str().unwrap(), "no-store");
    (status, res.json().await.unwrap())
}

fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn exchange(app: &TestApp, id: &str, secret: &str) -> (StatusCode, Value) {
    token_form(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await
}

async fn submit(app: &TestApp, token: &str, name: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/referrals")
        .bearer_auth(token)
        .json(&json!({
            "newCitizen": { "name": name, "municipality": "Helsingør" },
            "consentEvidence": "WRITTEN",
        }))
        .send()
        .await
        .unwrap()
}

async fn partners_exchange_credentials_and_act_for_their_organisation_only(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let bostotte = organisation(&app, &admin, "BOSTOTTE_TEAM").await;
    let ngo = organisation(&app, &admin, "NGO").await;

    let registered = app
        .gql_ok(
            Some(&admin),
            REGISTER,
            json!({ "input": { "organisationId": bostotte, "name": "Bostøtte fagsystem" } }),
        )
        .await;
    let client = &registered["registerApiClient"];
    let client_id = client["client"]["clientId"].as_str().unwrap().to_owned();
    let secret = client["clientSecret"].as_str().unwrap().to_owned();
    let id = client["client"]["id"].as_str().unwrap().to_owned();
    assert!(client_id.starts_with("pbc_") && secret.starts_with("pbs_"));
    assert_eq!(client["client"]["organisation"]["id"], bostotte.as_str());
    assert_eq!(client["client"]["organisation"]["kind"], "BOSTOTTE_TEAM");

    // Secret in the form body.
    let (status, body) = exchange(&app, &client_id, &secret).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap().to_owned();

    // HTTP Basic works the same.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
    let res = app
        .request(Method::POST, "/api/v1/oauth/token")
        .header("authorization", format!("Basic {basic}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // The client acts as a referrer of its organisation.
    let res = submit(&app, &token, "Partner Borger").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let referral: Value = res.json().await.unwrap();
    let res = app
        .request(Method::GET, "/api/v1/referrals")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let list: Value = res.json().await.unwrap();
    let ids: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(
        ids,
        vec![referral["id"].clone()],
        "only its organisation's referrals"
    );
    // …and as nothing more: no admin or coordinator operation.
    let res = app
        .request(Method::POST, "/api/v1/organisations")
        .bearer_auth(&token)
        .json(&json!({ "name": "Nyt team", "kind": "OTHER" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.gql_code(
            Some(&token),
            "{ referralWorklist { edges { node { id } } } }",
            json!({})
        )
        .await,
        "FORBIDDEN"
    );

    // A referral submitted by a person in another organisation stays invisible to it.
    let ngo_client = app
        .gql_ok(
            Some(&admin),
            REGISTER,
            json!({ "input": { "organisationId": ngo, "name": "NGO system" } }),
        )
        .await;
    let (_, ngo_token) = exchange(
        &app,
        ngo_client["registerApiClient"]["client"]["clientId"]
            .as_str()
            .unwrap(),
        ngo_client["registerApiClient"]["clientSecret"]
            .as_str()
            .unwrap(),
    )
    .await;
    let res = app
        .request(
            Method::GET,
            &format!("/api/v1/referrals/{}", referral["id"].as_str().unwrap()),
        )
        .bearer_auth(ngo_token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Bad requests get OAuth errors and no token.
    for (form, status, error) in [
        (
            vec![
                ("grant_type", "password"),
                ("client_id", client_id.as_str()),
                ("client_secret", secret.as_str()),
            ],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            vec![
                ("client_id", client_id.as_str()),
                ("client_secret", secret.as_str()),
            ],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", client_id.as_str()),
                ("client_secret", "pbs_wrong"),
            ],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "pbc_nonsense"),
                ("client_secret", secret.as_str()),
            ],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            vec![("grant_type", "client_credentials")],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
    ] {
        let (got, body) = token_form(&app, &form).await;
        assert_eq!(
            (got, body["error"].as_str().unwrap()),
            (status, error),
            "{form:?}"
        );
        assert!(body.get("access_token").is_none());
    }
    // Another tenant's id with this secret: invalid_client.
    let other_tenant = app.tenant_id("kobenhavn").await;
    let forged = format!(
        "pbc_{}_{}",
        other_tenant.as_uuid().simple(),
        id.replace('-', "")
    );
    assert_eq!(
        exchange(&app, &forged, &secret).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Rotation: the new secret works, the old one still works during the grace period.
    let rotated = app
        .gql_ok(
            Some(&admin),
            "mutation($id: ID!) { rotateApiClientSecret(input: { apiClientId: $id }) { clientSecret client { secretRotatedAt } } }",
            json!({ "id": id }),
        )
        .await;
    let new_secret = rotated["rotateApiClientSecret"]["clientSecret"]
        .as_str()
        .unwrap();
    assert_ne!(new_secret, secret);
    assert_eq!(
        exchange(&app, &client_id, new_secret).await.0,
        StatusCode::OK
    );
    assert_eq!(exchange(&app, &client_id, &secret).await.0, StatusCode::OK);

    // Revocation: no new tokens, and the token in hand stops working at once.
    app.gql_ok(
        Some(&admin),
        "mutation($id: ID!) { revokeApiClient(input: { apiClientId: $id }) { apiClient { revokedAt } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        exchange(&app, &client_id, new_secret).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        submit(&app, &token, "Efter Tilbagekald").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.gql_code(
            Some(&admin),
            "mutation($id: ID!) { rotateApiClientSecret(input: { apiClientId: $id }) { clientSecret } }",
            json!({ "id": id })
        )
        .await,
        "CONFLICT"
    );
    app.stop().await;
}
on_both!(partners_exchange_credentials_and_act_for_their_organisation_only);

async fn only_tenant_admins_manage_api_clients(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let bostotte = organisation(&app, &admin, "BOSTOTTE_TEAM").await;
    let input = json!({ "input": { "organisationId": bostotte, "name": "System" } });
    for email in [
        "coordinator@helsingor.demo",
        "caseworker@helsingor.demo",
        "peer@helsingor.demo",
    ] {
        let token = app.token("helsingor", email).await;
        assert_eq!(
            app.gql_code(Some(&token), REGISTER, input.clone()).await,
            "FORBIDDEN"
        );
        assert_eq!(
            app.gql_code(
                Some(&token),
                "{ apiClients { edges { node { id } } } }",
                json!({})
            )
            .await,
            "FORBIDDEN"
        );
    }
    // Validation: an empty or long name, an organisation of another tenant.
    for name in ["  ", &"n".repeat(101)] {
        assert_eq!(
            app.gql_code(
                Some(&admin),
                REGISTER,
                json!({ "input": { "organisationId": bostotte, "name": name } })
            )
            .await,
            "VALIDATION"
        );
    }
    let other = app.admin("kobenhavn").await;
    assert_eq!(
        app.gql_code(Some(&other), REGISTER, input.clone()).await,
        "NOT_FOUND"
    );
    let registered = app.gql_ok(Some(&admin), REGISTER, input).await;
    let id = registered["registerApiClient"]["client"]["id"].clone();
    for query in [
        "query($id: ID!) { apiClient(id: $id) { id } }",
        "mutation($id: ID!) { rotateApiClientSecret(input: { apiClientId: $id }) { clientSecret } }",
        "mutation($id: ID!) { revokeApiClient(input: { apiClientId: $id }) { apiClient { id } } }",
    ] {
        assert_eq!(
            app.gql_code(Some(&other), query, json!({ "id": id })).await,
            "NOT_FOUND",
            "{query}"
        );
    }
    let list = app
        .gql_ok(
            Some(&admin),
            "{ apiClients { edges { node { id name revokedAt } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["apiClients"]["edges"].as_array().unwrap().len(), 1);
    app.stop().await;
}
on_both!(only_tenant_admins_manage_api_clients);
