//! GraphQL documents are measured before they run: a few hundred bytes that expand to millions
//! of fields are refused at once, every limit holds at its value and refuses one past it, and
//! the standard introspection query of graphql-js still fits the defaults.

use peerbro_tests::{Db, StatusCode, TestApp, on_both};
use serde_json::{Value, json};

/// 22 levels of fragments, each spreading the one below twice, down to `__typename`: 4,194,304
/// fields once expanded (the document from the issue).
const FRAGMENT_BOMB: &str = include_str!("../../fixtures/fragment-bomb.graphql");

/// The refusal's `(limit, figure, max)`.
async fn refusal(app: &TestApp, token: Option<&str>, query: &str) -> (String, u64, u64) {
    let (status, body) = app.gql(token, query, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["data"].is_null(), "nothing ran: {body}");
    let ext = &body["errors"][0]["extensions"];
    assert_eq!(ext["code"], "VALIDATION", "{body}");
    (
        ext["limit"].as_str().unwrap_or_default().to_owned(),
        ext["figure"].as_u64().unwrap_or_default(),
        ext["max"].as_u64().unwrap_or_default(),
    )
}

async fn runs(app: &TestApp, token: Option<&str>, query: &str) -> Value {
    app.gql_ok(token, query, json!({})).await
}

async fn fragment_bombs_are_refused_before_they_run(db: Db) {
    let app = TestApp::spawn(&db).await;
    let bomb = FRAGMENT_BOMB;
    assert!(bomb.len() < 1000);
    // Anonymous, as found: counted with every fragment expanded, `__typename` included.
    assert_eq!(
        refusal(&app, None, bomb).await,
        ("fields".to_owned(), 4_194_304, 2000)
    );
    let admin = app.admin("helsingor").await;
    assert_eq!(refusal(&app, Some(&admin), bomb).await.0, "fields");
    // A cycle and an unknown fragment are refused too, without looping.
    let (_, body) = app
        .gql(
            None,
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
            json!({}),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "VALIDATION");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("spreads itself")
    );
    // The server is still answering.
    let res = app
        .request(reqwest::Method::GET, "/healthz")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.stop().await;
}

async fn the_standard_introspection_query_fits_the_default_limits(db: Db) {
    let app = TestApp::spawn(&db).await;
    // getIntrospectionQuery() of graphql-js 16.15, as codegen and GraphiQL send it (depth 15
    // through the TypeRef fragment), with default options and with every option on.
    for query in [
        include_str!("../../fixtures/introspection-graphql-js-16.graphql"),
        include_str!("../../fixtures/introspection-graphql-js-16-all-options.graphql"),
    ] {
        let data = runs(&app, None, query).await;
        let types = data["__schema"]["types"].as_array().unwrap();
        assert!(types.iter().any(|t| t["name"] == "Referral"));
        assert_eq!(data["__schema"]["queryType"]["name"], "Query");
    }
    app.stop().await;
}

fn nested_of_type(levels: usize) -> String {
    // __schema (1) > queryType (2) > ofType × levels > name
    format!(
        "{{ __schema {{ queryType {{ {}name{} }} }} }}",
        "ofType { ".repeat(levels),
        " }".repeat(levels)
    )
}

async fn each_document_limit_holds_at_its_value_and_refuses_one_past_it(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let token = Some(admin.as_str());

    // Depth 20.
    runs(&app, token, &nested_of_type(17)).await;
    assert_eq!(
        refusal(&app, token, &nested_of_type(18)).await,
        ("depth".to_owned(), 21, 20)
    );

    // 50 aliases.
    let aliases = |n: usize| {
        let fields: String = (0..n).map(|i| format!("a{i}: __typename ")).collect();
        format!("{{ {fields}}}")
    };
    runs(&app, token, &aliases(50)).await;
    assert_eq!(
        refusal(&app, token, &aliases(51)).await,
        ("aliases".to_owned(), 51, 50)
    );

    // 2000 fields.
    let fields = |n: usize| format!("{{ {}}}", "__typename ".repeat(n));
    runs(&app, token, &fields(2000)).await;
    assert_eq!(
        refusal(&app, token, &fields(2001)).await,
        ("fields".to_owned(), 2001, 2000)
    );

    // 200 fragment spreads.
    let spreads = |n: usize| {
        format!(
            "{{ {}}} fragment T on Query {{ __typename }}",
            "...T ".repeat(n)
        )
    };
    runs(&app, token, &spreads(200)).await;
    assert_eq!(
        refusal(&app, token, &spreads(201)).await,
        ("fragment spreads".to_owned(), 201, 200)
    );

    // Cost 10,000: a page costs its size; 33 pages of 100 offers at 3 a row, plus 100 more.
    let pages = |extra: usize| {
        let pages: String = (0..33)
            .map(|i| format!("p{i}: offers(first: 100) {{ pageInfo {{ hasNextPage }} }} "))
            .collect();
        format!("{{ {pages}{}}}", "__typename ".repeat(extra))
    };
    runs(&app, token, &pages(100)).await;
    assert_eq!(
        refusal(&app, token, &pages(101)).await,
        ("cost".to_owned(), 10_001, 10_000)
    );
    app.stop().await;
}

async fn floods_in_one_document_are_refused_and_personal_reads_cost_more(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    // 120 aliased pages of 100 offers (the flood from the issue).
    let flood: String = (0..120)
        .map(|i| format!("o{i}: offers(first: 100) {{ edges {{ node {{ id title }} }} }} "))
        .collect();
    let (limit, _, _) = refusal(&app, Some(&coordinator), &format!("{{ {flood}}}")).await;
    assert_eq!(limit, "aliases");
    let (limit, figure, _) = refusal(
        &app,
        Some(&coordinator),
        &format!("{{ {} }}", &flood[..flood.find("o40:").unwrap()]),
    )
    .await;
    assert_eq!(limit, "cost");
    assert_eq!(figure, 40 * 100 * 5);

    // One page of citizens with names is allowed; two are not: each audited read weighs 50.
    let audit_count = || async {
        // Sealed and still pending (ADR 0019).
        app.owner_texts(
            "SELECT CAST((SELECT count(*) FROM audit_entries) \
             + (SELECT count(*) FROM audit_pending) AS TEXT) AS v",
        )
        .await
        .remove(0)
    };
    let page = "citizens(purpose: COORDINATION, first: 100) { edges { node { name } } }";
    runs(&app, Some(&coordinator), &format!("{{ {page} }}")).await;
    let before = audit_count().await;
    let (limit, figure, _) = refusal(
        &app,
        Some(&coordinator),
        &format!("{{ a: {page} b: {page} }}"),
    )
    .await;
    assert_eq!(limit, "cost");
    assert_eq!(figure, 2 * 100 * (50 + 3));
    assert_eq!(audit_count().await, before, "a refused read is not audited");
    app.stop().await;
}

on_both!(
    fragment_bombs_are_refused_before_they_run,
    the_standard_introspection_query_fits_the_default_limits,
    each_document_limit_holds_at_its_value_and_refuses_one_past_it,
    floods_in_one_document_are_refused_and_personal_reads_cost_more,
);
