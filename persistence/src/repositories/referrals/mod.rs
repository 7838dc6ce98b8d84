//! Referrals: submitted atomically with the citizen, consents and audit entries (`submit.rs`);
//! the reason sealed with the citizen's key; read and listed here; moved through the unit of
//! work (`store.rs`), where the use case decides and this adapter only locks and stores.

mod list;
mod rows;
mod store;
mod submit;

use async_trait::async_trait;
use peerbro_domain::ids::{CitizenId, OrganisationId, ReferralId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::privacy::{Personal, Purpose, SubjectKind};
use peerbro_domain::referral::{
    DEFAULT_CONTACT_LIMIT_DAYS, Referral, ReferralFilter, ReferralRepository, Submission, Submitted,
};
use peerbro_domain::tenancy::Organisation;
use peerbro_domain::{DomainResult, RequestContext};
use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};

use self::rows::{Head, corrupt, load, load_one, reason_aad};
use crate::audit::append_reads;
use crate::db::Database;
use crate::entities::referral::referrals;
use crate::errors::unexpected;
use crate::vault::Vault;

/// The tenant's referrals that match `filter`.
fn filtered(
    tenant: peerbro_domain::ids::TenantId,
    filter: &ReferralFilter,
) -> sea_orm::Select<referrals::Entity> {
    let mut query =
        referrals::Entity::find().filter(referrals::Column::TenantId.eq(tenant.as_uuid()));
    if !filter.states.is_empty() {
        query =
            query.filter(referrals::Column::State.is_in(filter.states.iter().map(|s| s.as_str())));
    }
    if let Some(org) = filter.referrer_organisation_id {
        query = query.filter(referrals::Column::ReferrerOrganisationId.eq(org.as_uuid()));
    }
    if let Some(peer) = filter.assigned_peer_id {
        query = query.filter(referrals::Column::AssignedPeerId.eq(peer.as_uuid()));
    }
    if let Some(citizen) = filter.citizen_id {
        query = query.filter(referrals::Column::CitizenId.eq(citizen.as_uuid()));
    }
    if let Some(after) = filter.submitted_after {
        query = query.filter(referrals::Column::SubmittedAt.gte(after));
    }
    if let Some(before) = filter.submitted_before {
        query = query.filter(referrals::Column::SubmittedAt.lt(before));
    }
    if let Some(case) = &filter.case_reference {
        query = query.filter(referrals::Column::CaseReference.eq(case.as_str()));
    }
    if let Some(cutoff) = filter.assigned_at_or_before {
        query = query.filter(referrals::Column::AssignedAt.lte(cutoff));
    }
    query
}

impl SeaReferralRepository {
    /// `page` with feedback opened and each referral's moves, unless `filter` skips them.
    async fn with_moves(
        &self,
        tx: &crate::db::Tx,
        tenant: peerbro_domain::ids::TenantId,
        filter: &ReferralFilter,
        page: Page<Head>,
    ) -> DomainResult<Page<Referral>> {
        Ok(Page {
            items: load(tx, tenant, &self.vault, page.items, !filter.skip_moves).await?,
            has_next: page.has_next,
            has_previous: page.has_previous,
            total: page.total,
        })
    }
}

/// [`ReferralRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaReferralRepository {
    db: Database,
    vault: Vault,
}

impl SeaReferralRepository {
    /// Over `db`, sealing with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }
}

#[async_trait]
impl ReferralRepository for SeaReferralRepository {
    #[tracing::instrument(skip_all, fields(referral = %submission.referral.id))]
    async fn submit(
        &self,
        ctx: &RequestContext,
        submission: Submission,
    ) -> DomainResult<Submitted> {
        self.submit_once(ctx, submission).await
    }

    async fn referred_by(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        organisation: OrganisationId,
    ) -> DomainResult<bool> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let found = referrals::Entity::find()
            .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
            .filter(referrals::Column::CitizenId.eq(citizen.as_uuid()))
            .filter(referrals::Column::ReferrerOrganisationId.eq(organisation.as_uuid()))
            .count(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(found > 0)
    }

