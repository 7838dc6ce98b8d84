//! What a GraphQL document costs, decided before it is validated or executed.
//!
//! async-graphql's own depth and complexity rules walk the document with every fragment
//! spread expanded in place and do not count `__typename`, so a document of a few hundred
//! bytes whose fragments each spread the previous one twice expands to millions of fields:
//! validating and executing it burns seconds of CPU. Here the parsed document is measured
//! once, each fragment's cost computed once and reused wherever it is spread (memoised), so the
//! analysis is linear in the size of the document while the figures it produces are those of
//! the fully expanded document. A document over any limit is refused with `VALIDATION` before
//! async-graphql looks at it.
//!
//! The figures, each with its own limit:
//! - **depth**: the deepest field nesting;
//! - **nodes**: fields in the expanded document, `__typename` and introspection included;
//! - **aliases** and **fragment spreads** in the expanded document;
//! - **cost**: every field costs its weight plus its children's cost, times the number of
//!   items it may return: a paged field (`first`/`last`) its page size (the given one, else
//!   the default), any other list an estimate; a read of personal data (a field that states an
//!   access `purpose`, or a peer's or citizen's own record) weighs more than other fields.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, FragmentDefinition, OperationType, Selection, SelectionSet, Type,
    TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, Positioned, Request, ServerError, ServerResult, Variables};
use async_graphql_value::{ConstValue, Value};
use peerbro_domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// What one read of personal data weighs, against 1 for any other field.
pub const PERSONAL_WEIGHT: u64 = 50;
/// How many items an unpaged list is assumed to hold.
pub const LIST_ESTIMATE: u64 = 10;
/// Fields that read personal data without stating a purpose (own records, a peer's match).
const PERSONAL_WITHOUT_PURPOSE: [&str; 3] = ["matchCitizen", "myCitizen", "myPeerProfile"];
/// Fragment definitions a document may hold.
pub const MAX_FRAGMENTS: usize = 100;

/// The limits a document must stay within.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CostLimits {
    /// Deepest field nesting.
    pub depth: u64,
    /// Fields in the expanded document.
    pub nodes: u64,
    /// Aliased fields in the expanded document.
    pub aliases: u64,
    /// Fragment spreads in the expanded document.
    pub spreads: u64,
    /// Weighted cost.
    pub cost: u64,
}

impl CostLimits {
    /// No limits (exporting the schema).
    #[must_use]
    pub const fn unlimited() -> Self {
        Self {
            depth: u64::MAX,
            nodes: u64::MAX,
            aliases: u64::MAX,
            spreads: u64::MAX,
            cost: u64::MAX,
        }
    }
}

/// The figures of a document (of its most expensive operation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Deepest field nesting.
    pub depth: u64,
    /// Fields, expanded.
    pub nodes: u64,
    /// Aliases, expanded.
    pub aliases: u64,
    /// Fragment spreads, expanded.
    pub spreads: u64,
    /// Weighted cost.
    pub cost: u64,
}

impl Cost {
    fn add(&mut self, other: &Self) {
        self.depth = self.depth.max(other.depth);
        self.nodes = self.nodes.saturating_add(other.nodes);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.spreads = self.spreads.saturating_add(other.spreads);
        self.cost = self.cost.saturating_add(other.cost);
    }

    fn max(&mut self, other: &Self) {
        self.depth = self.depth.max(other.depth);
        self.nodes = self.nodes.max(other.nodes);
        self.aliases = self.aliases.max(other.aliases);
        self.spreads = self.spreads.max(other.spreads);
        self.cost = self.cost.max(other.cost);
    }

    /// The first limit this cost exceeds: (setting, figure, limit).
    #[must_use]
    pub fn exceeds(&self, limits: &CostLimits) -> Option<(&'static str, u64, u64)> {
        [
            ("depth", self.depth, limits.depth),
            ("fields", self.nodes, limits.nodes),
            ("aliases", self.aliases, limits.aliases),
            ("fragment spreads", self.spreads, limits.spreads),
            ("cost", self.cost, limits.cost),
        ]
        .into_iter()
        .find(|(_, figure, limit)| figure > limit)
    }
}

