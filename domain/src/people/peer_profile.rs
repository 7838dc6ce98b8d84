//! Correcting a peer worker's profile: name, contact, languages, the kinds of offer they run
//! and how many one-to-one matches they take. Only what is given changes.

use std::collections::BTreeSet;

use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::PeerId;
use crate::people::peer::{OfferType, PeerWorker};
use crate::people::peer_service::PeerService;
use crate::privacy::Personal;

/// What a coordinator changes of a peer's profile; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerProfileChange {
    /// A new name.
    pub name: Option<Personal>,
    /// New contact details, or `Some(None)` to remove them.
    pub contact: Option<Option<Personal>>,
    /// The languages they support in (replacing the list; parsed with
    /// [`crate::people::parse_languages`]).
    pub languages: Option<Vec<String>>,
    /// The kinds of offer they run (replacing the set).
    pub offer_types: Option<BTreeSet<OfferType>>,
    /// Most concurrent one-to-one matches (1–10). Lowering it below the matches they hold
    /// ends none of them; it only stops new assignments until they are under it.
    pub max_matches: Option<u8>,
}

impl PeerProfileChange {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

impl PeerService {
    /// Changes a peer's profile (coordinators and tenant admins); the change is audited and
    /// the name and contact are sealed again with the peer's key.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Validation` when nothing is given or `maxMatches` is outside
    /// 1–10.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn update_profile(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        change: PeerProfileChange,
    ) -> DomainResult<PeerWorker> {
        if change.is_empty() {
            return Err(DomainError::validation(
                "input",
                "give at least one field to change",
            ));
        }
        if change.max_matches.is_some_and(|n| !(1..=10).contains(&n)) {
            return Err(DomainError::validation(
                "maxMatches",
                "must be between 1 and 10",
            ));
        }
        self.change(
            ctx,
            id,
            Box::new(move |peer| {
                if let Some(name) = change.name {
                    peer.name = Some(name);
                }
                if let Some(contact) = change.contact {
                    peer.contact = contact;
                }
                if let Some(languages) = change.languages {
                    peer.languages = languages;
                }
                if let Some(types) = change.offer_types {
                    peer.offer_types = types;
                }
                if let Some(max) = change.max_matches {
                    peer.max_matches = max;
                }
                Ok(())
            }),
        )
        .await
    }
}
