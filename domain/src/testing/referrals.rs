//! The fake referral repository.

use async_trait::async_trait;

use super::world::World;
use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, OrganisationId, ReferralId};
use crate::offers::check_referable;
use crate::page::{Page, PageRequest};
use crate::privacy::Purpose;
use crate::referral::{
    DEFAULT_CONTACT_LIMIT_DAYS, Referral, ReferralFilter, ReferralRepository, Submission, Submitted,
};
use crate::tenancy::Organisation;

#[async_trait]
impl ReferralRepository for World {
    async fn submit(
        &self,
        ctx: &RequestContext,
        submission: Submission,
    ) -> DomainResult<Submitted> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        if let Some(key) = &submission.idempotency
            && let Some((fingerprint, id)) = s.idempotency.get(&(t, key.key.clone()))
        {
            return if *fingerprint == key.fingerprint {
                Ok(Submitted::Replayed(*id))
            } else {
                Err(DomainError::Conflict(Conflict::IdempotencyKeyReused))
            };
        }
        let referral = submission.referral;
        match &submission.new_citizen {
            Some(citizen)
                if s.citizens
                    .iter()
                    .any(|((tt, _), c)| *tt == t && c.pseudonym == citizen.pseudonym) =>
            {
                return Err(Conflict::PseudonymTaken.into());
            }
            Some(citizen) => {
                s.citizens.insert((t, citizen.id), citizen.clone());
            }
            None if !s.citizens.contains_key(&(t, referral.citizen_id)) => {
                return Err(DomainError::NotFound {
                    resource: "citizen",
                });
            }
            None => {}
        }
        if let Some(offer) = referral.requested_offer_id {
            let open = s
                .offers
                .get(&(t, offer))
                .ok_or(DomainError::NotFound { resource: "offer" })?
                .open;
            check_referable(open)?;
        }
        s.consents
            .entry((t, referral.citizen_id))
            .or_default()
            .extend(submission.consents);
        if let Some(key) = submission.idempotency {
            s.idempotency
                .insert((t, key.key), (key.fingerprint, referral.id));
        }
        s.outbox.push((t, referral.id, None));
        let id = referral.id;
        s.referrals.insert((t, id), referral);
        Ok(Submitted::Created(id))
    }

    async fn referred_by(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        organisation: OrganisationId,
    ) -> DomainResult<bool> {
        let t = ctx.tenant_id()?;
        Ok(self.state().referrals.iter().any(|((tt, _), r)| {
            *tt == t && r.citizen_id == citizen && r.referrer_organisation_id == organisation
        }))
    }

    async fn pseudonyms(
        &self,
        ctx: &RequestContext,
        filter: &crate::referral::ReferralFilter,
        ids: &[ReferralId],
    ) -> DomainResult<std::collections::HashMap<ReferralId, String>> {
        let t = ctx.tenant_id()?;
        let s = self.state();
        Ok(ids
            .iter()
            .filter_map(|id| {
                let r = s.referrals.get(&(t, *id)).filter(|r| matches(filter, r))?;
                let c = s.citizens.get(&(t, r.citizen_id))?;
                Some((*id, c.pseudonym.as_str().to_owned()))
            })
            .collect())
    }

    async fn requested_offer(
        &self,
        ctx: &RequestContext,
        offer: crate::ids::OfferId,
    ) -> DomainResult<crate::referral::RequestedOffer> {
        let t = ctx.tenant_id()?;
        self.state()
            .offers
            .get(&(t, offer))
            .map(|o| crate::referral::RequestedOffer {
                organisation_id: o.organisation_id,
                open: o.open,
            })
            .ok_or(DomainError::NotFound { resource: "offer" })
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        reason_purpose: Option<Purpose>,
    ) -> DomainResult<Referral> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let mut found = s
            .referrals
            .get(&(t, id))
            .cloned()
            .ok_or(DomainError::NotFound {
                resource: "referral",
            })?;
        match reason_purpose {
            Some(purpose) => s.reads.push((t, found.citizen_id.as_uuid(), purpose)),
            None => found.reason = None,
        }
        Ok(found)
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &ReferralFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Referral>> {
        let t = ctx.tenant_id()?;
        let mut rows: Vec<Referral> = self
            .state()
            .referrals
            .iter()
            .filter(|((tt, _), r)| *tt == t && matches(filter, r))
            .map(|(_, r)| Referral {
                reason: None,
                transitions: if filter.skip_moves {
                    Vec::new()
                } else {
                    r.transitions.clone()
                },
                ..r.clone()
            })
            .collect();
        rows.sort_by_key(|r| r.id);
        Ok(Page::from_probe(rows, page))
    }

    async fn list_with_organisations(
        &self,
        ctx: &RequestContext,
        filter: &ReferralFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<(Referral, Organisation)>> {
        let t = ctx.tenant_id()?;
        let page = self.list(ctx, filter, page).await?;
        let state = self.state();
        page.try_map(|r| {
            state
                .organisations
                .get(&(t, r.referrer_organisation_id))
                .cloned()
                .map(|org| (r, org))
                .ok_or(DomainError::Unknown(anyhow::anyhow!(
                    "referral without organisation"
                )))
        })
    }

    async fn count_by_state(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<Vec<(crate::referral::ReferralState, u64)>> {
        let t = ctx.tenant_id()?;
        let mut counts: Vec<(crate::referral::ReferralState, u64)> = Vec::new();
        for ((tt, _), r) in &self.state().referrals {
            if *tt != t {
                continue;
            }
            match counts.iter_mut().find(|(s, _)| *s == r.state) {
                Some((_, n)) => *n += 1,
                None => counts.push((r.state, 1)),
            }
        }
        Ok(counts)
    }

    async fn count(&self, ctx: &RequestContext, filter: &ReferralFilter) -> DomainResult<u64> {
        let t = ctx.tenant_id()?;
        Ok(self
            .state()
            .referrals
            .iter()
            .filter(|((tt, _), r)| *tt == t && matches(filter, r))
            .count() as u64)
    }

    async fn contact_limit_days(&self, ctx: &RequestContext) -> DomainResult<u32> {
        let t = ctx.tenant_id()?;
        Ok(self
            .state()
            .contact_limit_days
            .get(&t)
            .copied()
            .unwrap_or(DEFAULT_CONTACT_LIMIT_DAYS))
    }

    async fn set_contact_limit_days(&self, ctx: &RequestContext, days: u32) -> DomainResult<()> {
        let t = ctx.tenant_id()?;
        self.state().contact_limit_days.insert(t, days);
        Ok(())
    }
}

/// Whether `r` is one `filter` lets through.
fn matches(filter: &ReferralFilter, r: &Referral) -> bool {
    (filter.states.is_empty() || filter.states.contains(&r.state))
        && filter
            .referrer_organisation_id
            .is_none_or(|o| o == r.referrer_organisation_id)
        && filter
            .assigned_peer_id
            .is_none_or(|p| Some(p) == r.assigned_peer_id)
        && filter.citizen_id.is_none_or(|c| c == r.citizen_id)
        && filter.submitted_after.is_none_or(|a| r.submitted_at >= a)
        && filter.submitted_before.is_none_or(|b| r.submitted_at < b)
        && filter
            .case_reference
            .as_ref()
            .is_none_or(|c| r.case_reference.as_ref() == Some(c))
        && filter
            .assigned_at_or_before
            .is_none_or(|b| r.assigned_at.is_some_and(|a| a <= b))
}
