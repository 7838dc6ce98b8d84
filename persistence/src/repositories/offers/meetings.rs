//! Meetings of one-to-one matches — planned, held or cancelled, without content — read for a
//! match, a citizen or a peer's schedule, and stored through the unit of work; and the
//! sessions a peer facilitates.

use async_trait::async_trait;
use chrono::NaiveDate;
use std::collections::HashMap;

use peerbro_domain::ids::{CitizenId, EnrolmentId, MeetingId, PeerId, ReferralId, UserId};
use peerbro_domain::offers::{CourseSession, Meeting, MeetingStore};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::{DomainResult, RequestContext};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, Condition, EntityTrait as _,
    IntoActiveModel as _, JoinType, QueryFilter as _, QueryOrder as _, QuerySelect as _, Select,
};

use super::SeaOfferRepository;
use super::rows::{corrupt, session_from, to_i32, to_u32};
use crate::entities::offers::{course_sessions, enrolments, meetings, offer_facilitators};
use crate::entities::privacy::citizens;
use crate::entities::referral::referrals;
use crate::errors::unexpected;
use crate::repositories::rows::by_id;
use crate::unit_of_work::SeaUnit;

pub(super) fn meeting_from(m: meetings::Model) -> DomainResult<Meeting> {
    Ok(Meeting {
        id: MeetingId::from_uuid(m.id),
        referral_id: ReferralId::from_uuid(m.referral_id),
        peer_id: PeerId::from_uuid(m.peer_id),
        date: m.date,
        start_time: m.start_time,
        minutes: to_u32(m.minutes, "meeting length")?,
        form: m.form.parse().map_err(|_| corrupt("meeting form"))?,
        status: m.status.parse().map_err(|_| corrupt("meeting status"))?,
        logged_by: m.logged_by.map(UserId::from_uuid),
        logged_at: m.logged_at,
    })
}

fn in_order(query: Select<meetings::Entity>) -> Select<meetings::Entity> {
    query
        .order_by_asc(meetings::Column::Date)
        .order_by_asc(meetings::Column::StartTime)
        .order_by_asc(meetings::Column::Id)
}

