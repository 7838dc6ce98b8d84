//! Offers and their course sessions (here); enrolment through the unit of work, where the domain's
//! [`peerbro_domain::offers::Course`] decides places and the waiting list (`store.rs`); attendance
//! and café headcounts (`activity.rs`); one-to-one matches and their meetings (`matches.rs`).

mod activity;
mod matches;
mod meetings;
mod rows;
mod store;

use async_trait::async_trait;
use chrono::NaiveDate;
use peerbro_domain::ids::{CitizenId, CourseSessionId, EnrolmentId, OfferId, PeerId, ReferralId};
use peerbro_domain::offers::{
    Attendance, CafeVisit, CourseSession, Enrolment, EnrolmentStatus, FacilitatorCheck, Meeting,
    Offer, OfferFilter, OfferRepository, PeerMatch, ReferralParties,
};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::people::PeerStatus;
use peerbro_domain::{DomainError, DomainResult, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
};

use self::rows::{corrupt, enrolment_from, load_offers, offer_row, session_from, to_i32};
use super::keyset;
use super::rows::by_id;
use crate::db::Database;
use crate::entities::offers::{course_sessions, enrolments, offer_facilitators, offers};
use crate::entities::organisations;
use crate::entities::peers::peer_workers;
use crate::errors::unexpected;

/// [`OfferRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaOfferRepository {
    db: Database,
}

impl SeaOfferRepository {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl OfferRepository for SeaOfferRepository {
    async fn create(
        &self,
        ctx: &RequestContext,
        offer: &Offer,
        sessions: &[CourseSession],
        check: FacilitatorCheck,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let org = organisations::Entity::find()
            .filter(organisations::Column::TenantId.eq(tenant.as_uuid()))
            .filter(organisations::Column::Id.eq(offer.organisation_id.as_uuid()))
            .count(&tx)
            .await
            .map_err(unexpected)?;
        if org == 0 {
            return Err(DomainError::NotFound {
                resource: "organisation",
            });
        }
        let mut statuses = Vec::with_capacity(offer.facilitators.len());
        for peer in &offer.facilitators {
            let row =
                by_id::<peer_workers::Entity>(&tx, tenant, peer.as_uuid(), false, "peer worker")
                    .await?;
            statuses.push((
                *peer,
                row.status
                    .parse::<PeerStatus>()
                    .map_err(|_| corrupt("peer status"))?,
            ));
        }
        check(&statuses)?;
        let schedule = offer.schedule.as_ref();
        offers::Entity::insert(offers::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(offer.id.as_uuid()),
            organisation_id: Set(offer.organisation_id.as_uuid()),
            offer_type: Set(offer.offer_type.as_str().to_owned()),
            title: Set(offer.title.clone()),
            location: Set(offer.location.clone()),
            capacity: Set(offer.capacity.map(to_i32)),
            start_date: Set(schedule.map(|s| s.start_date)),
            weekday: Set(schedule.map(|s| to_i32(s.weekday.num_days_from_monday()))),
            start_time: Set(schedule.map(|s| s.start_time)),
            session_count: Set(schedule.map(|s| to_i32(s.session_count))),
            session_minutes: Set(schedule.map(|s| to_i32(s.session_minutes))),
            open: Set(offer.open),
            open_access: Set(offer.open_access),
            created_at: Set(offer.created_at),
        })
        .exec_without_returning(&tx)
        .await
        .map_err(unexpected)?;
        if !offer.facilitators.is_empty() {
            offer_facilitators::Entity::insert_many(offer.facilitators.iter().map(|peer| {
                offer_facilitators::ActiveModel {
                    tenant_id: Set(tenant.as_uuid()),
                    offer_id: Set(offer.id.as_uuid()),
                    peer_id: Set(peer.as_uuid()),
                }
            }))
            .exec_without_returning(&tx)
            .await
            .map_err(unexpected)?;
        }
        if !sessions.is_empty() {
            course_sessions::Entity::insert_many(sessions.iter().map(|session| {
                course_sessions::ActiveModel {
                    tenant_id: Set(tenant.as_uuid()),
                    id: Set(session.id.as_uuid()),
                    offer_id: Set(session.offer_id.as_uuid()),
                    number: Set(to_i32(session.number)),
                    date: Set(session.date),
                    start_time: Set(session.start_time),
                    minutes: Set(to_i32(session.minutes)),
                    cancelled_at: Set(session.cancelled_at),
                    ..Default::default()
                }
            }))
            .exec_without_returning(&tx)
            .await
            .map_err(unexpected)?;
        }
        tx.commit().await
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &OfferFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Offer>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query =
            offers::Entity::find().filter(offers::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(kind) = filter.offer_type {
            query = query.filter(offers::Column::OfferType.eq(kind.as_str()));
        }
        if filter.open_only {
            query = query.filter(offers::Column::Open.eq(true));
        }
        if !filter.ids.is_empty() {
            query = query.filter(offers::Column::Id.is_in(filter.ids.iter().map(|i| i.as_uuid())));
        }
        if let Some(peer) = filter.facilitated_by {
            let theirs = sea_orm::sea_query::Query::select()
                .column(offer_facilitators::Column::OfferId)
                .from(offer_facilitators::Entity)
                .and_where(offer_facilitators::Column::TenantId.eq(tenant.as_uuid()))
                .and_where(offer_facilitators::Column::PeerId.eq(peer.as_uuid()))
                .to_owned();
            query = query.filter(offers::Column::Id.in_subquery(theirs));
        }
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, offers::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let items = load_offers(&tx, tenant, rows).await?;
        tx.commit().await?;
        Ok(Page::from_probe(items, page).with_total(total))
    }

