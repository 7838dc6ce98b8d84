//! Who read or changed a person's data: the audit chain's entries about them, and those still
//! waiting to be sealed into it, oldest first, each with the acting user's display name.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::access::LookUp;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
use uuid::Uuid;

use crate::db::Tx;
use crate::entities::privacy::{audit_entries, audit_pending};
use crate::errors::unexpected;
use crate::repositories::tenancy::logins::display_names;
use crate::vault::Vault;

/// Every audit entry about `subject`, sealed or pending.
pub(super) async fn of_subject(
    vault: &Vault,
    tx: &Tx,
    tenant: TenantId,
    subject: Uuid,
) -> DomainResult<Vec<LookUp>> {
    let t = tenant.as_uuid();
    type Row = (DateTime<Utc>, String, String, Option<Uuid>, String);
    let mut rows: Vec<Row> = audit_entries::Entity::find()
        .filter(audit_entries::Column::TenantId.eq(t))
        .filter(audit_entries::Column::SubjectId.eq(subject))
        .order_by_asc(audit_entries::Column::Seq)
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|e| (e.at, e.action, e.purpose, e.actor_id, e.actor_roles))
        .collect();
    rows.extend(
        audit_pending::Entity::find()
            .filter(audit_pending::Column::TenantId.eq(t))
            .filter(audit_pending::Column::SubjectId.eq(subject))
            .all(tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|e| (e.at, e.action, e.purpose, e.actor_id, e.actor_roles)),
    );
    rows.sort_by_key(|r| r.0);
    let actors: Vec<Uuid> = rows.iter().filter_map(|r| r.3).collect();
    let names: HashMap<Uuid, String> = display_names(vault, tx, tenant, actors).await?;
    Ok(rows
        .into_iter()
        .map(|(at, action, purpose, actor, roles)| LookUp {
            at,
            action,
            purpose,
            by: actor.and_then(|a| names.get(&a).cloned()),
            roles: roles
                .split(',')
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect(),
        })
        .collect())
}