impl SeaOfferRepository {
    async fn meetings_where(
        &self,
        ctx: &RequestContext,
        condition: Condition,
    ) -> DomainResult<Vec<Meeting>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = in_order(
            meetings::Entity::find()
                .filter(meetings::Column::TenantId.eq(tenant.as_uuid()))
                .filter(condition),
        )
        .all(&tx)
        .await
        .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(meeting_from).collect()
    }

    /// A page of one match's meetings, by id (the order they were planned or logged).
    pub(super) async fn meetings_in(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
        page: &PageRequest,
    ) -> DomainResult<Page<Meeting>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let query = meetings::Entity::find()
            .filter(meetings::Column::TenantId.eq(tenant.as_uuid()))
            .filter(meetings::Column::ReferralId.eq(referral.as_uuid()));
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = crate::repositories::keyset(query, meetings::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Page::from_probe(rows, page)
            .with_total(total)
            .try_map(meeting_from)
    }

    pub(super) async fn meeting_in(
        &self,
        ctx: &RequestContext,
        id: MeetingId,
    ) -> DomainResult<Meeting> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = by_id::<meetings::Entity>(&tx, tenant, id.as_uuid(), false, "meeting").await?;
        tx.commit().await?;
        meeting_from(row)
    }

    /// A citizen's meetings: those of referrals about them (one statement, a subquery).
    pub(super) async fn meetings_of_citizen_in(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<Meeting>> {
        let tenant = ctx.tenant_id()?;
        let theirs = Query::select()
            .column(referrals::Column::Id)
            .from(referrals::Entity)
            .and_where(referrals::Column::TenantId.eq(tenant.as_uuid()))
            .and_where(referrals::Column::CitizenId.eq(citizen.as_uuid()))
            .to_owned();
        let condition = Condition::all()
            .add(meetings::Column::ReferralId.in_subquery(theirs))
            .add(meetings::Column::Date.gte(from))
            .add(meetings::Column::Date.lte(to));
        self.meetings_where(ctx, condition).await
    }

    pub(super) async fn meetings_of_peer_in(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<Meeting>> {
        self.meetings_where(
            ctx,
            Condition::all()
                .add(meetings::Column::PeerId.eq(peer.as_uuid()))
                .add(meetings::Column::Date.gte(from))
                .add(meetings::Column::Date.lte(to)),
        )
        .await
    }

    /// The sessions of the courses a peer facilitates (one statement, a subquery).
    pub(super) async fn sessions_facilitated_in(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<CourseSession>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let courses = Query::select()
            .column(offer_facilitators::Column::OfferId)
            .from(offer_facilitators::Entity)
            .and_where(offer_facilitators::Column::TenantId.eq(tenant.as_uuid()))
            .and_where(offer_facilitators::Column::PeerId.eq(peer.as_uuid()))
            .to_owned();
        let rows = course_sessions::Entity::find()
            .filter(course_sessions::Column::TenantId.eq(tenant.as_uuid()))
            .filter(course_sessions::Column::OfferId.in_subquery(courses))
            .filter(course_sessions::Column::Date.gte(from))
            .filter(course_sessions::Column::Date.lte(to))
            .order_by_asc(course_sessions::Column::Date)
            .order_by_asc(course_sessions::Column::StartTime)
            .order_by_asc(course_sessions::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(session_from).collect()
    }
}

impl SeaOfferRepository {
    /// The pseudonyms of the citizens of some enrolments, narrowed to a facilitator's courses
    /// or to one citizen: one joined statement.
    pub(super) async fn enrolment_pseudonyms_in(
        &self,
        ctx: &RequestContext,
        ids: &[EnrolmentId],
        facilitated_by: Option<PeerId>,
        citizen: Option<CitizenId>,
    ) -> DomainResult<HashMap<EnrolmentId, String>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let of = enrolments::Entity::belongs_to(citizens::Entity)
            .from((enrolments::Column::TenantId, enrolments::Column::CitizenId))
            .to((citizens::Column::TenantId, citizens::Column::Id))
            .into();
        let mut query = enrolments::Entity::find()
            .select_only()
            .column(enrolments::Column::Id)
            .column(citizens::Column::Pseudonym)
            .join(JoinType::InnerJoin, of)
            .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
            .filter(enrolments::Column::Id.is_in(ids.iter().map(|e| e.as_uuid())));
        if let Some(peer) = facilitated_by {
            let theirs = Query::select()
                .column(offer_facilitators::Column::OfferId)
                .from(offer_facilitators::Entity)
                .and_where(offer_facilitators::Column::TenantId.eq(tenant.as_uuid()))
                .and_where(offer_facilitators::Column::PeerId.eq(peer.as_uuid()))
                .to_owned();
            query = query.filter(enrolments::Column::OfferId.in_subquery(theirs));
        }
        if let Some(citizen) = citizen {
            query = query.filter(enrolments::Column::CitizenId.eq(citizen.as_uuid()));
        }
        let rows: Vec<(uuid::Uuid, String)> =
            query.into_tuple().all(&tx).await.map_err(unexpected)?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(id, pseudonym)| (EnrolmentId::from_uuid(id), pseudonym))
            .collect())
    }
}

#[async_trait]
impl MeetingStore for SeaUnit {
    async fn add_meeting(&mut self, meeting: &Meeting) -> DomainResult<()> {
        meetings::Entity::insert(meetings::ActiveModel {
            tenant_id: Set(self.tenant.as_uuid()),
            id: Set(meeting.id.as_uuid()),
            referral_id: Set(meeting.referral_id.as_uuid()),
            peer_id: Set(meeting.peer_id.as_uuid()),
            date: Set(meeting.date),
            start_time: Set(meeting.start_time),
            minutes: Set(to_i32(meeting.minutes)),
            form: Set(meeting.form.as_str().to_owned()),
            status: Set(meeting.status.as_str().to_owned()),
            logged_by: Set(meeting.logged_by.map(|u| u.as_uuid())),
            logged_at: Set(meeting.logged_at),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(unexpected)?;
        Ok(())
    }

    async fn lock_meeting(&mut self, id: MeetingId) -> DomainResult<Meeting> {
        meeting_from(
            by_id::<meetings::Entity>(&self.tx, self.tenant, id.as_uuid(), true, "meeting").await?,
        )
    }

    async fn update_meeting(&mut self, meeting: &Meeting) -> DomainResult<()> {
        let row = by_id::<meetings::Entity>(
            &self.tx,
            self.tenant,
            meeting.id.as_uuid(),
            false,
            "meeting",
        )
        .await?;
        let mut model = row.into_active_model();
        model.peer_id = Set(meeting.peer_id.as_uuid());
        model.date = Set(meeting.date);
        model.start_time = Set(meeting.start_time);
        model.minutes = Set(to_i32(meeting.minutes));
        model.form = Set(meeting.form.as_str().to_owned());
        model.status = Set(meeting.status.as_str().to_owned());
        model.logged_by = Set(meeting.logged_by.map(|u| u.as_uuid()));
        model.logged_at = Set(meeting.logged_at);
        model.update(&self.tx).await.map_err(unexpected)?;
        Ok(())
    }
}
