//! What measuring a GraphQL document costs the server: the fragment bomb of issue 8 (4,194,304
//! fields once expanded) and graphql-js's introspection query, analysed as the cost extension
//! does before async-graphql sees them. Run with `cargo bench -p peerbro --bench graphql_cost`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_graphql::Variables;
use criterion::{Criterion, criterion_group, criterion_main};
use peerbro_api::graphql::cost::{CostModel, analyse};

fn cost(c: &mut Criterion) {
    let model = CostModel::from_sdl(&peerbro_api::graphql::sdl()).unwrap();
    let variables = Variables::default();
    for (name, query) in [
        (
            "fragment bomb: parse and measure",
            include_str!("../../tests/fixtures/fragment-bomb.graphql"),
        ),
        (
            "introspection: parse and measure",
            include_str!("../../tests/fixtures/introspection-graphql-js-16.graphql"),
        ),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| {
                let doc = async_graphql::parser::parse_query(query).unwrap();
                analyse(&model, &doc, &variables, 20).unwrap()
            });
        });
    }
}

criterion_group!(benches, cost);
criterion_main!(benches);
