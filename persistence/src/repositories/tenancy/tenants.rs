//! The tenant registry.

use async_trait::async_trait;
use peerbro_domain::context::RequestContext;
use peerbro_domain::ids::TenantId;
use peerbro_domain::tenancy::{Tenant, TenantRepository, TenantSlug};
use peerbro_domain::{DomainError, DomainResult, Duplicate};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};

use crate::db::Database;
use crate::entities::tenants;
use crate::errors::{map_db, unexpected};

/// Stored values that no longer parse mean the database was changed behind the domain's back.
pub(super) fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored {what} does not parse"))
}

/// [`TenantRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaTenantRepository {
    db: Database,
}

impl SeaTenantRepository {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

fn tenant_from(m: tenants::Model) -> DomainResult<Tenant> {
    Ok(Tenant {
        id: TenantId::from_uuid(m.id),
        slug: TenantSlug::parse(&m.slug).map_err(|_| corrupt("tenant slug"))?,
        name: m.name,
        municipality: m.municipality,
        created_at: m.created_at,
        national: m.national,
    })
}

#[async_trait]
impl TenantRepository for SeaTenantRepository {
    #[tracing::instrument(skip_all, fields(tenant = %tenant.id))]
    async fn create(&self, tenant: &Tenant) -> DomainResult<()> {
        let tx = self.db.begin(tenant.id).await?;
        tenants::ActiveModel {
            id: Set(tenant.id.as_uuid()),
            slug: Set(tenant.slug.as_str().to_owned()),
            name: Set(tenant.name.clone()),
            municipality: Set(tenant.municipality.clone()),
            created_at: Set(tenant.created_at),
            national: Set(tenant.national),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::TenantSlug))?;
        tx.commit().await
    }

    async fn current(&self, ctx: &RequestContext) -> DomainResult<Tenant> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = tenants::Entity::find_by_id(tenant.as_uuid())
            .one(&tx)
            .await
            .map_err(unexpected)?
            .ok_or(DomainError::NotFound { resource: "tenant" })?;
        tx.commit().await?;
        tenant_from(row)
    }

    async fn all(&self) -> DomainResult<Vec<Tenant>> {
        let tx = self.db.begin_unscoped().await?;
        let rows = tenants::Entity::find()
            .order_by_asc(tenants::Column::Slug)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(tenant_from).collect()
    }

    async fn find_by_slug(&self, slug: &TenantSlug) -> DomainResult<Option<Tenant>> {
        let tx = self.db.begin_unscoped().await?;
        let row = tenants::Entity::find()
            .filter(tenants::Column::Slug.eq(slug.as_str()))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        row.map(tenant_from).transpose()
    }
}
