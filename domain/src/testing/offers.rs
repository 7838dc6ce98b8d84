//! The fake offer repository.

use async_trait::async_trait;
use chrono::NaiveDate;

use super::world::World;
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::{CitizenId, CourseSessionId, EnrolmentId, OfferId, PeerId, ReferralId};
use crate::offers::{
    Attendance, CafeVisit, CourseSession, Enrolment, EnrolmentStatus, FacilitatorCheck, Meeting,
    Offer, OfferFilter, OfferRepository, PeerMatch, ReferralParties, check_attendance,
};
use crate::page::{Page, PageRequest};

fn no_offer() -> DomainError {
    DomainError::NotFound { resource: "offer" }
}

fn no_referral() -> DomainError {
    DomainError::NotFound {
        resource: "referral",
    }
}

#[async_trait]
impl OfferRepository for World {
    async fn create(
        &self,
        ctx: &RequestContext,
        offer: &Offer,
        sessions: &[CourseSession],
        check: FacilitatorCheck,
    ) -> DomainResult<()> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        if !s.organisations.contains_key(&(t, offer.organisation_id)) {
            return Err(DomainError::NotFound {
                resource: "organisation",
            });
        }
        let statuses = offer
            .facilitators
            .iter()
            .map(|p| {
                s.peers
                    .get(&(t, *p))
                    .map(|peer| (*p, peer.status))
                    .ok_or(DomainError::NotFound {
                        resource: "peer worker",
                    })
            })
            .collect::<DomainResult<Vec<_>>>()?;
        check(&statuses)?;
        s.offers.insert((t, offer.id), offer.clone());
        s.sessions.extend(sessions.iter().map(|x| (t, x.clone())));
        Ok(())
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &OfferFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Offer>> {
        let t = ctx.tenant_id()?;
        let mut rows: Vec<Offer> = self
            .state()
            .offers
            .iter()
            .filter(|((tt, _), o)| {
                *tt == t
                    && filter.offer_type.is_none_or(|k| k == o.offer_type)
                    && (!filter.open_only || o.open)
                    && (filter.ids.is_empty() || filter.ids.contains(&o.id))
                    && filter
                        .facilitated_by
                        .is_none_or(|p| o.facilitators.contains(&p))
            })
            .map(|(_, o)| o.clone())
            .collect();
        rows.sort_by_key(|o| o.id);
        Ok(Page::from_probe(rows, page))
    }

    async fn get(&self, ctx: &RequestContext, id: OfferId) -> DomainResult<Offer> {
        let t = ctx.tenant_id()?;
        self.state()
            .offers
            .get(&(t, id))
            .cloned()
            .ok_or_else(no_offer)
    }

