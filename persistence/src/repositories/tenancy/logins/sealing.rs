//! Writing sealed logins: a new user's row, a closed account's scrub, a rotation's re-seal and
//! the start-up step that seals logins stored in clear before migration 31.

use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::SecretKey;
use peerbro_domain::tenancy::IdpSubject;
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
    sea_query::Expr,
};
use uuid::Uuid;

use super::{EMAIL_INDEX, IDP_SUBJECT_INDEX, aad, open_sealed};
use crate::db::Tx;
use crate::entities::users;
use crate::errors::unexpected;
use crate::vault::Vault;
use crate::vault::digests::unmatchable_index;

/// The sealed columns of a user's login under `tenant_key` (from
/// `Vault::tenant_key_to_seal` in the writing transaction).
pub(crate) struct SealedLogin {
    email_sealed: Vec<u8>,
    email_index: Vec<u8>,
    display_name_sealed: Vec<u8>,
    idp_subject_sealed: Option<Vec<u8>>,
    idp_subject_index: Option<Vec<u8>>,
}

impl SealedLogin {
    /// The columns to set, clear columns emptied.
    fn columns(self) -> [(users::Column, sea_orm::Value); 8] {
        [
            (users::Column::Email, String::new().into()),
            (users::Column::DisplayName, String::new().into()),
            (users::Column::IdpSubject, Option::<String>::None.into()),
            (users::Column::EmailSealed, Some(self.email_sealed).into()),
            (users::Column::EmailIndex, Some(self.email_index).into()),
            (
                users::Column::DisplayNameSealed,
                Some(self.display_name_sealed).into(),
            ),
            (
                users::Column::IdpSubjectSealed,
                self.idp_subject_sealed.into(),
            ),
            (
                users::Column::IdpSubjectIndex,
                self.idp_subject_index.into(),
            ),
        ]
    }
}

/// Seals the login `(email, display_name, idp_subject)` of user `id` under `tenant_key`.
pub(crate) fn seal(
    vault: &Vault,
    tenant_key: &SecretKey,
    tenant: TenantId,
    id: Uuid,
    (email, display_name, subject): (&str, &str, Option<&str>),
) -> DomainResult<SealedLogin> {
    Ok(SealedLogin {
        email_sealed: vault.seal(tenant_key, &aad(tenant, "email", id), email)?,
        email_index: vault.digest_under(tenant_key, EMAIL_INDEX, email)?,
        display_name_sealed: vault.seal(
            tenant_key,
            &aad(tenant, "display_name", id),
            display_name,
        )?,
        idp_subject_sealed: subject
            .map(|s| vault.seal(tenant_key, &aad(tenant, "idp_subject", id), s))
            .transpose()?,
        idp_subject_index: subject
            .map(|s| vault.digest_under(tenant_key, IDP_SUBJECT_INDEX, s))
            .transpose()?,
    })
}

/// Sets `columns` on user `id` of `tenant`.
async fn set(
    tx: &Tx,
    tenant: TenantId,
    id: Uuid,
    columns: impl IntoIterator<Item = (users::Column, sea_orm::Value)>,
) -> DomainResult<()> {
    let mut update = users::Entity::update_many();
    for (column, value) in columns {
        update = update.col_expr(column, Expr::value(value));
    }
    update
        .filter(users::Column::TenantId.eq(tenant.as_uuid()))
        .filter(users::Column::Id.eq(id))
        .exec(tx)
        .await
        .map_err(unexpected)?;
    Ok(())
}

