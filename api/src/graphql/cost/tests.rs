//! The analysis on a small schema, and the limits' arithmetic.

use async_graphql::Variables;

use super::*;
use peerbro_domain::page::DEFAULT_PAGE_SIZE;

const SDL: &str = r#"
    type Query { offers(first: Int, last: Int): OfferConnection! offer(id: ID!): Offer
                 citizen(id: ID!, purpose: String!): Citizen! tags: [String!]! }
    type OfferConnection { edges: [OfferEdge!]! nodes: [Offer!]! totalCount: Int! }
    type OfferEdge { node: Offer! cursor: String! }
    type Offer { id: ID! name: String! sessions: [Session!]! }
    type Session { date: String! }
    type Citizen { name: String! }
    schema { query: Query }
"#;

fn cost(query: &str) -> Result<Cost, CostError> {
    let model = CostModel::from_sdl(SDL).unwrap();
    let doc = async_graphql::parser::parse_query(query).unwrap();
    analyse(&model, &doc, &Variables::default(), 64)
}

#[test]
fn fields_cost_one_and_pages_multiply() {
    let c = cost("{ offer(id: 1) { id name } }").unwrap();
    assert_eq!((c.nodes, c.cost, c.depth), (3, 3, 2));
    // 100 × (offers 1 + edges 1 + node 1 + id 1)
    let c = cost("{ offers(first: 100) { edges { node { id } } } }").unwrap();
    assert_eq!(c.cost, 400);
    // The default page when no size is given; nodes is the page too.
    let c = cost("{ offers { nodes { id } } }").unwrap();
    assert_eq!(c.cost, u64::from(DEFAULT_PAGE_SIZE) * 3);
    // An unpaged list outside a connection is an estimate.
    let c = cost("{ offer(id: 1) { sessions { date } } }").unwrap();
    assert_eq!(c.cost, 1 + LIST_ESTIMATE * 2);
    // A variable sizes the page; sizes past the maximum count as the maximum.
    let model = CostModel::from_sdl(SDL).unwrap();
    let doc = async_graphql::parser::parse_query(
        "query($n: Int = 7) { offers(first: $n) { totalCount } }",
    )
    .unwrap();
    assert_eq!(
        analyse(&model, &doc, &Variables::default(), 64)
            .unwrap()
            .cost,
        14
    );
    let vars = Variables::from_json(serde_json::json!({ "n": 100_000 }));
    assert_eq!(analyse(&model, &doc, &vars, 64).unwrap().cost, 200);
}

#[test]
fn personal_reads_weigh_more_and_aliases_count() {
    let c =
        cost("{ a: citizen(id: 1, purpose: X) { name } b: citizen(id: 2, purpose: X) { name } }")
            .unwrap();
    assert_eq!(c.cost, 2 * (PERSONAL_WEIGHT + 1));
    assert_eq!(c.aliases, 2);
}

#[test]
fn typename_counts_and_fragments_are_expanded_but_computed_once() {
    let c = cost("{ __typename offer(id: 1) { __typename } }").unwrap();
    assert_eq!(c.nodes, 3);
    // Each level spreads the previous twice: 2^22 `__typename`s in a few hundred bytes.
    let q = include_str!("../../../../tests/fixtures/fragment-bomb.graphql");
    let c = cost(q).unwrap();
    assert_eq!(c.nodes, 1 << 22);
    assert_eq!(c.spreads, (1 << 23) - 1);
}

#[test]
fn depth_follows_fragments_and_stops_the_walk() {
    let c = cost("{ offer(id: 1) { ...S } } fragment S on Offer { sessions { date } }").unwrap();
    assert_eq!(c.depth, 3);
    let model = CostModel::from_sdl(SDL).unwrap();
    let doc = async_graphql::parser::parse_query("{ offer(id: 1) { sessions { date } } }").unwrap();
    assert_eq!(
        analyse(&model, &doc, &Variables::default(), 2),
        Err(CostError::TooDeep(3))
    );
}

#[test]
fn cycles_and_unknown_fragments_are_refused() {
    assert_eq!(
        cost("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
        Err(CostError::FragmentCycle("A".to_owned()))
    );
    assert_eq!(
        cost("{ ...Nope }"),
        Err(CostError::UnknownFragment("Nope".to_owned()))
    );
}

#[test]
fn limits_name_the_first_figure_over() {
    let c = Cost {
        depth: 3,
        nodes: 10,
        aliases: 0,
        spreads: 0,
        cost: 600,
    };
    let limits = CostLimits {
        depth: 3,
        nodes: 10,
        aliases: 0,
        spreads: 0,
        cost: 600,
    };
    assert_eq!(c.exceeds(&limits), None);
    let over = CostLimits {
        cost: 599,
        ..limits
    };
    assert_eq!(c.exceeds(&over), Some(("cost", 600, 599)));
}

#[test]
fn labels_use_schema_names_only() {
    let model = CostModel::from_sdl(SDL).unwrap();
    let label = |q: &str| {
        operation_label(
            &model,
            &async_graphql::parser::parse_query(q).unwrap(),
            None,
        )
    };
    assert_eq!(label("{ offers { totalCount } }"), "query.offers");
    assert_eq!(label("{ x: offer(id: 1) { id } }"), "query.offer");
    assert_eq!(label("{ secretName }"), "query.unknown");
    assert_eq!(
        label("{ __schema { types { name } } }"),
        "query.introspection"
    );
    assert_eq!(label("{ a: offer(id: 1) { id } tags }"), "query.(several)");
}
