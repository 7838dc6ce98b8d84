//! The fake unit of work: a copy of the state, written back on commit.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use super::world::{State, World};
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::{CitizenId, EnrolmentId, OfferId, PeerId, ReferralId, TenantId};
use crate::offers::{Course, CourseStore, Enrolment, Meeting, MeetingStore};
use crate::people::{ConsentRecord, ConsentStore};
use crate::privacy::Purpose;
use crate::referral::{
    PeerCapacity, PeerPlaces, Referral, ReferralState, ReferralStore, ReferralTransition,
};
use crate::unit_of_work::{Transactions, UnitOfWork};

pub(crate) struct FakeUnit {
    shared: Arc<Mutex<State>>,
    staged: State,
    tenant: TenantId,
}

#[async_trait]
impl Transactions for World {
    async fn begin(&self, ctx: &RequestContext) -> DomainResult<Box<dyn UnitOfWork>> {
        let tenant = ctx.tenant_id()?;
        let staged = self.state().clone();
        Ok(Box::new(FakeUnit {
            shared: self.state.clone(),
            staged,
            tenant,
        }))
    }
}

#[async_trait]
impl UnitOfWork for FakeUnit {
    fn referrals(&mut self) -> &mut dyn ReferralStore {
        self
    }

    fn courses(&mut self) -> &mut dyn CourseStore {
        self
    }

    fn peer_places(&mut self) -> &mut dyn PeerPlaces {
        self
    }

    fn meetings(&mut self) -> &mut dyn MeetingStore {
        self
    }

    fn consents(&mut self) -> &mut dyn ConsentStore {
        self
    }

    async fn commit(self: Box<Self>) -> DomainResult<()> {
        *self.shared.lock().unwrap_or_else(PoisonError::into_inner) = self.staged;
        Ok(())
    }
}

#[async_trait]
impl ConsentStore for FakeUnit {
    async fn record(
        &mut self,
        _ctx: &RequestContext,
        citizen: CitizenId,
        record: &ConsentRecord,
        _purpose: Purpose,
    ) -> DomainResult<()> {
        if !self.staged.citizens.contains_key(&(self.tenant, citizen)) {
            return Err(DomainError::NotFound {
                resource: "citizen",
            });
        }
        self.staged
            .consents
            .entry((self.tenant, citizen))
            .or_default()
            .push(record.clone());
        Ok(())
    }

    async fn withdraw_study_consents(
        &mut self,
        _citizen: CitizenId,
        _record: &ConsentRecord,
    ) -> DomainResult<u32> {
        // The fake world keeps no study consents.
        Ok(0)
    }
}

#[async_trait]
impl ReferralStore for FakeUnit {
    async fn open_of_citizen(&mut self, citizen: CitizenId) -> DomainResult<Vec<ReferralId>> {
        let mut open: Vec<ReferralId> = self
            .staged
            .referrals
            .iter()
            .filter(|((t, _), r)| {
                *t == self.tenant && r.citizen_id == citizen && !r.state.is_final()
            })
            .map(|((_, id), _)| *id)
            .collect();
        open.sort_by_key(|id| id.as_uuid());
        Ok(open)
    }

    async fn lock(&mut self, id: ReferralId) -> DomainResult<Referral> {
        let mut found = self
            .staged
            .referrals
            .get(&(self.tenant, id))
            .cloned()
            .ok_or(DomainError::NotFound {
                resource: "referral",
            })?;
        found.reason = None;
        Ok(found)
    }

    async fn save(
        &mut self,
        referral: &Referral,
        moves: &[ReferralTransition],
    ) -> DomainResult<()> {
        let stored = self
            .staged
            .referrals
            .get_mut(&(self.tenant, referral.id))
            .ok_or(DomainError::NotFound {
                resource: "referral",
            })?;
        let reason = stored.reason.clone();
        *stored = Referral {
            reason,
            ..referral.clone()
        };
        for t in moves {
            self.staged
                .outbox
                .push((self.tenant, referral.id, Some(t.clone())));
        }
        Ok(())
    }
}

#[async_trait]
impl PeerPlaces for FakeUnit {
    async fn peer_of_user(&mut self, user: crate::ids::UserId) -> DomainResult<Option<PeerId>> {
        Ok(self
            .staged
            .peers
            .iter()
            .find(|((t, _), p)| *t == self.tenant && p.user_id == Some(user))
            .map(|((_, id), _)| *id))
    }

