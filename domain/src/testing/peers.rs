//! The fake peer repository: reads with a purpose are recorded as audited reads.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::NaiveDate;

use super::world::World;
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult, Duplicate};
use crate::ids::{PeerId, UserId};
use crate::page::{Page, PageRequest};
use crate::people::{
    DEFAULT_SUPERVISION_LIMIT_DAYS, PeerChange, PeerFilter, PeerRepository, PeerStatus, PeerWorker,
    Placement, PlacementCheck, PlacementFilter, SupervisionSession,
};
use crate::privacy::Purpose;

fn not_found() -> DomainError {
    DomainError::NotFound {
        resource: "peer worker",
    }
}

#[async_trait]
impl PeerRepository for World {
    async fn create(
        &self,
        ctx: &RequestContext,
        peer: &PeerWorker,
        _purpose: Purpose,
    ) -> DomainResult<()> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        if !s.organisations.contains_key(&(t, peer.organisation_id)) {
            return Err(DomainError::NotFound {
                resource: "organisation",
            });
        }
        if peer.user_id.is_some()
            && s.peers
                .iter()
                .any(|((tt, _), p)| *tt == t && p.user_id == peer.user_id)
        {
            return Err(Duplicate::PeerUser.into());
        }
        s.peers.insert((t, peer.id), peer.clone());
        Ok(())
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        purpose: Purpose,
    ) -> DomainResult<PeerWorker> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let found = s.peers.get(&(t, id)).cloned().ok_or_else(not_found)?;
        s.reads.push((t, id.as_uuid(), purpose));
        Ok(found)
    }

    async fn erase(&self, ctx: &RequestContext, id: PeerId) -> DomainResult<PeerWorker> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let peer = s.peers.get_mut(&(t, id)).ok_or_else(not_found)?;
        if peer.name.is_none() {
            return Err(DomainError::Conflict(crate::error::Conflict::AlreadyErased));
        }
        peer.name = None;
        peer.contact = None;
        Ok(peer.clone())
    }

    async fn place_hold(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        _hold: &crate::privacy::LegalHold,
    ) -> DomainResult<()> {
        let t = ctx.tenant_id()?;
        self.state().peers.get(&(t, id)).ok_or_else(not_found)?;
        Ok(())
    }

    async fn release_hold(&self, ctx: &RequestContext, id: PeerId) -> DomainResult<bool> {
        let t = ctx.tenant_id()?;
        self.state().peers.get(&(t, id)).ok_or_else(not_found)?;
        Ok(false)
    }

    async fn peer_id_of_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
    ) -> DomainResult<Option<PeerId>> {
        let t = ctx.tenant_id()?;
        Ok(self
            .state()
            .peers
            .iter()
            .find(|((tt, _), p)| *tt == t && p.user_id == Some(user))
            .map(|((_, id), _)| *id))
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        filter: PeerFilter,
        page: &PageRequest,
        purpose: Purpose,
    ) -> DomainResult<Page<PeerWorker>> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let mut rows: Vec<PeerWorker> = s
            .peers
            .iter()
            .filter(|((tt, _), p)| {
                *tt == t
                    && filter.status.is_none_or(|x| x == p.status)
                    && filter.kind.is_none_or(|k| k == p.kind)
                    && (filter.ids.is_empty() || filter.ids.contains(&p.id))
            })
            .map(|(_, p)| p.clone())
            .collect();
        rows.sort_by_key(|p| p.id);
        for p in &rows {
            s.reads.push((t, p.id.as_uuid(), purpose));
        }
        Ok(Page::from_probe(rows, page))
    }

    async fn update(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        change: PeerChange,
        _purpose: Purpose,
    ) -> DomainResult<PeerWorker> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let stored = s.peers.get_mut(&(t, id)).ok_or_else(not_found)?;
        let mut changed = stored.clone();
        change(&mut changed)?;
        *stored = changed.clone();
        Ok(changed)
    }

    async fn needing_supervision(
        &self,
        ctx: &RequestContext,
        cutoff: NaiveDate,
        _purpose: Purpose,
    ) -> DomainResult<Vec<(PeerWorker, Option<NaiveDate>)>> {
        let t = ctx.tenant_id()?;
        let ids: Vec<PeerId> = self
            .state()
            .peers
            .iter()
            .filter(|((tt, _), p)| *tt == t && p.status == PeerStatus::Active)
            .map(|((_, id), _)| *id)
            .collect();
        let last = self.last_supervised(ctx, &ids).await?;
        let s = self.state();
        let mut rows: Vec<(PeerWorker, Option<NaiveDate>)> = ids
            .iter()
            .filter(|id| last.get(id).is_none_or(|d| *d < cutoff))
            .filter_map(|id| {
                s.peers
                    .get(&(t, *id))
                    .map(|p| (p.clone(), last.get(id).copied()))
            })
            .collect();
        rows.sort_by_key(|(p, d)| (*d, p.id));
        Ok(rows)
    }

    async fn active_with_load(
        &self,
        ctx: &RequestContext,
        _purpose: Purpose,
    ) -> DomainResult<Vec<(PeerWorker, u32)>> {
        let t = ctx.tenant_id()?;
        let s = self.state();
        Ok(s.peers
            .iter()
            .filter(|((tt, _), p)| *tt == t && p.status == PeerStatus::Active)
            .map(|((_, id), p)| {
                let open = s
                    .referrals
                    .iter()
                    .filter(|((tt, _), r)| {
                        *tt == t && r.assigned_peer_id == Some(*id) && r.state.holds_peer_place()
                    })
                    .count();
                (p.clone(), u32::try_from(open).unwrap_or(u32::MAX))
            })
            .collect())
    }

    async fn record_supervision(
        &self,
        ctx: &RequestContext,
        session: &SupervisionSession,
    ) -> DomainResult<()> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        if session
            .attendees
            .iter()
            .any(|p| !s.peers.contains_key(&(t, *p)))
        {
            return Err(not_found());
        }
        s.supervision.push((t, session.clone()));
        Ok(())
    }

    async fn supervision_of(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        page: &PageRequest,
    ) -> DomainResult<Page<SupervisionSession>> {
        let t = ctx.tenant_id()?;
        let mut rows: Vec<SupervisionSession> = self
            .state()
            .supervision
            .iter()
            .filter(|(tt, x)| *tt == t && x.attendees.contains(&peer))
            .map(|(_, x)| x.clone())
            .collect();
        rows.sort_by_key(|x| x.id);
        Ok(Page::from_probe(rows, page))
    }

    async fn last_supervised(
        &self,
        ctx: &RequestContext,
        peers: &[PeerId],
    ) -> DomainResult<HashMap<PeerId, NaiveDate>> {
        let t = ctx.tenant_id()?;
        let mut last: HashMap<PeerId, NaiveDate> = HashMap::new();
        for (_, session) in self.state().supervision.iter().filter(|(tt, _)| *tt == t) {
            for p in session.attendees.iter().filter(|p| peers.contains(p)) {
                let day = last.entry(*p).or_insert(session.held_on);
                *day = (*day).max(session.held_on);
            }
        }
        Ok(last)
    }

    async fn supervision_limit_days(&self, ctx: &RequestContext) -> DomainResult<u32> {
        let t = ctx.tenant_id()?;
        Ok(self
            .state()
            .supervision_limit_days
            .get(&t)
            .copied()
            .unwrap_or(DEFAULT_SUPERVISION_LIMIT_DAYS))
    }

    async fn set_supervision_limit_days(
        &self,
        ctx: &RequestContext,
        days: u32,
    ) -> DomainResult<()> {
        let t = ctx.tenant_id()?;
        self.state().supervision_limit_days.insert(t, days);
        Ok(())
    }

    async fn create_placement(
        &self,
        ctx: &RequestContext,
        placement: &Placement,
        check: PlacementCheck,
    ) -> DomainResult<()> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let peer = s
            .peers
            .get(&(t, placement.peer_id))
            .cloned()
            .ok_or_else(not_found)?;
        let unit = s
            .organisations
            .get(&(t, placement.unit_id))
            .cloned()
            .ok_or(DomainError::NotFound {
                resource: "organisation",
            })?;
        let existing: Vec<Placement> = s
            .placements
            .iter()
            .filter(|(tt, p)| *tt == t && p.peer_id == placement.peer_id)
            .map(|(_, p)| p.clone())
            .collect();
        check(&peer, &existing, &unit)?;
        s.placements.push((t, placement.clone()));
        Ok(())
    }

    async fn update_placement(
        &self,
        ctx: &RequestContext,
        id: crate::ids::PlacementId,
        edit: crate::people::PlacementEdit,
    ) -> DomainResult<Placement> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let at = s
            .placements
            .iter()
            .position(|(tt, p)| *tt == t && p.id == id)
            .ok_or(DomainError::NotFound {
                resource: "placement",
            })?;
        let mut placement = s.placements[at].1.clone();
        let peer = s
            .peers
            .get(&(t, placement.peer_id))
            .cloned()
            .ok_or_else(not_found)?;
        let others: Vec<Placement> = s
            .placements
            .iter()
            .filter(|(tt, p)| *tt == t && p.peer_id == placement.peer_id && p.id != id)
            .map(|(_, p)| p.clone())
            .collect();
        edit(&peer, &others, &mut placement)?;
        s.placements[at].1 = placement.clone();
        Ok(placement)
    }

    async fn placements(
        &self,
        ctx: &RequestContext,
        filter: PlacementFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Placement>> {
        let t = ctx.tenant_id()?;
        let mut rows: Vec<Placement> = self
            .state()
            .placements
            .iter()
            .filter(|(tt, p)| {
                *tt == t
                    && filter.unit_id.is_none_or(|u| u == p.unit_id)
                    && filter.peer_id.is_none_or(|x| x == p.peer_id)
                    && filter.active_on.is_none_or(|d| p.active_on(d))
            })
            .map(|(_, p)| p.clone())
            .collect();
        rows.sort_by_key(|p| p.id);
        Ok(Page::from_probe(rows, page))
    }
}