/// What the cost model knows of one field of one type.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FieldInfo {
    /// The named type it returns.
    ty: String,
    /// Takes `first`/`last`.
    paged: bool,
    /// Returns a list.
    list: bool,
    /// Reads personal data.
    personal: bool,
}

/// The schema, reduced to what costing needs; built once from the SDL.
#[derive(Clone, Debug, Default)]
pub struct CostModel {
    fields: HashMap<String, HashMap<String, FieldInfo>>,
    query: String,
    mutation: String,
    subscription: String,
}

fn named(ty: &Type) -> (&str, bool) {
    match &ty.base {
        BaseType::Named(name) => (name.as_str(), false),
        BaseType::List(inner) => (named(inner).0, true),
    }
}

impl CostModel {
    /// The model of the schema whose SDL is `sdl`.
    ///
    /// # Errors
    /// When the SDL does not parse (a bug, caught by the tests).
    pub fn from_sdl(sdl: &str) -> anyhow::Result<Self> {
        let doc = async_graphql::parser::parse_schema(sdl)?;
        let mut model = Self {
            query: "Query".to_owned(),
            mutation: "Mutation".to_owned(),
            subscription: "Subscription".to_owned(),
            ..Self::default()
        };
        for definition in doc.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let s = schema.node;
                    if let Some(q) = s.query {
                        model.query = q.node.to_string();
                    }
                    if let Some(m) = s.mutation {
                        model.mutation = m.node.to_string();
                    }
                    if let Some(s) = s.subscription {
                        model.subscription = s.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = ty.node;
                    let fields = match ty.kind {
                        TypeKind::Object(o) => o.fields,
                        TypeKind::Interface(i) => i.fields,
                        _ => continue,
                    };
                    let map = fields
                        .into_iter()
                        .map(|f| {
                            let f = f.node;
                            let (ty, list) = named(&f.ty.node);
                            let arg = |n: &str| f.arguments.iter().any(|a| a.node.name.node == n);
                            let info = FieldInfo {
                                ty: ty.to_owned(),
                                paged: arg("first") || arg("last"),
                                list,
                                personal: arg("purpose")
                                    || PERSONAL_WITHOUT_PURPOSE.contains(&f.name.node.as_str()),
                            };
                            (f.name.node.to_string(), info)
                        })
                        .collect();
                    model.fields.insert(ty.name.node.to_string(), map);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        Ok(model)
    }

    fn field(&self, parent: Option<&str>, name: &str) -> Option<&FieldInfo> {
        self.fields.get(parent?)?.get(name)
    }
}

/// Why a document was refused before it was analysed in full.
#[derive(Debug, PartialEq, Eq)]
pub enum CostError {
    /// A fragment spreads itself, directly or through others.
    FragmentCycle(String),
    /// A spread names no fragment of the document.
    UnknownFragment(String),
    /// More fragment definitions than allowed.
    TooManyFragments(usize),
    /// Deeper than the depth limit (the walk stops there).
    TooDeep(u64),
}

struct Analysis<'a> {
    model: &'a CostModel,
    doc: &'a ExecutableDocument,
    variables: HashMap<&'a str, u64>,
    memo: HashMap<&'a str, Cost>,
    visiting: HashSet<&'a str>,
    max_depth: u64,
}

