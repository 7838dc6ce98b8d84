//! The schema, reduced to what costing needs: per type and field, the type it returns, whether
//! it is a list, takes `first`/`last`, or reads personal data.

use std::collections::HashMap;

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};

use super::limits::PERSONAL_WITHOUT_PURPOSE;

/// What the cost model knows of one field of one type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct FieldInfo {
    /// The named type it returns.
    pub(super) ty: String,
    /// Takes `first`/`last`.
    pub(super) paged: bool,
    /// Returns a list.
    pub(super) list: bool,
    /// Reads personal data.
    pub(super) personal: bool,
}

/// The schema, reduced to what costing needs; built once from the SDL.
#[derive(Clone, Debug, Default)]
pub struct CostModel {
    fields: HashMap<String, HashMap<String, FieldInfo>>,
    pub(super) query: String,
    pub(super) mutation: String,
    pub(super) subscription: String,
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

    pub(super) fn field(&self, parent: Option<&str>, name: &str) -> Option<&FieldInfo> {
        self.fields.get(parent?)?.get(name)
    }
}