/// The row to insert for a new user, its login sealed.
pub(crate) async fn new_row(
    vault: &Vault,
    tx: &Tx,
    tenant: TenantId,
    user: &peerbro_domain::tenancy::User,
) -> DomainResult<users::ActiveModel> {
    use sea_orm::ActiveValue::Set;
    let key = vault.tenant_key_to_seal(tx, tenant).await?;
    let id = user.id.as_uuid();
    let subject = user.idp_subject.as_ref().map(IdpSubject::as_str);
    let sealed = seal(
        vault,
        &key,
        tenant,
        id,
        (user.email.as_str(), user.display_name.as_str(), subject),
    )?;
    Ok(users::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        id: Set(id),
        email: Set(String::new()),
        display_name: Set(String::new()),
        organisation_id: Set(user.organisation_id.map(|o| o.as_uuid())),
        created_at: Set(user.created_at),
        deactivated_at: Set(user.deactivated_at),
        idp_subject: Set(None),
        email_sealed: Set(Some(sealed.email_sealed)),
        email_index: Set(Some(sealed.email_index)),
        display_name_sealed: Set(Some(sealed.display_name_sealed)),
        idp_subject_sealed: Set(sealed.idp_subject_sealed),
        idp_subject_index: Set(sealed.idp_subject_index),
    })
}

/// Scrubs a closed account's login in the update `closed`: no address, name or subject,
/// sealed or in clear, and an address index that matches no address under any key.
pub(crate) fn scrub(closed: &mut users::ActiveModel) {
    use sea_orm::ActiveValue::Set;
    closed.email = Set(String::new());
    closed.display_name = Set(String::new());
    closed.idp_subject = Set(None);
    closed.email_sealed = Set(None);
    closed.display_name_sealed = Set(None);
    closed.email_index = Set(Some(unmatchable_index()));
    closed.idp_subject_sealed = Set(None);
    closed.idp_subject_index = Set(None);
}

/// Re-seals every user's login of the tenant from `old` to `new` and recomputes the index
/// (a rotation, ADR 0043); returns how many users it re-sealed.
pub(crate) async fn reseal(
    vault: &Vault,
    tx: &Tx,
    tenant: TenantId,
    old: &SecretKey,
    new: &SecretKey,
) -> DomainResult<u64> {
    let page_size = 500;
    let mut after = Uuid::nil();
    let mut done = 0;
    loop {
        let page = users::Entity::find()
            .filter(users::Column::TenantId.eq(tenant.as_uuid()))
            .filter(users::Column::Id.gt(after))
            .order_by_asc(users::Column::Id)
            .limit(page_size)
            .all(tx)
            .await
            .map_err(unexpected)?;
        let Some(last) = page.last() else {
            return Ok(done);
        };
        after = last.id;
        for user in page {
            let columns = match (&user.email_sealed, &user.display_name_sealed) {
                (Some(email), Some(name)) => {
                    let (email, name, subject) =
                        open_sealed(vault, old, tenant, &user, (email, name))?;
                    done += 1;
                    let login = (email.as_str(), name.as_str(), subject.as_deref());
                    seal(vault, new, tenant, user.id, login)?.columns().to_vec()
                }
                _ => vec![(users::Column::EmailIndex, Some(unmatchable_index()).into())],
            };
            set(tx, tenant, user.id, columns).await?;
        }
    }
}

/// Seals the login of every user of the tenant still in clear (written before migration 31)
/// and empties the clear columns; returns how many it sealed.
pub(crate) async fn seal_clear(vault: &Vault, tx: &Tx, tenant: TenantId) -> DomainResult<u64> {
    let rows = users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant.as_uuid()))
        .filter(users::Column::EmailSealed.is_null())
        .filter(users::Column::Email.ne(""))
        .all(tx)
        .await
        .map_err(unexpected)?;
    if rows.is_empty() {
        return Ok(0);
    }
    let key = vault.tenant_key_to_seal(tx, tenant).await?;
    for user in &rows {
        let login = (
            user.email.as_str(),
            user.display_name.as_str(),
            user.idp_subject.as_deref(),
        );
        let sealed = seal(vault, &key, tenant, user.id, login)?;
        set(tx, tenant, user.id, sealed.columns()).await?;
    }
    Ok(rows.len() as u64)
}