    async fn set_open(&self, ctx: &RequestContext, id: OfferId, open: bool) -> DomainResult<Offer> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let offer = s.offers.get_mut(&(t, id)).ok_or_else(no_offer)?;
        offer.open = open;
        Ok(offer.clone())
    }

    async fn enrolment_counts(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<Vec<(OfferId, EnrolmentStatus, u64)>> {
        let t = ctx.tenant_id()?;
        let mut counts = std::collections::BTreeMap::new();
        for (_, e) in self.state().enrolments.iter().filter(|(tt, _)| *tt == t) {
            *counts.entry((e.offer_id, e.status)).or_insert(0) += 1;
        }
        Ok(counts.into_iter().map(|((o, s), n)| (o, s, n)).collect())
    }

    async fn enrolment_pseudonyms(
        &self,
        ctx: &RequestContext,
        ids: &[EnrolmentId],
        facilitated_by: Option<PeerId>,
        citizen: Option<CitizenId>,
    ) -> DomainResult<std::collections::HashMap<EnrolmentId, String>> {
        Ok(super::meetings::enrolment_pseudonyms(
            &self.state(),
            ctx.tenant_id()?,
            ids,
            facilitated_by,
            citizen,
        ))
    }

    async fn sessions(
        &self,
        ctx: &RequestContext,
        offers: &[OfferId],
    ) -> DomainResult<Vec<CourseSession>> {
        let t = ctx.tenant_id()?;
        Ok(self
            .state()
            .sessions
            .iter()
            .filter(|(tt, x)| *tt == t && offers.contains(&x.offer_id))
            .map(|(_, x)| x.clone())
            .collect())
    }

    async fn sessions_facilitated(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<CourseSession>> {
        Ok(super::meetings::sessions_facilitated(
            &self.state(),
            ctx.tenant_id()?,
            peer,
            from,
            to,
        ))
    }

    async fn meeting(
        &self,
        ctx: &RequestContext,
        id: crate::ids::MeetingId,
    ) -> DomainResult<Meeting> {
        super::meetings::meeting(&self.state(), ctx.tenant_id()?, id)
    }

    async fn meetings_of_citizen(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<Meeting>> {
        Ok(super::meetings::of_citizen(
            &self.state(),
            ctx.tenant_id()?,
            citizen,
            from,
            to,
        ))
    }

    async fn meetings_of_peer(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<Meeting>> {
        Ok(super::meetings::of_peer(
            &self.state(),
            ctx.tenant_id()?,
            peer,
            from,
            to,
        ))
    }

    async fn session(
        &self,
        ctx: &RequestContext,
        id: CourseSessionId,
    ) -> DomainResult<CourseSession> {
        let t = ctx.tenant_id()?;
        self.state()
            .sessions
            .iter()
            .find(|(tt, x)| *tt == t && x.id == id)
            .map(|(_, x)| x.clone())
            .ok_or(DomainError::NotFound {
                resource: "session",
            })
    }

    async fn enrolments(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        status: Option<EnrolmentStatus>,
        page: &PageRequest,
    ) -> DomainResult<Page<Enrolment>> {
        let rows = super::meetings::enrolments_of_offer(&self.state(), ctx.tenant_id()?, offer);
        let rows = rows
            .into_iter()
            .filter(|e| status.is_none_or(|s| s == e.status))
            .collect();
        Ok(Page::from_probe(rows, page))
    }

    async fn enrolments_of_citizen(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        page: &PageRequest,
    ) -> DomainResult<Page<Enrolment>> {
        let rows = super::meetings::enrolments_of(&self.state(), ctx.tenant_id()?, citizen);
        Ok(Page::from_probe(rows, page))
    }

    async fn rosters(
        &self,
        ctx: &RequestContext,
        offers: &[OfferId],
    ) -> DomainResult<crate::offers::Rosters> {
        let mut out = crate::offers::Rosters::default();
        for offer in offers {
            let t = ctx.tenant_id()?;
            out.enrolments.extend(super::meetings::enrolments_of_offer(
                &self.state(),
                t,
                *offer,
            ));
            out.attendance.extend(self.attendance(ctx, *offer).await?);
        }
        Ok(out)
    }

    async fn record_attendance(
        &self,
        ctx: &RequestContext,
        session: CourseSessionId,
        marks: &[(CitizenId, bool)],
    ) -> DomainResult<Vec<Attendance>> {
        let t = ctx.tenant_id()?;
        let found = self.session(ctx, session).await?;
        let mut s = self.state();
        let placed = |c: CitizenId| {
            s.enrolments.iter().any(|(tt, e)| {
                *tt == t
                    && e.offer_id == found.offer_id
                    && e.citizen_id == c
                    && e.status == EnrolmentStatus::Enrolled
            })
        };
        for (citizen, _) in marks {
            check_attendance(placed(*citizen))?;
        }
        let recorded: Vec<Attendance> = marks
            .iter()
            .map(|(citizen, present)| Attendance {
                session_id: session,
                citizen_id: *citizen,
                present: *present,
            })
            .collect();
        s.attendance.retain(|(tt, a)| {
            !(*tt == t && a.session_id == session && marks.iter().any(|(c, _)| *c == a.citizen_id))
        });
        s.attendance.extend(recorded.iter().map(|a| (t, *a)));
        Ok(recorded)
    }

    async fn attendance(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<Vec<Attendance>> {
        let t = ctx.tenant_id()?;
        let s = self.state();
        Ok(s.attendance
            .iter()
            .filter(|(tt, a)| {
                *tt == t
                    && s.sessions
                        .iter()
                        .any(|(_, x)| x.id == a.session_id && x.offer_id == offer)
            })
            .map(|(_, a)| *a)
            .collect())
    }

    async fn record_cafe_visit(&self, ctx: &RequestContext, visit: &CafeVisit) -> DomainResult<()> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        if !s.offers.contains_key(&(t, visit.offer_id)) {
            return Err(no_offer());
        }
        s.cafe_visits
            .retain(|(tt, v)| !(*tt == t && v.offer_id == visit.offer_id && v.date == visit.date));
        s.cafe_visits.push((t, *visit));
        Ok(())
    }

    async fn cafe_visits(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<CafeVisit>> {
        let t = ctx.tenant_id()?;
        let mut rows: Vec<CafeVisit> = self
            .state()
            .cafe_visits
            .iter()
            .filter(|(tt, v)| *tt == t && v.offer_id == offer && v.date >= from && v.date <= to)
            .map(|(_, v)| *v)
            .collect();
        rows.sort_by_key(|v| v.date);
        Ok(rows)
    }

    async fn meetings(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
        page: &PageRequest,
    ) -> DomainResult<Page<Meeting>> {
        let t = ctx.tenant_id()?;
        let mut rows: Vec<Meeting> = self
            .state()
            .meetings
            .iter()
            .filter(|(tt, m)| *tt == t && m.referral_id == referral)
            .map(|(_, m)| m.clone())
            .collect();
        rows.sort_by_key(|m| m.id);
        Ok(Page::from_probe(rows, page))
    }

    async fn matches_of(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        page: &PageRequest,
    ) -> DomainResult<Page<PeerMatch>> {
        let rows = super::meetings::matches_of(&self.state(), ctx.tenant_id()?, peer);
        Ok(Page::from_probe(rows, page))
    }

    async fn referral_parties(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
    ) -> DomainResult<ReferralParties> {
        let t = ctx.tenant_id()?;
        let s = self.state();
        let r = s.referrals.get(&(t, referral)).ok_or_else(no_referral)?;
        Ok(ReferralParties {
            citizen_id: r.citizen_id,
            assigned_peer_id: r.assigned_peer_id,
            state: r.state,
        })
    }
}
