//! The fake citizen repository: reads with a purpose are recorded as audited reads.

use std::collections::HashMap;

use async_trait::async_trait;

use super::world::World;
use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult, Duplicate};
use crate::ids::{CitizenId, UserId};
use crate::page::{Page, PageRequest};
use crate::people::{
    Citizen, CitizenChange, CitizenFilter, CitizenRepository, ConsentPurpose, ConsentRecord,
    has_consent,
};
use crate::privacy::{LegalHold, Purpose};

fn not_found() -> DomainError {
    DomainError::NotFound {
        resource: "citizen",
    }
}

#[async_trait]
impl CitizenRepository for World {
    async fn create(
        &self,
        ctx: &RequestContext,
        citizen: &Citizen,
        consents: &[ConsentRecord],
        _purpose: Purpose,
    ) -> DomainResult<()> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        if citizen.user_id.is_some()
            && s.citizens
                .iter()
                .any(|((tt, _), c)| *tt == t && c.user_id == citizen.user_id)
        {
            return Err(Duplicate::CitizenUser.into());
        }
        if s.citizens
            .iter()
            .any(|((tt, _), c)| *tt == t && c.pseudonym == citizen.pseudonym)
        {
            return Err(Conflict::PseudonymTaken.into());
        }
        s.citizens.insert((t, citizen.id), citizen.clone());
        s.consents.insert((t, citizen.id), consents.to_vec());
        Ok(())
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        purpose: Purpose,
    ) -> DomainResult<Citizen> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let found = s.citizens.get(&(t, id)).cloned().ok_or_else(not_found)?;
        s.reads.push((t, id.as_uuid(), purpose));
        Ok(found)
    }

    async fn find_by_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
        purpose: Purpose,
    ) -> DomainResult<Option<Citizen>> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let found = s
            .citizens
            .iter()
            .find(|((tt, _), c)| *tt == t && c.user_id == Some(user))
            .map(|(_, c)| c.clone());
        if let Some(c) = &found {
            s.reads.push((t, c.id.as_uuid(), purpose));
        }
        Ok(found)
    }

    async fn citizen_id_of_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
    ) -> DomainResult<Option<CitizenId>> {
        let t = ctx.tenant_id()?;
        Ok(self
            .state()
            .citizens
            .iter()
            .find(|((tt, _), c)| *tt == t && c.user_id == Some(user))
            .map(|((_, id), _)| *id))
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &CitizenFilter,
        page: &PageRequest,
        purpose: Purpose,
    ) -> DomainResult<Page<Citizen>> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let mut rows: Vec<Citizen> = s
            .citizens
            .iter()
            .filter(|((tt, _), c)| {
                *tt == t
                    && filter.name.as_ref().is_none_or(|n| {
                        c.name
                            .as_ref()
                            .is_some_and(|m| m.expose().eq_ignore_ascii_case(n.expose()))
                    })
            })
            .map(|(_, c)| c.clone())
            .collect();
        rows.sort_by_key(|c| c.id);
        for c in &rows {
            s.reads.push((t, c.id.as_uuid(), purpose));
        }
        Ok(Page::from_probe(rows, page))
    }

    async fn update(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        change: CitizenChange,
        _purpose: Purpose,
    ) -> DomainResult<Citizen> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let citizen = s.citizens.get_mut(&(t, id)).ok_or_else(not_found)?;
        let mut changed = citizen.clone();
        change(&mut changed)?;
        *citizen = changed.clone();
        Ok(changed)
    }

    async fn erase(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        _purpose: Purpose,
    ) -> DomainResult<Citizen> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let citizen = s.citizens.get_mut(&(t, id)).ok_or_else(not_found)?;
        if citizen.erased_at.is_some() {
            return Err(DomainError::Conflict(Conflict::AlreadyErased));
        }
        if let Some(hold) = s.holds.get(&(t, id)) {
            return Err(DomainError::Conflict(Conflict::LegalHold {
                reason: hold.reason.as_str(),
            }));
        }
        let citizen = s.citizens.get_mut(&(t, id)).ok_or_else(not_found)?;
        citizen.name = None;
        citizen.contact = None;
        citizen.birth_year = None;
        citizen.erased_at = Some(chrono::Utc::now());
        Ok(citizen.clone())
    }

    async fn place_hold(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        hold: &LegalHold,
    ) -> DomainResult<()> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let citizen = s.citizens.get(&(t, id)).ok_or_else(not_found)?;
        if citizen.erased_at.is_some() {
            return Err(DomainError::Conflict(Conflict::AlreadyErased));
        }
        s.holds.insert((t, id), *hold);
        Ok(())
    }

    async fn release_hold(&self, ctx: &RequestContext, id: CitizenId) -> DomainResult<bool> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        s.citizens.get(&(t, id)).ok_or_else(not_found)?;
        Ok(s.holds.remove(&(t, id)).is_some())
    }

    async fn consent_history(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
    ) -> DomainResult<Vec<ConsentRecord>> {
        let t = ctx.tenant_id()?;
        let s = self.state();
        if !s.citizens.contains_key(&(t, id)) {
            return Err(not_found());
        }
        Ok(s.consents.get(&(t, id)).cloned().unwrap_or_default())
    }

    async fn consent_given(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        purpose: ConsentPurpose,
    ) -> DomainResult<bool> {
        let t = ctx.tenant_id()?;
        let s = self.state();
        Ok(s.consents
            .get(&(t, id))
            .is_some_and(|history| has_consent(history, purpose)))
    }

    async fn consent_histories(
        &self,
        ctx: &RequestContext,
        ids: &[CitizenId],
    ) -> DomainResult<HashMap<CitizenId, Vec<ConsentRecord>>> {
        let t = ctx.tenant_id()?;
        let s = self.state();
        Ok(ids
            .iter()
            .filter(|id| s.citizens.contains_key(&(t, **id)))
            .map(|id| (*id, s.consents.get(&(t, *id)).cloned().unwrap_or_default()))
            .collect())
    }
}
