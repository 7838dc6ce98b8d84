//! API clients and their service users; only secret hashes are stored.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use peerbro_domain::ids::{ApiClientId, OrganisationId, TenantId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::tenancy::{ApiClient, ApiClientRepository, StoredCredentials, User};
use peerbro_domain::{DomainResult, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _,
};

use super::keyset;
use super::rows::by_id;
use crate::db::{Database, Tx};
use crate::entities::{api_clients, users};
use crate::errors::unexpected;
use crate::vault::Vault;

/// [`ApiClientRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaApiClientRepository {
    db: Database,
    vault: Vault,
}

fn client_from(m: &api_clients::Model) -> ApiClient {
    ApiClient {
        id: ApiClientId::from_uuid(m.id),
        user_id: UserId::from_uuid(m.user_id),
        organisation_id: OrganisationId::from_uuid(m.organisation_id),
        name: m.name.clone(),
        created_at: m.created_at,
        created_by: m.created_by.map(UserId::from_uuid),
        secret_rotated_at: m.secret_rotated_at,
        revoked_at: m.revoked_at,
    }
}

impl SeaApiClientRepository {
    /// Over `db`, sealing service users' logins with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }

    async fn row(
        tx: &Tx,
        tenant: TenantId,
        id: ApiClientId,
        lock: bool,
    ) -> DomainResult<api_clients::Model> {
        by_id::<api_clients::Entity>(tx, tenant, id.as_uuid(), lock, "API client").await
    }
}

#[async_trait]
impl ApiClientRepository for SeaApiClientRepository {
    async fn create(
        &self,
        ctx: &RequestContext,
        client: &ApiClient,
        service_user: &User,
        secret_hash: &str,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        users::Entity::insert(
            super::tenancy::logins::sealing::new_row(&self.vault, &tx, tenant, service_user)
                .await?,
        )
        .exec_without_returning(&tx)
        .await
        .map_err(unexpected)?;
        api_clients::Entity::insert(api_clients::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(client.id.as_uuid()),
            user_id: Set(client.user_id.as_uuid()),
            organisation_id: Set(client.organisation_id.as_uuid()),
            name: Set(client.name.clone()),
            secret_hash: Set(Some(secret_hash.to_owned())),
            previous_secret_hash: Set(None),
            previous_secret_until: Set(None),
            secret_rotated_at: Set(None),
            created_by: Set(client.created_by.map(|u| u.as_uuid())),
            created_at: Set(client.created_at),
            revoked_at: Set(None),
        })
        .exec_without_returning(&tx)
        .await
        .map_err(unexpected)?;
        tx.commit().await
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<ApiClient>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let query =
            api_clients::Entity::find().filter(api_clients::Column::TenantId.eq(tenant.as_uuid()));
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, api_clients::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(Page::from_probe(rows.iter().map(client_from).collect(), page).with_total(total))
    }

    async fn get(&self, ctx: &RequestContext, id: ApiClientId) -> DomainResult<StoredCredentials> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = Self::row(&tx, tenant, id, false).await?;
        tx.commit().await?;
        Ok(StoredCredentials {
            client: client_from(&row),
            secret_hash: row.secret_hash.clone().unwrap_or_default(),
            previous: row
                .previous_secret_hash
                .clone()
                .zip(row.previous_secret_until),
        })
    }

    async fn rotate(
        &self,
        ctx: &RequestContext,
        id: ApiClientId,
        secret_hash: &str,
        at: DateTime<Utc>,
        previous_until: DateTime<Utc>,
    ) -> DomainResult<ApiClient> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = Self::row(&tx, tenant, id, true).await?;
        let previous = row.secret_hash.clone();
        let mut model = row.into_active_model();
        model.previous_secret_hash = Set(previous);
        model.previous_secret_until = Set(Some(previous_until));
        model.secret_hash = Set(Some(secret_hash.to_owned()));
        model.secret_rotated_at = Set(Some(at));
        let row = model.update(&tx).await.map_err(unexpected)?;
        tx.commit().await?;
        Ok(client_from(&row))
    }

    async fn revoke(
        &self,
        ctx: &RequestContext,
        id: ApiClientId,
        at: DateTime<Utc>,
    ) -> DomainResult<ApiClient> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = Self::row(&tx, tenant, id, true).await?;
        let revoked_at = row.revoked_at.unwrap_or(at);
        let mut model = row.into_active_model();
        model.revoked_at = Set(Some(revoked_at));
        model.secret_hash = Set(None);
        model.previous_secret_hash = Set(None);
        model.previous_secret_until = Set(None);
        let row = model.update(&tx).await.map_err(unexpected)?;
        tx.commit().await?;
        Ok(client_from(&row))
    }
}
