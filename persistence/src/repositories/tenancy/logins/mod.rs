//! Login data sealed under the tenant's key (ADR 0038): a user's e-mail address, display name
//! and identity-provider subject, and keyed blind indexes of the address and the subject,
//! unique per tenant, to find them by.
//!
//! Every read of users carries the tenant key's wrapping in the same statement (a left join on
//! `tenant_keys`), as the subject keys do, so opening the fields costs no round trip: the
//! vault opens the key from memory while the wrapping is the one it opened before.

use std::collections::HashMap;

use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::SecretKey;
use peerbro_domain::tenancy::{DisplayName, Email, IdpSubject};
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, FromQueryResult, JoinType, QueryFilter as _, QueryResult,
    QuerySelect as _, RelationDef, Select, sea_query::Expr,
};
use uuid::Uuid;

use super::tenants::corrupt;
use crate::db::Tx;
use crate::entities::privacy::tenant_keys;
use crate::entities::users;
use crate::errors::unexpected;
use crate::vault::{StoredTenantKey, Vault, field_aad};

/// The purpose of the e-mail index (a key of its own, derived from the tenant key).
pub(crate) const EMAIL_INDEX: &[u8] = b"peerbro/email-index/v1";
/// The purpose of the identity-provider subject index.
pub(crate) const IDP_SUBJECT_INDEX: &[u8] = b"peerbro/idp-subject-index/v1";

/// What a closed account (an erased person's, ADR 0036) shows in place of the address.
fn closed_address(id: Uuid) -> String {
    format!("erased-{}@erased.invalid", id.simple())
}

/// What a closed account shows in place of the name.
const CLOSED_NAME: &str = "Slettet";

/// The aliases of the tenant key's columns read beside a user.
const WRAPPED: &str = "tenant_wrapped";
const EPOCH: &str = "tenant_epoch";

/// A user's row read with the wrapping of the tenant key that seals it.
pub(crate) struct UserRow {
    pub(crate) model: users::Model,
    tenant_key: Option<StoredTenantKey>,
}

impl FromQueryResult for UserRow {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        let wrapped: Option<Vec<u8>> = res.try_get(pre, WRAPPED)?;
        let epoch: Option<i32> = res.try_get(pre, EPOCH)?;
        Ok(Self {
            model: users::Model::from_query_result(res, pre)?,
            tenant_key: wrapped.map(|wrapped| StoredTenantKey { wrapped, epoch }),
        })
    }
}

fn tenant_key_of_user() -> RelationDef {
    users::Entity::belongs_to(tenant_keys::Entity)
        .from(users::Column::TenantId)
        .to(tenant_keys::Column::TenantId)
        .into()
}

/// The tenant's users, each with the tenant key's wrapping (read them `into_model::<UserRow>`).
pub(crate) fn select(tenant: TenantId) -> Select<users::Entity> {
    with_tenant_key(users::Entity::find().filter(users::Column::TenantId.eq(tenant.as_uuid())))
}

/// `query` with the tenant key's wrapping beside each user.
pub(crate) fn with_tenant_key(query: Select<users::Entity>) -> Select<users::Entity> {
    query
        .join(JoinType::LeftJoin, tenant_key_of_user())
        .column_as(tenant_keys::Column::WrappedKey, WRAPPED)
        .column_as(tenant_keys::Column::Epoch, EPOCH)
}

/// Adds the tenant key's wrapping to a hand-built select from `users`.
pub(crate) fn join_tenant_key(query: &mut sea_orm::sea_query::SelectStatement) {
    let relation = tenant_key_of_user();
    query
        .expr_as(
            Expr::col((tenant_keys::Entity, tenant_keys::Column::WrappedKey)),
            sea_orm::sea_query::Alias::new(WRAPPED),
        )
        .expr_as(
            Expr::col((tenant_keys::Entity, tenant_keys::Column::Epoch)),
            sea_orm::sea_query::Alias::new(EPOCH),
        )
        .join(JoinType::LeftJoin, relation.to_tbl.clone(), relation);
}

/// A user's login data, opened.
pub(crate) struct Login {
    pub(crate) email: Email,
    pub(crate) display_name: DisplayName,
    pub(crate) idp_subject: Option<IdpSubject>,
}