impl<'a> Analysis<'a> {
    /// The page size a field asks for: its `first` or `last` argument (a literal or a
    /// variable), else the default; out-of-range values count as the maximum (the resolver
    /// refuses them anyway).
    fn page_size(&self, arguments: &[(Positioned<Name>, Positioned<Value>)]) -> u64 {
        let mut size = None;
        for (name, value) in arguments {
            if name.node != "first" && name.node != "last" {
                continue;
            }
            let n = match &value.node {
                Value::Number(n) => n.as_u64(),
                Value::Variable(v) => self.variables.get(v.as_str()).copied(),
                Value::Null => None,
                _ => Some(u64::MAX),
            };
            if let Some(n) = n {
                size = Some(size.map_or(n, |s: u64| s.max(n)));
            }
        }
        let max = u64::from(MAX_PAGE_SIZE);
        size.map_or(u64::from(DEFAULT_PAGE_SIZE), |n| n.clamp(1, max))
    }

    fn fragment(&mut self, name: &'a str) -> Result<Cost, CostError> {
        if let Some(cost) = self.memo.get(name) {
            return Ok(*cost);
        }
        if !self.visiting.insert(name) {
            return Err(CostError::FragmentCycle(name.to_owned()));
        }
        let definition: &'a Positioned<FragmentDefinition> = self
            .doc
            .fragments
            .get(name)
            .ok_or_else(|| CostError::UnknownFragment(name.to_owned()))?;
        let on = definition.node.type_condition.node.on.node.as_str();
        // Relative to where it is spread: depth 0.
        let cost = self.selections(&definition.node.selection_set.node, Some(on), 0, false)?;
        self.visiting.remove(name);
        self.memo.insert(name, cost);
        Ok(cost)
    }

    /// The cost of a selection set under `parent`, its fields at `depth + 1`.
    fn selections(
        &mut self,
        set: &'a SelectionSet,
        parent: Option<&'a str>,
        depth: u64,
        in_connection: bool,
    ) -> Result<Cost, CostError> {
        let mut total = Cost::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let depth = depth + 1;
                    if depth > self.max_depth {
                        return Err(CostError::TooDeep(depth));
                    }
                    let name = field.name.node.as_str();
                    let info = self.model.field(parent, name);
                    let child_type = info.map(|i| i.ty.as_str());
                    let connection = child_type.is_some_and(|t| t.ends_with("Connection"));
                    let children = if field.selection_set.node.items.is_empty() {
                        Cost::default()
                    } else {
                        self.selections(&field.selection_set.node, child_type, depth, connection)?
                    };
                    let multiplier = match info {
                        Some(i) if i.paged => self.page_size(&field.arguments),
                        // A connection's edges and nodes are its page, already counted.
                        Some(i) if i.list && !in_connection => LIST_ESTIMATE,
                        _ => 1,
                    };
                    let weight = if info.is_some_and(|i| i.personal) {
                        PERSONAL_WEIGHT
                    } else {
                        1
                    };
                    let mut cost = Cost {
                        depth: depth.max(children.depth),
                        nodes: children.nodes.saturating_add(1),
                        aliases: children
                            .aliases
                            .saturating_add(u64::from(field.alias.is_some())),
                        spreads: children.spreads,
                        cost: weight
                            .saturating_add(children.cost)
                            .saturating_mul(multiplier),
                    };
                    cost.depth = cost.depth.max(depth);
                    total.add(&cost);
                }
                Selection::FragmentSpread(spread) => {
                    let relative = self.fragment(spread.node.fragment_name.node.as_str())?;
                    let depth_here = if relative.depth == 0 {
                        0
                    } else {
                        relative.depth.saturating_add(depth)
                    };
                    if depth_here > self.max_depth {
                        return Err(CostError::TooDeep(depth_here));
                    }
                    total.add(&Cost {
                        depth: depth_here,
                        spreads: relative.spreads.saturating_add(1),
                        ..relative
                    });
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    let on = inline
                        .type_condition
                        .as_ref()
                        .map_or(parent, |c| Some(c.node.on.node.as_str()));
                    let cost =
                        self.selections(&inline.selection_set.node, on, depth, in_connection)?;
                    total.add(&cost);
                }
            }
        }
        Ok(total)
    }
}

