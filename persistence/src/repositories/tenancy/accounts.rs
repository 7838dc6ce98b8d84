//! Closing an account: an erased citizen's own login (issue 13).

use peerbro_domain::ids::{TenantId, UserId};
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set};

use super::users::{find_user, notify_callers};
use crate::db::Tx;
use crate::entities::users;
use crate::errors::unexpected;

/// Closes and scrubs `user`'s account in `tx` (an erased citizen's own login, issue 13): the
/// sealed e-mail and display name are removed and the address index made unmatchable (the
/// account then shows `erased-…@erased.invalid` and "Slettet"), the identity-provider subject removed and the user
/// deactivated, so that no token of theirs is accepted again; every process forgets the caller
/// as `tx` commits (the caller must also `forget` it in this process after the commit).
///
/// # Errors
/// When a statement fails (the erasure then rolls back with it).
pub(crate) async fn close_account(
    tx: &Tx,
    tenant: TenantId,
    user: UserId,
    now: chrono::DateTime<chrono::Utc>,
) -> peerbro_domain::DomainResult<()> {
    let row = find_user(tx, tenant, user).await?;
    let mut closed: users::ActiveModel = row.clone().into();
    super::logins::sealing::scrub(&mut closed);
    closed.deactivated_at = Set(Some(row.deactivated_at.unwrap_or(now)));
    closed.update(tx).await.map_err(unexpected)?;
    notify_callers(tx, tenant, user).await
}
