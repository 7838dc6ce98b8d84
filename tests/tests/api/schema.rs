//! `schema.graphql` is the exported SDL: it must not drift from the code.

#[test]
fn schema_graphql_equals_the_exported_sdl() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let exported = peerbro_api::graphql::sdl();
    assert!(
        committed == exported,
        "schema.graphql is out of date: run `cargo run -q -p peerbro -- schema > schema.graphql`"
    );
}