/// The figures of `doc`'s most expensive operation, or why it cannot be costed. Stops early
/// once a field lies deeper than `max_depth`.
///
/// # Errors
/// A cycle, an unknown fragment, too many fragments, or too deep.
pub fn analyse(
    model: &CostModel,
    doc: &ExecutableDocument,
    variables: &Variables,
    max_depth: u64,
) -> Result<Cost, CostError> {
    if doc.fragments.len() > MAX_FRAGMENTS {
        return Err(CostError::TooManyFragments(doc.fragments.len()));
    }
    // Variables that size pages: the request's, else any operation's default.
    let mut sizes: HashMap<&str, u64> = HashMap::new();
    for (_, op) in doc.operations.iter() {
        for def in &op.node.variable_definitions {
            if let Some(default) = &def.node.default_value
                && let ConstValue::Number(n) = &default.node
            {
                sizes.insert(def.node.name.node.as_str(), n.as_u64().unwrap_or(u64::MAX));
            }
        }
    }
    for (name, value) in variables.iter() {
        if let ConstValue::Number(n) = value {
            sizes.insert(name.as_str(), n.as_u64().unwrap_or(u64::MAX));
        }
    }
    let mut analysis = Analysis {
        model,
        doc,
        variables: sizes,
        memo: HashMap::new(),
        visiting: HashSet::new(),
        max_depth,
    };
    let mut worst = Cost::default();
    for (_, op) in doc.operations.iter() {
        let root = match op.node.ty {
            OperationType::Query => model.query.as_str(),
            OperationType::Mutation => model.mutation.as_str(),
            OperationType::Subscription => model.subscription.as_str(),
        };
        let cost = analysis.selections(&op.node.selection_set.node, Some(root), 0, false)?;
        worst.max(&cost);
    }
    // Fragments no operation uses are refused by validation, but are costed all the same so
    // that validation never walks an expensive one.
    let names: Vec<&str> = doc.fragments.keys().map(Name::as_str).collect();
    for name in names {
        let cost = analysis.fragment(name)?;
        worst.max(&cost);
    }
    Ok(worst)
}

/// The top-level fields of the operation that will run, for metrics: `query.offers`, or
/// `query.(several)`. Only field names the schema knows are used (a label must not take any
/// value a client sends).
#[must_use]
pub fn operation_label(
    model: &CostModel,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
) -> String {
    let op = doc
        .operations
        .iter()
        .find(|(name, _)| operation_name.is_none() || name.map(Name::as_str) == operation_name);
    let Some((_, op)) = op else {
        return "unknown".to_owned();
    };
    let (kind, root) = match op.node.ty {
        OperationType::Query => ("query", model.query.as_str()),
        OperationType::Mutation => ("mutation", model.mutation.as_str()),
        OperationType::Subscription => ("subscription", model.subscription.as_str()),
    };
    let mut names: Vec<&str> = op
        .node
        .selection_set
        .node
        .items
        .iter()
        .filter_map(|item| match &item.node {
            Selection::Field(f) => Some(f.node.name.node.as_str()),
            _ => None,
        })
        .filter(|n| *n != "__typename")
        .collect();
    names.sort_unstable();
    names.dedup();
    match names.as_slice() {
        [] => format!("{kind}.__typename"),
        [one] if model.field(Some(root), one).is_some() => format!("{kind}.{one}"),
        [one] if one.starts_with("__") => format!("{kind}.introspection"),
        [_] => format!("{kind}.unknown"),
        _ => format!("{kind}.(several)"),
    }
}

/// Where the handler wants the operation's label written (request data).
#[derive(Debug, Default)]
pub struct LabelSlot(pub std::sync::Mutex<Option<String>>);

/// The extension that refuses documents over the limits, before parsing checks and
/// validation.
#[derive(Clone, Debug)]
pub struct CostLimit {
    model: Arc<CostModel>,
    limits: CostLimits,
}