    async fn lock_capacity(&mut self, peer: PeerId) -> DomainResult<PeerCapacity> {
        let p = self
            .staged
            .peers
            .get(&(self.tenant, peer))
            .ok_or(DomainError::NotFound {
                resource: "peer worker",
            })?;
        let open = self
            .staged
            .referrals
            .iter()
            .filter(|((t, _), r)| {
                *t == self.tenant
                    && r.assigned_peer_id == Some(peer)
                    && ReferralState::holds_peer_place(r.state)
            })
            .count();
        Ok(PeerCapacity {
            peer_id: peer,
            status: p.status,
            max_matches: p.max_matches,
            open_matches: u32::try_from(open).unwrap_or(u32::MAX),
        })
    }
}

#[async_trait]
impl CourseStore for FakeUnit {
    async fn lock(&mut self, offer: OfferId) -> DomainResult<Course> {
        let t = self.tenant;
        let row = self
            .staged
            .offers
            .get(&(t, offer))
            .ok_or(DomainError::NotFound { resource: "offer" })?;
        let mut enrolments: Vec<Enrolment> = self
            .staged
            .enrolments
            .iter()
            .filter(|(tt, e)| *tt == t && e.offer_id == offer)
            .map(|(_, e)| e.clone())
            .collect();
        enrolments.sort_by_key(|e| (e.created_at, e.id));
        Ok(Course {
            offer_id: offer,
            offer_type: row.offer_type,
            open: row.open,
            open_access: row.open_access,
            capacity: row.capacity.unwrap_or(0),
            enrolments,
        })
    }

    async fn offer_of(&mut self, enrolment: EnrolmentId) -> DomainResult<OfferId> {
        self.staged
            .enrolments
            .iter()
            .find(|(t, e)| *t == self.tenant && e.id == enrolment)
            .map(|(_, e)| e.offer_id)
            .ok_or(DomainError::NotFound {
                resource: "enrolment",
            })
    }

    async fn citizen_exists(&mut self, citizen: CitizenId) -> DomainResult<bool> {
        Ok(self.staged.citizens.contains_key(&(self.tenant, citizen)))
    }

    async fn add(&mut self, enrolment: &Enrolment) -> DomainResult<()> {
        self.staged
            .enrolments
            .push((self.tenant, enrolment.clone()));
        Ok(())
    }

    async fn lock_offer(&mut self, offer: OfferId) -> DomainResult<crate::offers::Offer> {
        self.staged
            .offers
            .get(&(self.tenant, offer))
            .cloned()
            .ok_or(DomainError::NotFound { resource: "offer" })
    }

    async fn update_offer(&mut self, offer: &crate::offers::Offer) -> DomainResult<()> {
        let stored = self
            .staged
            .offers
            .get_mut(&(self.tenant, offer.id))
            .ok_or(DomainError::NotFound { resource: "offer" })?;
        *stored = offer.clone();
        Ok(())
    }

    async fn lock_session(
        &mut self,
        session: crate::ids::CourseSessionId,
    ) -> DomainResult<crate::offers::CourseSession> {
        self.staged
            .sessions
            .iter()
            .find(|(t, s)| *t == self.tenant && s.id == session)
            .map(|(_, s)| s.clone())
            .ok_or(DomainError::NotFound {
                resource: "course session",
            })
    }

    async fn update_session(&mut self, session: &crate::offers::CourseSession) -> DomainResult<()> {
        let (_, stored) = self
            .staged
            .sessions
            .iter_mut()
            .find(|(t, s)| *t == self.tenant && s.id == session.id)
            .ok_or(DomainError::NotFound {
                resource: "course session",
            })?;
        *stored = session.clone();
        Ok(())
    }

    async fn update(&mut self, changed: &[Enrolment]) -> DomainResult<()> {
        for e in changed {
            let (_, stored) = self
                .staged
                .enrolments
                .iter_mut()
                .find(|(t, s)| *t == self.tenant && s.id == e.id)
                .ok_or(DomainError::NotFound {
                    resource: "enrolment",
                })?;
            *stored = e.clone();
        }
        Ok(())
    }
}

#[async_trait]
impl MeetingStore for FakeUnit {
    async fn add_meeting(&mut self, meeting: &Meeting) -> DomainResult<()> {
        self.staged.meetings.push((self.tenant, meeting.clone()));
        Ok(())
    }

    async fn lock_meeting(&mut self, id: crate::ids::MeetingId) -> DomainResult<Meeting> {
        self.staged
            .meetings
            .iter()
            .find(|(t, m)| *t == self.tenant && m.id == id)
            .map(|(_, m)| m.clone())
            .ok_or(DomainError::NotFound {
                resource: "meeting",
            })
    }

    async fn update_meeting(&mut self, meeting: &Meeting) -> DomainResult<()> {
        let (_, stored) = self
            .staged
            .meetings
            .iter_mut()
            .find(|(t, m)| *t == self.tenant && m.id == meeting.id)
            .ok_or(DomainError::NotFound {
                resource: "meeting",
            })?;
        *stored = meeting.clone();
        Ok(())
    }
}
