//! Legal holds on citizens (issue 13): tenant admins — those who erase — place and release
//! them; erasure is refused (`CONFLICT`, `LEGAL_HOLD`) while one is placed.

use crate::RequestContext;
use crate::authz::{PeopleAction, authorize_people};
use crate::error::DomainResult;
use crate::ids::CitizenId;
use crate::people::service::PeopleService;
use crate::privacy::{LegalHold, LegalHoldReason};

impl PeopleService {
    /// Places (or replaces) a legal hold on a citizen (tenant admins).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict` when already erased.
    pub async fn place_legal_hold(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        reason: LegalHoldReason,
    ) -> DomainResult<LegalHold> {
        authorize_people(ctx, PeopleAction::EraseCitizens)?;
        let hold = LegalHold {
            reason,
            placed_at: self.now(),
            placed_by: ctx.actor().map(crate::context::Actor::user_id),
        };
        self.citizen_store().place_hold(ctx, id, &hold).await?;
        Ok(hold)
    }

    /// Releases a citizen's legal hold (tenant admins); whether there was one.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn release_legal_hold(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
    ) -> DomainResult<bool> {
        authorize_people(ctx, PeopleAction::EraseCitizens)?;
        self.citizen_store().release_hold(ctx, id).await
    }
}
