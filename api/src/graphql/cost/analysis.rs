//! The walk: every operation's selection set, each fragment measured once (memoised) and its
//! figures added wherever it is spread.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Variables};
use async_graphql_value::{ConstValue, Value};
use peerbro_domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

use super::limits::{Cost, LIST_ESTIMATE, MAX_FRAGMENTS, PERSONAL_WEIGHT};
use super::model::CostModel;

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
                    let cost = Cost {
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
