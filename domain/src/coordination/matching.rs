//! Matching suggestions: active peers with a free one-to-one place, ranked by whether they
//! run the kind of offer wanted, speak the language wanted, and how loaded they are — each
//! with the reasons it was ranked where it is.

use crate::offers::OfferType;
use crate::people::{PeerStatus, PeerWorker};

/// A peer with the one-to-one matches they hold now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerLoad {
    /// The peer.
    pub peer: PeerWorker,
    /// Matches they hold (assigned, in contact or active).
    pub open_matches: u32,
}

impl PeerLoad {
    /// Places left before the peer's maximum.
    #[must_use]
    pub fn free_places(&self) -> u32 {
        u32::from(self.peer.max_matches).saturating_sub(self.open_matches)
    }
}

/// What a match is wanted for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchWish {
    /// The kind of offer (what the referrer asked for; one-to-one when they did not).
    pub offer_type: OfferType,
    /// A language the citizen wants support in, if any (compared ignoring case and spacing).
    pub language: Option<String>,
}

/// Why a peer is suggested where they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchReason {
    /// They run the kind of offer wanted.
    OfferType,
    /// They speak the language wanted.
    Language,
    /// They hold no match yet.
    NoMatchesYet,
}

/// One suggested peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchSuggestion {
    /// The peer and their load.
    pub load: PeerLoad,
    /// Why they rank where they do, strongest first.
    pub reasons: Vec<MatchReason>,
}

fn same_language(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// Ranks the candidates for `wish`: only active peers with a free place; first those who run
/// the kind of offer, then those who speak the language, then the least loaded (the smaller
/// share of their maximum in use, then more free places), and last by id so that the order
/// is stable.
#[must_use]
pub fn rank(candidates: Vec<PeerLoad>, wish: &MatchWish) -> Vec<MatchSuggestion> {
    let mut ranked: Vec<MatchSuggestion> = candidates
        .into_iter()
        .filter(|c| c.peer.status == PeerStatus::Active && c.free_places() > 0)
        .map(|load| {
            let mut reasons = Vec::new();
            if load.peer.offer_types.contains(&wish.offer_type) {
                reasons.push(MatchReason::OfferType);
            }
            if let Some(wanted) = &wish.language
                && load.peer.languages.iter().any(|l| same_language(l, wanted))
            {
                reasons.push(MatchReason::Language);
            }
            if load.open_matches == 0 {
                reasons.push(MatchReason::NoMatchesYet);
            }
            MatchSuggestion { load, reasons }
        })
        .collect();
    ranked.sort_by(|a, b| {
        let fits = |s: &MatchSuggestion, r| s.reasons.contains(&r);
        // Load as a share of the maximum, compared without division: a/x < b/y ⇔ a·y < b·x.
        let share = |s: &MatchSuggestion| {
            (
                u64::from(s.load.open_matches),
                u64::from(s.load.peer.max_matches).max(1),
            )
        };
        let ((an, ad), (bn, bd)) = (share(a), share(b));
        fits(b, MatchReason::OfferType)
            .cmp(&fits(a, MatchReason::OfferType))
            .then(fits(b, MatchReason::Language).cmp(&fits(a, MatchReason::Language)))
            .then((an * bd).cmp(&(bn * ad)))
            .then(b.load.free_places().cmp(&a.load.free_places()))
            .then(a.load.peer.id.cmp(&b.load.peer.id))
    });
    ranked
}
