//! Courses inside a unit of work: the offer row locked with its enrolments loaded, so that two
//! enrolments cannot both take the last place; the domain's `Course` decides, this stores.

use async_trait::async_trait;
use peerbro_domain::ids::{CitizenId, CourseSessionId, EnrolmentId, OfferId};
use peerbro_domain::offers::{Course, CourseSession, CourseStore, Enrolment, Offer};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
};

use super::rows::{corrupt, enrolment_from, load_offers, offer_row, session_from, to_i32, to_u32};
use crate::entities::offers::{course_sessions, enrolments};
use crate::entities::privacy::citizens;
use crate::errors::unexpected;
use crate::repositories::rows::by_id;
use crate::unit_of_work::SeaUnit;

#[async_trait]
impl CourseStore for SeaUnit {
    async fn lock(&mut self, offer: OfferId) -> DomainResult<Course> {
        let row = offer_row(&self.tx, self.tenant, offer, true).await?;
        let enrolments = enrolments::Entity::find()
            .filter(enrolments::Column::TenantId.eq(self.tenant.as_uuid()))
            .filter(enrolments::Column::OfferId.eq(row.id))
            .order_by_asc(enrolments::Column::CreatedAt)
            .order_by_asc(enrolments::Column::Id)
            .all(&self.tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(enrolment_from)
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Course {
            offer_id: offer,
            offer_type: row.offer_type.parse().map_err(|_| corrupt("type"))?,
            open: row.open,
            open_access: row.open_access,
            capacity: row
                .capacity
                .map(|c| to_u32(c, "capacity"))
                .transpose()?
                .unwrap_or(0),
            enrolments,
        })
    }

    async fn offer_of(&mut self, enrolment: EnrolmentId) -> DomainResult<OfferId> {
        let row = by_id::<enrolments::Entity>(
            &self.tx,
            self.tenant,
            enrolment.as_uuid(),
            false,
            "enrolment",
        )
        .await?;
        Ok(OfferId::from_uuid(row.offer_id))
    }

    async fn citizen_exists(&mut self, citizen: CitizenId) -> DomainResult<bool> {
        let n = citizens::Entity::find()
            .filter(citizens::Column::TenantId.eq(self.tenant.as_uuid()))
            .filter(citizens::Column::Id.eq(citizen.as_uuid()))
            .count(&self.tx)
            .await
            .map_err(unexpected)?;
        Ok(n > 0)
    }

    async fn add(&mut self, enrolment: &Enrolment) -> DomainResult<()> {
        enrolments::ActiveModel {
            tenant_id: Set(self.tenant.as_uuid()),
            id: Set(enrolment.id.as_uuid()),
            offer_id: Set(enrolment.offer_id.as_uuid()),
            citizen_id: Set(enrolment.citizen_id.as_uuid()),
            referral_id: Set(enrolment.referral_id.map(|r| r.as_uuid())),
            status: Set(enrolment.status.as_str().to_owned()),
            created_at: Set(enrolment.created_at),
            updated_at: Set(enrolment.updated_at),
        }
        .insert(&self.tx)
        .await
        .map_err(unexpected)?;
        Ok(())
    }

    async fn lock_offer(&mut self, offer: OfferId) -> DomainResult<Offer> {
        let row = offer_row(&self.tx, self.tenant, offer, true).await?;
        load_offers(&self.tx, self.tenant, vec![row])
            .await?
            .pop()
            .ok_or(DomainError::NotFound { resource: "offer" })
    }

    async fn update_offer(&mut self, offer: &Offer) -> DomainResult<()> {
        let mut model = offer_row(&self.tx, self.tenant, offer.id, false)
            .await?
            .into_active_model();
        model.title = Set(offer.title.clone());
        model.location = Set(offer.location.clone());
        model.capacity = Set(offer.capacity.map(to_i32));
        model.open_access = Set(offer.open_access);
        model.update(&self.tx).await.map_err(unexpected)?;
        Ok(())
    }

    async fn lock_session(&mut self, session: CourseSessionId) -> DomainResult<CourseSession> {
        session_from(
            by_id::<course_sessions::Entity>(
                &self.tx,
                self.tenant,
                session.as_uuid(),
                true,
                "course session",
            )
            .await?,
        )
    }

    async fn update_session(&mut self, session: &CourseSession) -> DomainResult<()> {
        let mut model = by_id::<course_sessions::Entity>(
            &self.tx,
            self.tenant,
            session.id.as_uuid(),
            false,
            "course session",
        )
        .await?
        .into_active_model();
        model.cancelled_at = Set(session.cancelled_at);
        model.update(&self.tx).await.map_err(unexpected)?;
        Ok(())
    }

    async fn update(&mut self, changed: &[Enrolment]) -> DomainResult<()> {
        for enrolment in changed {
            let done = enrolments::Entity::update_many()
                .col_expr(
                    enrolments::Column::Status,
                    sea_orm::sea_query::Expr::value(enrolment.status.as_str()),
                )
                .col_expr(
                    enrolments::Column::UpdatedAt,
                    sea_orm::sea_query::Expr::value(enrolment.updated_at),
                )
                .filter(enrolments::Column::TenantId.eq(self.tenant.as_uuid()))
                .filter(enrolments::Column::Id.eq(enrolment.id.as_uuid()))
                .exec(&self.tx)
                .await
                .map_err(unexpected)?;
            if done.rows_affected == 0 {
                return Err(DomainError::NotFound {
                    resource: "enrolment",
                });
            }
        }
        Ok(())
    }
}
