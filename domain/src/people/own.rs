//! The caller's own citizen record, as the citizen app's use cases need it.

use crate::authz::require_actor;
use crate::context::{Actor, RequestContext, Role};
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::CitizenId;
use crate::people::ports::CitizenRepository;

/// The citizen record of the signed-in citizen.
///
/// # Errors
/// `Unauthenticated` for anonymous callers; `refusal` without the citizen role; `Conflict`
/// (`NOT_REGISTERED`) for a citizen user without a record.
pub async fn own_citizen(
    citizens: &dyn CitizenRepository,
    ctx: &RequestContext,
    refusal: DomainError,
) -> DomainResult<CitizenId> {
    if !ctx.is_system() {
        require_actor(ctx)?;
    }
    let user = ctx
        .actor()
        .filter(|a| a.has(Role::Citizen))
        .map(Actor::user_id)
        .ok_or(refusal)?;
    citizens
        .citizen_id_of_user(ctx, user)
        .await?
        .ok_or(DomainError::Conflict(Conflict::NotRegisteredAsCitizen))
}
