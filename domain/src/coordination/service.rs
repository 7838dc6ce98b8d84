//! The coordination use cases: the dashboard's waiting lists and free places, and matching
//! suggestions for a referral.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::authz::{PeopleAction, authorize_people};
use crate::context::RequestContext;
use crate::coordination::matching::{MatchSuggestion, MatchWish, PeerLoad, rank};
use crate::error::{DomainError, DomainResult};
use crate::ids::{OfferId, ReferralId};
use crate::offers::{EnrolmentStatus, OfferRepository, OfferType, policy as offer_policy};
use crate::people::PeerRepository;
use crate::privacy::Purpose;
use crate::referral::ReferralRepository;

/// A course with citizens waiting for a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CourseLoad {
    /// The course.
    pub offer_id: OfferId,
    /// Citizens with a place.
    pub enrolled: u64,
    /// Citizens on its waiting list.
    pub waiting: u64,
}

/// The coordination use cases.
#[derive(Clone)]
pub struct CoordinationService {
    referrals: Arc<dyn ReferralRepository>,
    offers: Arc<dyn OfferRepository>,
    peers: Arc<dyn PeerRepository>,
}

impl std::fmt::Debug for CoordinationService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoordinationService")
            .finish_non_exhaustive()
    }
}

impl CoordinationService {
    /// Wires the service.
    #[must_use]
    pub fn new(
        referrals: Arc<dyn ReferralRepository>,
        offers: Arc<dyn OfferRepository>,
        peers: Arc<dyn PeerRepository>,
    ) -> Self {
        Self {
            referrals,
            offers,
            peers,
        }
    }

    /// Whether the caller may see the coordinator's dashboard (coordinators and tenant
    /// admins).
    ///
    /// # Errors
    /// `Unauthenticated`; `Forbidden`.
    pub fn may_coordinate(ctx: &RequestContext) -> DomainResult<()> {
        offer_policy::require_coordinator(ctx)
    }

    /// The courses with citizens on their waiting lists, the longest list first (then by
    /// id): coordinators and tenant admins.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn waiting_lists(&self, ctx: &RequestContext) -> DomainResult<Vec<CourseLoad>> {
        offer_policy::require_coordinator(ctx)?;
        let mut by_course: BTreeMap<OfferId, CourseLoad> = BTreeMap::new();
        for (offer_id, status, n) in self.offers.enrolment_counts(ctx).await? {
            let load = by_course.entry(offer_id).or_insert(CourseLoad {
                offer_id,
                enrolled: 0,
                waiting: 0,
            });
            match status {
                EnrolmentStatus::Enrolled => load.enrolled += n,
                EnrolmentStatus::Waitlisted => load.waiting += n,
                EnrolmentStatus::Withdrawn => {}
            }
        }
        let mut waiting: Vec<CourseLoad> =
            by_course.into_values().filter(|c| c.waiting > 0).collect();
        waiting.sort_by(|a, b| b.waiting.cmp(&a.waiting).then(a.offer_id.cmp(&b.offer_id)));
        Ok(waiting)
    }

    /// Every active peer with the matches they hold (read, and audited, for `purpose`).
    async fn loads(&self, ctx: &RequestContext, purpose: Purpose) -> DomainResult<Vec<PeerLoad>> {
        Ok(self
            .peers
            .active_with_load(ctx, purpose)
            .await?
            .into_iter()
            .map(|(peer, open_matches)| PeerLoad { peer, open_matches })
            .collect())
    }

    /// Every active peer with the one-to-one matches they hold, the most free places first
    /// (then by id); reading them is audited for `purpose`. Coordinators and tenant admins.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn peer_places(
        &self,
        ctx: &RequestContext,
        purpose: Purpose,
    ) -> DomainResult<Vec<PeerLoad>> {
        authorize_people(ctx, PeopleAction::ReadPeers)?;
        let mut loads = self.loads(ctx, purpose).await?;
        loads.sort_by(|a, b| {
            b.free_places()
                .cmp(&a.free_places())
                .then(a.peer.id.cmp(&b.peer.id))
        });
        Ok(loads)
    }

    /// The peers a referral could be matched with ([`rank`]): the kind of offer is the one
    /// the referrer asked for (one-to-one when they did not), and `language`, when given, one
    /// the citizen wants support in. Reading the peers is audited for `purpose`.
    /// Coordinators and tenant admins.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` for a referral not in the tenant; `Validation` for a language
    /// that is empty or longer than 40 characters.
    pub async fn match_suggestions(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
        language: Option<&str>,
        purpose: Purpose,
    ) -> DomainResult<(MatchWish, Vec<MatchSuggestion>)> {
        authorize_people(ctx, PeopleAction::ReadPeers)?;
        let language = match language.map(str::trim) {
            Some(l) if l.is_empty() || l.chars().count() > 40 => {
                return Err(DomainError::validation(
                    "language",
                    "must be 1-40 characters",
                ));
            }
            other => other.map(str::to_owned),
        };
        let referral = self.referrals.get(ctx, referral, None).await?;
        let offer_type = match referral.requested_offer_id {
            Some(offer) => self.offers.get(ctx, offer).await?.offer_type,
            None => OfferType::OneToOne,
        };
        let wish = MatchWish {
            offer_type,
            language,
        };
        let ranked = rank(self.loads(ctx, purpose).await?, &wish);
        Ok((wish, ranked))
    }
}