impl CostLimit {
    /// The extension for `model` and `limits`.
    #[must_use]
    pub fn new(model: Arc<CostModel>, limits: CostLimits) -> Self {
        Self { model, limits }
    }
}

impl ExtensionFactory for CostLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostLimitExtension {
            limit: self.clone(),
        })
    }
}

/// The extension of one request.
struct CostLimitExtension {
    limit: CostLimit,
}

fn refused(message: String, limit: Option<(&'static str, u64, u64)>) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", "VALIDATION");
    if let Some((what, figure, max)) = limit {
        ext.set("limit", what);
        ext.set("figure", figure);
        ext.set("max", max);
    }
    err.extensions = Some(ext);
    err
}

#[async_trait::async_trait]
impl Extension for CostLimitExtension {
    /// Runs before async-graphql parses the document: its own recursion check (run right after
    /// parsing) expands fragments without memoising them, so the document must be measured —
    /// and refused — before that.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let limit = &self.limit;
        let variables = request.variables.clone();
        let operation_name = request.operation_name.clone();
        let doc = request.parsed_query()?;
        let cost = analyse(&limit.model, doc, &variables, limit.limits.depth).map_err(|e| {
            let message = match e {
                CostError::FragmentCycle(name) => {
                    format!("fragment {name} spreads itself")
                }
                CostError::UnknownFragment(name) => format!("unknown fragment {name}"),
                CostError::TooManyFragments(n) => format!(
                    "the document defines {n} fragments, more than the {MAX_FRAGMENTS} allowed"
                ),
                CostError::TooDeep(depth) => {
                    return refused(
                        format!(
                            "the query is nested deeper than {} levels \
                             (PEERBRO_GRAPHQL_MAX_DEPTH)",
                            limit.limits.depth
                        ),
                        Some(("depth", depth, limit.limits.depth)),
                    );
                }
            };
            refused(message, None)
        })?;
        if let Some((what, figure, max)) = cost.exceeds(&limit.limits) {
            return Err(refused(
                format!(
                    "the query is too expensive: {figure} {what} where at most {max} are allowed; \
                     ask for fewer items or fields, or split it"
                ),
                Some((what, figure, max)),
            ));
        }
        let label = operation_label(&limit.model, doc, operation_name.as_deref());
        if let Some(slot) = request
            .data
            .get(&std::any::TypeId::of::<Arc<LabelSlot>>())
            .and_then(|d| d.downcast_ref::<Arc<LabelSlot>>())
            && let Ok(mut slot) = slot.0.lock()
        {
            *slot = Some(label);
        }
        next.run(ctx, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let c = cost(
            "{ a: citizen(id: 1, purpose: X) { name } b: citizen(id: 2, purpose: X) { name } }",
        )
        .unwrap();
        assert_eq!(c.cost, 2 * (PERSONAL_WEIGHT + 1));
        assert_eq!(c.aliases, 2);
    }

    #[test]
    fn typename_counts_and_fragments_are_expanded_but_computed_once() {
        let c = cost("{ __typename offer(id: 1) { __typename } }").unwrap();
        assert_eq!(c.nodes, 3);
        // Each level spreads the previous twice: 2^22 `__typename`s in a few hundred bytes.
        let q = include_str!("../../../tests/fixtures/fragment-bomb.graphql");
        let c = cost(q).unwrap();
        assert_eq!(c.nodes, 1 << 22);
        assert_eq!(c.spreads, (1 << 23) - 1);
    }

    #[test]
    fn depth_follows_fragments_and_stops_the_walk() {
        let c =
            cost("{ offer(id: 1) { ...S } } fragment S on Offer { sessions { date } }").unwrap();
        assert_eq!(c.depth, 3);
        let model = CostModel::from_sdl(SDL).unwrap();
        let doc =
            async_graphql::parser::parse_query("{ offer(id: 1) { sessions { date } } }").unwrap();
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
}