    async fn get(&self, ctx: &RequestContext, id: OfferId) -> DomainResult<Offer> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = offer_row(&tx, tenant, id, false).await?;
        let offer = load_offers(&tx, tenant, vec![row]).await?.pop();
        tx.commit().await?;
        offer.ok_or(DomainError::NotFound { resource: "offer" })
    }

    async fn set_open(&self, ctx: &RequestContext, id: OfferId, open: bool) -> DomainResult<Offer> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = offer_row(&tx, tenant, id, true).await?;
        let mut model = row.into_active_model();
        model.open = Set(open);
        let row = model.update(&tx).await.map_err(unexpected)?;
        let offer = load_offers(&tx, tenant, vec![row]).await?.pop();
        tx.commit().await?;
        offer.ok_or(DomainError::NotFound { resource: "offer" })
    }

    async fn enrolments_of_citizen(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        page: &PageRequest,
    ) -> DomainResult<Page<Enrolment>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let query = enrolments::Entity::find()
            .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
            .filter(enrolments::Column::CitizenId.eq(citizen.as_uuid()));
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = crate::repositories::keyset(query, enrolments::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Page::from_probe(rows, page)
            .with_total(total)
            .try_map(enrolment_from)
    }

    async fn enrolment_counts(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<Vec<(OfferId, peerbro_domain::offers::EnrolmentStatus, u64)>> {
        self.enrolment_counts_in(ctx).await
    }

    async fn enrolment_pseudonyms(
        &self,
        ctx: &RequestContext,
        ids: &[EnrolmentId],
        facilitated_by: Option<PeerId>,
        citizen: Option<CitizenId>,
    ) -> DomainResult<std::collections::HashMap<EnrolmentId, String>> {
        self.enrolment_pseudonyms_in(ctx, ids, facilitated_by, citizen)
            .await
    }

    async fn sessions(
        &self,
        ctx: &RequestContext,
        offers: &[OfferId],
    ) -> DomainResult<Vec<CourseSession>> {
        if offers.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = course_sessions::Entity::find()
            .filter(course_sessions::Column::TenantId.eq(tenant.as_uuid()))
            .filter(course_sessions::Column::OfferId.is_in(offers.iter().map(|o| o.as_uuid())))
            .order_by_asc(course_sessions::Column::OfferId)
            .order_by_asc(course_sessions::Column::Number)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(session_from).collect()
    }

    async fn session(
        &self,
        ctx: &RequestContext,
        id: CourseSessionId,
    ) -> DomainResult<CourseSession> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row =
            by_id::<course_sessions::Entity>(&tx, tenant, id.as_uuid(), false, "session").await?;
        tx.commit().await?;
        session_from(row)
    }

    async fn enrolments(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        status: Option<EnrolmentStatus>,
        page: &PageRequest,
    ) -> DomainResult<Page<Enrolment>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query = enrolments::Entity::find()
            .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
            .filter(enrolments::Column::OfferId.eq(offer.as_uuid()));
        if let Some(status) = status {
            query = query.filter(enrolments::Column::Status.eq(status.as_str()));
        }
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, enrolments::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Page::from_probe(rows, page)
            .with_total(total)
            .try_map(enrolment_from)
    }

    async fn rosters(
        &self,
        ctx: &RequestContext,
        offers: &[OfferId],
    ) -> DomainResult<peerbro_domain::offers::Rosters> {
        self.rosters_in(ctx, offers).await
    }

    async fn record_attendance(
        &self,
        ctx: &RequestContext,
        session: CourseSessionId,
        marks: &[(CitizenId, bool)],
    ) -> DomainResult<Vec<Attendance>> {
        self.record_attendance_in(ctx, session, marks).await
    }

    async fn attendance(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<Vec<Attendance>> {
        self.attendance_in(ctx, offer).await
    }

    async fn record_cafe_visit(&self, ctx: &RequestContext, visit: &CafeVisit) -> DomainResult<()> {
        self.record_cafe_visit_in(ctx, visit).await
    }

    async fn cafe_visits(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<CafeVisit>> {
        self.cafe_visits_in(ctx, offer, from, to).await
    }

    async fn meetings(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
        page: &PageRequest,
    ) -> DomainResult<Page<Meeting>> {
        self.meetings_in(ctx, referral, page).await
    }

    async fn meeting(
        &self,
        ctx: &RequestContext,
        id: peerbro_domain::ids::MeetingId,
    ) -> DomainResult<Meeting> {
        self.meeting_in(ctx, id).await
    }

    async fn meetings_of_citizen(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<Meeting>> {
        self.meetings_of_citizen_in(ctx, citizen, from, to).await
    }

    async fn meetings_of_peer(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<Meeting>> {
        self.meetings_of_peer_in(ctx, peer, from, to).await
    }

    async fn sessions_facilitated(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<CourseSession>> {
        self.sessions_facilitated_in(ctx, peer, from, to).await
    }

    async fn matches_of(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        page: &PageRequest,
    ) -> DomainResult<Page<PeerMatch>> {
        self.matches_of_in(ctx, peer, page).await
    }

    async fn referral_parties(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
    ) -> DomainResult<ReferralParties> {
        self.referral_parties_in(ctx, referral).await
    }
}
