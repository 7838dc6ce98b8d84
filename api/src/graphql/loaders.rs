//! DataLoaders, created per request from the request's context.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use peerbro_domain::RequestContext;
use peerbro_domain::ids::{EnrolmentId, OfferId, OrganisationId, PeerId, ReferralId, UserId};
use peerbro_domain::offers::{Offer, OfferService};
use peerbro_domain::people::{PeerService, PeerWorker};
use peerbro_domain::privacy::Purpose;
use peerbro_domain::referral::ReferralService;
use peerbro_domain::tenancy::{Organisation, TenancyService, User};

use super::errors::LoadError;

/// Loads organisations by id in one query per batch.
pub struct OrganisationLoader {
    tenancy: TenancyService,
    ctx: RequestContext,
}

impl OrganisationLoader {
    /// A loader acting as `ctx`.
    pub const fn new(tenancy: TenancyService, ctx: RequestContext) -> Self {
        Self { tenancy, ctx }
    }
}

impl Loader<OrganisationId> for OrganisationLoader {
    type Value = Organisation;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OrganisationId],
    ) -> Result<HashMap<OrganisationId, Organisation>, Self::Error> {
        let orgs = self.tenancy.organisations_by_ids(&self.ctx, keys).await?;
        Ok(orgs.into_iter().map(|o| (o.id, o)).collect())
    }
}

/// Loads offers by id in one query per batch (at most 100 ids, the page limit).
pub struct OfferLoader {
    offers: OfferService,
    ctx: RequestContext,
}

impl OfferLoader {
    /// A loader acting as `ctx`.
    pub const fn new(offers: OfferService, ctx: RequestContext) -> Self {
        Self { offers, ctx }
    }
}

impl Loader<OfferId> for OfferLoader {
    type Value = Offer;
    type Error = LoadError;

    async fn load(&self, keys: &[OfferId]) -> Result<HashMap<OfferId, Offer>, Self::Error> {
        let offers = self.offers.by_ids(&self.ctx, keys).await?;
        Ok(offers.into_iter().map(|o| (o.id, o)).collect())
    }
}

/// Loads the citizen pseudonyms of referrals in one query per batch, for the referrals the
/// caller may see ([`ReferralService::citizen_pseudonyms`]).
pub struct PseudonymLoader {
    referrals: ReferralService,
    ctx: RequestContext,
}

impl PseudonymLoader {
    /// A loader acting as `ctx`.
    pub const fn new(referrals: ReferralService, ctx: RequestContext) -> Self {
        Self { referrals, ctx }
    }
}

impl Loader<ReferralId> for PseudonymLoader {
    type Value = String;
    type Error = LoadError;

    async fn load(&self, keys: &[ReferralId]) -> Result<HashMap<ReferralId, String>, Self::Error> {
        Ok(self.referrals.citizen_pseudonyms(&self.ctx, keys).await?)
    }
}

/// Loads the citizen pseudonyms of enrolments in one query per batch, for the enrolments the
/// caller may see ([`OfferService::enrolment_pseudonyms`]).
pub struct EnrolmentPseudonymLoader {
    offers: OfferService,
    ctx: RequestContext,
}

impl EnrolmentPseudonymLoader {
    /// A loader acting as `ctx`.
    pub const fn new(offers: OfferService, ctx: RequestContext) -> Self {
        Self { offers, ctx }
    }
}

impl Loader<EnrolmentId> for EnrolmentPseudonymLoader {
    type Value = String;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[EnrolmentId],
    ) -> Result<HashMap<EnrolmentId, String>, Self::Error> {
        Ok(self.offers.enrolment_pseudonyms(&self.ctx, keys).await?)
    }
}

/// Loads peer workers by id, each read audited with the purpose it is keyed by, in one query
/// per purpose and batch ([`PeerService::peers_by_ids`]): a referral list's assigned peers.
pub struct PeerLoader {
    peers: PeerService,
    ctx: RequestContext,
}

impl PeerLoader {
    /// A loader acting as `ctx`.
    pub const fn new(peers: PeerService, ctx: RequestContext) -> Self {
        Self { peers, ctx }
    }
}

impl Loader<(PeerId, Purpose)> for PeerLoader {
    type Value = PeerWorker;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(PeerId, Purpose)],
    ) -> Result<HashMap<(PeerId, Purpose), PeerWorker>, Self::Error> {
        let mut by_purpose: HashMap<Purpose, Vec<PeerId>> = HashMap::new();
        for (id, purpose) in keys {
            by_purpose.entry(*purpose).or_default().push(*id);
        }
        let mut found = HashMap::with_capacity(keys.len());
        for (purpose, ids) in by_purpose {
            for peer in self.peers.peers_by_ids(&self.ctx, &ids, purpose).await? {
                found.insert((peer.id, purpose), peer);
            }
        }
        Ok(found)
    }
}

/// Loads users by id in one query per batch: who acted in audit entries and transitions.
pub struct UserLoader {
    tenancy: TenancyService,
    ctx: RequestContext,
}

impl UserLoader {
    /// A loader acting as `ctx`.
    pub const fn new(tenancy: TenancyService, ctx: RequestContext) -> Self {
        Self { tenancy, ctx }
    }
}

impl Loader<UserId> for UserLoader {
    type Value = User;
    type Error = LoadError;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, User>, Self::Error> {
        let users = self.tenancy.users_by_ids(&self.ctx, keys).await?;
        Ok(users.into_iter().map(|u| (u.id, u)).collect())
    }
}
