//! Output types of the coordinator's dashboard and of matching suggestions.

use async_graphql::{Context, Enum, Object, SimpleObject};
use peerbro_domain::coordination as domain;
use peerbro_domain::referral::{ReferralService, WorklistNarrowing};

use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::offers::Offer;
use crate::graphql::peers::{OfferKind, PeerWorker, SupervisionWorklist};
use crate::graphql::people::AccessPurpose;
use crate::graphql::referrals::ReferralStateCount;

pub(super) fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(
    &'a domain::CoordinationService,
    &'a peerbro_domain::RequestContext,
)> {
    crate::graphql::errors::request_data(ctx)
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The coordinator's dashboard; each field is one read, made only when selected.
pub struct CoordinatorDashboard {
    pub(crate) purpose: AccessPurpose,
}

#[Object]
impl CoordinatorDashboard {
    /// How many of the tenant's referrals are in each state, every state listed.
    async fn referral_counts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ReferralStateCount>> {
        ReferralStateCount::of_tenant(ctx).await
    }

    /// How many assigned referrals wait longer for first contact than the tenant's limit;
    /// `referralWorklist(contactOverdue: true)` lists them.
    async fn overdue_contacts(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let (svc, rc) = crate::graphql::errors::request_data::<ReferralService>(ctx)?;
        let overdue = WorklistNarrowing {
            contact_overdue: true,
            ..WorklistNarrowing::default()
        };
        Ok(count(svc.count_worklist(rc, &overdue).await.gql()?))
    }

    /// The courses with citizens on their waiting lists, the longest first.
    async fn waiting_lists(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WaitingList>> {
        let (svc, rc) = request(ctx)?;
        Ok(svc
            .waiting_lists(rc)
            .await
            .gql()?
            .into_iter()
            .map(WaitingList)
            .collect())
    }

    /// Active peers past the tenant's supervision limit, least recently supervised first.
    async fn supervision_due(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<SupervisionWorklist> {
        let (svc, rc) =
            crate::graphql::errors::request_data::<peerbro_domain::people::PeerService>(ctx)?;
        let (limit, due) = svc
            .needing_supervision(rc, self.purpose.into())
            .await
            .gql()?;
        Ok(SupervisionWorklist::of(limit, due))
    }

    /// Every active peer with their one-to-one places, the most free first.
    async fn peer_places(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PeerPlaces>> {
        let (svc, rc) = request(ctx)?;
        Ok(svc
            .peer_places(rc, self.purpose.into())
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// A course with citizens waiting for a place.
pub struct WaitingList(domain::CourseLoad);

#[Object]
impl WaitingList {
    /// The course (batched with the other rows).
    async fn offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Offer> {
        crate::graphql::offers::load_offer(ctx, self.0.offer_id).await
    }

    /// Citizens with a place.
    async fn enrolled(&self) -> i64 {
        count(self.0.enrolled)
    }

    /// Citizens waiting, in order of enrolment.
    async fn waiting(&self) -> i64 {
        count(self.0.waiting)
    }
}

/// A peer's one-to-one places.
#[derive(SimpleObject)]
pub struct PeerPlaces {
    /// The peer.
    pub(crate) peer: PeerWorker,
    /// Matches they hold (assigned, in contact or active).
    pub(crate) open_matches: i32,
    /// The most they take.
    pub(crate) max_matches: i32,
    /// Places left.
    pub(crate) free_places: i32,
}

impl From<domain::PeerLoad> for PeerPlaces {
    fn from(l: domain::PeerLoad) -> Self {
        let free = l.free_places();
        Self {
            open_matches: i32::try_from(l.open_matches).unwrap_or(i32::MAX),
            max_matches: i32::from(l.peer.max_matches),
            free_places: i32::try_from(free).unwrap_or(i32::MAX),
            peer: l.peer.into(),
        }
    }
}

/// Why a peer is suggested where they are.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum MatchReason {
    /// They run the kind of offer wanted.
    OfferKind,
    /// They speak the language asked for.
    Language,
    /// They hold no match yet.
    NoMatchesYet,
}

impl From<domain::MatchReason> for MatchReason {
    fn from(r: domain::MatchReason) -> Self {
        match r {
            domain::MatchReason::OfferType => Self::OfferKind,
            domain::MatchReason::Language => Self::Language,
            domain::MatchReason::NoMatchesYet => Self::NoMatchesYet,
        }
    }
}

/// A suggested peer.
#[derive(SimpleObject)]
pub struct MatchSuggestion {
    /// The peer and their places.
    #[graphql(flatten)]
    pub(crate) places: PeerPlaces,
    /// Why they rank where they do, strongest first (empty: only their free place).
    pub(crate) reasons: Vec<MatchReason>,
}

impl From<domain::MatchSuggestion> for MatchSuggestion {
    fn from(s: domain::MatchSuggestion) -> Self {
        Self {
            reasons: s.reasons.into_iter().map(Into::into).collect(),
            places: s.load.into(),
        }
    }
}

/// Matching suggestions for a referral, best first.
pub struct MatchSuggestions {
    pub(crate) wish: domain::MatchWish,
    pub(crate) ranked: Vec<domain::MatchSuggestion>,
}

#[Object]
impl MatchSuggestions {
    /// The kind of offer matched for: what the referrer asked for, one-to-one when nothing.
    async fn kind(&self) -> OfferKind {
        self.wish.offer_type.into()
    }

    /// The kind of offer matched for.
    #[graphql(deprecation = "use kind")]
    async fn offer_type(&self) -> OfferKind {
        self.wish.offer_type.into()
    }

    /// The language asked for, trimmed.
    async fn language(&self) -> Option<&str> {
        self.wish.language.as_deref()
    }

    /// How many peers qualify in all.
    async fn total_count(&self) -> i64 {
        i64::try_from(self.ranked.len()).unwrap_or(i64::MAX)
    }

    /// The best `first` of them (1–50, default 10).
    async fn suggestions(
        &self,
        #[graphql(validator(minimum = 1, maximum = 50))] first: Option<i32>,
    ) -> Vec<MatchSuggestion> {
        let n = first.and_then(|n| usize::try_from(n).ok()).unwrap_or(10);
        self.ranked
            .iter()
            .take(n)
            .cloned()
            .map(Into::into)
            .collect()
    }
}