    async fn pseudonyms(
        &self,
        ctx: &RequestContext,
        filter: &ReferralFilter,
        ids: &[ReferralId],
    ) -> DomainResult<std::collections::HashMap<ReferralId, String>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let found = list::pseudonyms(&tx, tenant, filter, ids).await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn requested_offer(
        &self,
        ctx: &RequestContext,
        offer: peerbro_domain::ids::OfferId,
    ) -> DomainResult<peerbro_domain::referral::RequestedOffer> {
        use crate::entities::offers::offers;
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = crate::repositories::rows::by_id::<offers::Entity>(
            &tx,
            tenant,
            offer.as_uuid(),
            false,
            "offer",
        )
        .await?;
        tx.commit().await?;
        Ok(peerbro_domain::referral::RequestedOffer {
            organisation_id: peerbro_domain::ids::OrganisationId::from_uuid(row.organisation_id),
            open: row.open,
        })
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        reason_purpose: Option<Purpose>,
    ) -> DomainResult<Referral> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let (row, mut referral) = load_one(&tx, tenant, &self.vault, id).await?;
        let sealed = row.reason_sealed;
        if let (Some(purpose), Some(sealed)) = (reason_purpose, sealed) {
            referral.reason = self
                .vault
                .open_for_subject(
                    &tx,
                    tenant,
                    referral.citizen_id.as_uuid(),
                    &reason_aad(tenant, id.as_uuid()),
                    &sealed,
                )
                .await?
                .map(Personal::from_storage);
            append_reads(
                &tx,
                ctx,
                SubjectKind::Citizen,
                [referral.citizen_id.as_uuid()],
                purpose,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(referral)
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &ReferralFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Referral>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let page = list::page(&tx, tenant, filter, page, false)
            .await?
            .map(|(referral, _)| referral);
        let page = self.with_moves(&tx, tenant, filter, page).await?;
        tx.commit().await?;
        Ok(page)
    }

    async fn list_with_organisations(
        &self,
        ctx: &RequestContext,
        filter: &ReferralFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<(Referral, Organisation)>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let page =
            list::page(&tx, tenant, filter, page, true)
                .await?
                .try_map(|(referral, org)| {
                    org.map(|org| (referral, org))
                        .ok_or_else(|| corrupt("organisation"))
                })?;
        let (referrals, organisations): (Vec<_>, Vec<_>) = page.items.into_iter().unzip();
        let referrals = self
            .with_moves(
                &tx,
                tenant,
                filter,
                Page {
                    items: referrals,
                    has_next: page.has_next,
                    has_previous: page.has_previous,
                    total: page.total,
                },
            )
            .await?;
        tx.commit().await?;
        Ok(Page {
            items: referrals.items.into_iter().zip(organisations).collect(),
            has_next: referrals.has_next,
            has_previous: referrals.has_previous,
            total: referrals.total,
        })
    }

    async fn count_by_state(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<Vec<(peerbro_domain::referral::ReferralState, u64)>> {
        use sea_orm::QuerySelect as _;
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows: Vec<(String, i64)> = referrals::Entity::find()
            .select_only()
            .column(referrals::Column::State)
            .column_as(referrals::Column::Id.count(), "n")
            .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
            .group_by(referrals::Column::State)
            .into_tuple()
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter()
            .map(|(state, n)| {
                Ok((
                    state.parse().map_err(|_| corrupt("state"))?,
                    u64::try_from(n).unwrap_or(0),
                ))
            })
            .collect()
    }

    async fn count(&self, ctx: &RequestContext, filter: &ReferralFilter) -> DomainResult<u64> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let n = filtered(tenant, filter)
            .count(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(n)
    }

    async fn contact_limit_days(&self, ctx: &RequestContext) -> DomainResult<u32> {
        crate::settings::read(&self.db, ctx.tenant_id()?)
            .await?
            .and_then(|r| r.contact_limit_days)
            .map_or(Ok(DEFAULT_CONTACT_LIMIT_DAYS), |d| {
                u32::try_from(d).map_err(|_| corrupt("contact limit"))
            })
    }

    async fn set_contact_limit_days(&self, ctx: &RequestContext, days: u32) -> DomainResult<()> {
        let days = i32::try_from(days).map_err(|_| corrupt("contact limit"))?;
        crate::settings::write(
            &self.db,
            ctx.tenant_id()?,
            crate::settings::Setting::ContactLimitDays,
            days,
        )
        .await
    }
}