/// The login data of one row, in clear (before parsing).
type Clear = (String, String, Option<String>);

fn aad(tenant: TenantId, column: &str, id: Uuid) -> Vec<u8> {
    field_aad(tenant, "users", column, id)
}

/// Opens the sealed login of `m` under `key`.
fn open_sealed(
    vault: &Vault,
    key: &SecretKey,
    tenant: TenantId,
    m: &users::Model,
    (email, name): (&[u8], &[u8]),
) -> DomainResult<Clear> {
    let subject = m
        .idp_subject_sealed
        .as_deref()
        .map(|s| vault.open(key, &aad(tenant, "idp_subject", m.id), s))
        .transpose()?;
    Ok((
        vault.open(key, &aad(tenant, "email", m.id), email)?,
        vault.open(key, &aad(tenant, "display_name", m.id), name)?,
        subject,
    ))
}

/// Opens the login data of `rows` (all of `tenant`), in order.
pub(crate) fn open_all(
    vault: &Vault,
    tenant: TenantId,
    rows: &[UserRow],
) -> DomainResult<Vec<Login>> {
    let mut key: Option<SecretKey> = None;
    rows.iter()
        .map(|row| {
            let m = &row.model;
            let (email, name, subject) = match (&m.email_sealed, &m.display_name_sealed) {
                (Some(email), Some(name)) => {
                    if key.is_none() {
                        let stored = row
                            .tenant_key
                            .as_ref()
                            .ok_or_else(|| corrupt("tenant key"))?;
                        key = Some(vault.open_tenant_key(tenant, stored)?);
                    }
                    let key = key.as_ref().ok_or_else(|| corrupt("tenant key"))?;
                    open_sealed(vault, key, tenant, m, (email, name))?
                }
                // Written before migration 31 and not yet sealed by the start-up step.
                _ if !m.email.is_empty() => (
                    m.email.clone(),
                    m.display_name.clone(),
                    m.idp_subject.clone(),
                ),
                // A closed account keeps nothing.
                _ => (closed_address(m.id), CLOSED_NAME.to_owned(), None),
            };
            Ok(Login {
                email: Email::parse(&email).map_err(|_| corrupt("e-mail"))?,
                display_name: DisplayName::parse(&name).map_err(|_| corrupt("display name"))?,
                idp_subject: subject
                    .as_deref()
                    .map(IdpSubject::parse)
                    .transpose()
                    .map_err(|_| corrupt("identity-provider subject"))?,
            })
        })
        .collect()
}

/// The display names of `ids` (users of `tenant`), by id.
pub(crate) async fn display_names(
    vault: &Vault,
    tx: &Tx,
    tenant: TenantId,
    ids: Vec<Uuid>,
) -> DomainResult<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = select(tenant)
        .filter(users::Column::Id.is_in(ids))
        .into_model::<UserRow>()
        .all(tx)
        .await
        .map_err(unexpected)?;
    let logins = open_all(vault, tenant, &rows)?;
    Ok(rows
        .iter()
        .zip(logins)
        .map(|(row, login)| (row.model.id, login.display_name.as_str().to_owned()))
        .collect())
}

/// A look-up by keyed index: the index's purpose and its column.
pub(crate) type IndexedBy = (&'static [u8], users::Column);
/// By e-mail address.
pub(crate) const BY_EMAIL: IndexedBy = (EMAIL_INDEX, users::Column::EmailIndex);
/// By identity-provider subject.
pub(crate) const BY_IDP_SUBJECT: IndexedBy = (IDP_SUBJECT_INDEX, users::Column::IdpSubjectIndex);

/// The user of `tenant` whose index `by` matches `value`, with the tenant key's wrapping.
pub(crate) async fn find_by(
    vault: &Vault,
    tx: &Tx,
    tenant: TenantId,
    (purpose, column): IndexedBy,
    value: &str,
) -> DomainResult<Option<UserRow>> {
    let Some(index) = vault.existing_digest(tx, tenant, purpose, value).await? else {
        return Ok(None);
    };
    select(tenant)
        .filter(column.eq(index))
        .into_model::<UserRow>()
        .one(tx)
        .await
        .map_err(unexpected)
}

pub(crate) mod sealing;
