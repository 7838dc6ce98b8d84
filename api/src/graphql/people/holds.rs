//! Legal holds in GraphQL (issue 13): tenant admins place and release them; `eraseCitizen` is
//! refused (`CONFLICT`, `LEGAL_HOLD`, naming the reason) while one is placed.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use peerbro_domain::privacy;

use super::types::{citizen_id, request};
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::time::Instant;

wire_enum!(
    /// Why a person's data is held.
    LegalHoldReason => privacy::LegalHoldReason {
        /// A lawsuit, or one reasonably expected.
        Litigation,
        /// A request from an authority (Datatilsynet, the police, the ombudsman).
        AuthorityRequest,
        /// A complaint being handled.
        Complaint,
    }
);

/// A hold to place on a citizen's data.
#[derive(InputObject)]
pub struct PlaceLegalHoldInput {
    /// The citizen.
    pub(crate) citizen_id: ID,
    /// Why (a code: no free text).
    pub(crate) reason: LegalHoldReason,
}

/// A citizen whose hold is to be released.
#[derive(InputObject)]
pub struct ReleaseLegalHoldInput {
    /// The citizen.
    pub(crate) citizen_id: ID,
}

/// A legal hold placed.
#[derive(SimpleObject)]
pub struct PlaceLegalHoldPayload {
    /// The citizen held.
    pub(crate) citizen_id: ID,
    /// Why.
    pub(crate) reason: LegalHoldReason,
    /// When.
    pub(crate) placed_at: Instant,
}

/// A legal hold released.
#[derive(SimpleObject)]
pub struct ReleaseLegalHoldPayload {
    /// The citizen.
    pub(crate) citizen_id: ID,
    /// Whether a hold was placed (and is now released).
    pub(crate) released: bool,
}

/// Legal-hold mutations.
#[derive(Default)]
pub struct LegalHoldMutation;

#[Object]
impl LegalHoldMutation {
    /// Places (or replaces) a legal hold on a citizen's data (tenant admins): until it is
    /// released, `eraseCitizen` is refused with `CONFLICT`/`LEGAL_HOLD`, naming the reason.
    async fn place_legal_hold(
        &self,
        ctx: &Context<'_>,
        input: PlaceLegalHoldInput,
    ) -> async_graphql::Result<PlaceLegalHoldPayload> {
        let (svc, rc) = request(ctx)?;
        let id = citizen_id("citizenId", &input.citizen_id)?;
        let hold = svc
            .place_legal_hold(rc, id, input.reason.into())
            .await
            .gql()?;
        Ok(PlaceLegalHoldPayload {
            citizen_id: crate::graphql::ids::gid(id),
            reason: hold.reason.into(),
            placed_at: hold.placed_at.into(),
        })
    }

    /// Releases a citizen's legal hold (tenant admins); erasure is possible again.
    async fn release_legal_hold(
        &self,
        ctx: &Context<'_>,
        input: ReleaseLegalHoldInput,
    ) -> async_graphql::Result<ReleaseLegalHoldPayload> {
        let (svc, rc) = request(ctx)?;
        let id = citizen_id("citizenId", &input.citizen_id)?;
        let released = svc.release_legal_hold(rc, id).await.gql()?;
        Ok(ReleaseLegalHoldPayload {
            citizen_id: crate::graphql::ids::gid(id),
            released,
        })
    }
}

/// A hold to place on a peer worker's data.
#[derive(InputObject)]
pub struct PlacePeerLegalHoldInput {
    /// The peer worker.
    pub(crate) peer_id: ID,
    /// Why (a code: no free text).
    pub(crate) reason: LegalHoldReason,
}

/// A peer worker whose hold is to be released.
#[derive(InputObject)]
pub struct ReleasePeerLegalHoldInput {
    /// The peer worker.
    pub(crate) peer_id: ID,
}

/// A legal hold placed on a peer worker.
#[derive(SimpleObject)]
pub struct PlacePeerLegalHoldPayload {
    /// The peer held.
    pub(crate) peer_id: ID,
    /// Why.
    pub(crate) reason: LegalHoldReason,
    /// When.
    pub(crate) placed_at: Instant,
}

/// A peer worker's legal hold released.
#[derive(SimpleObject)]
pub struct ReleasePeerLegalHoldPayload {
    /// The peer.
    pub(crate) peer_id: ID,
    /// Whether a hold was placed (and is now released).
    pub(crate) released: bool,
}

/// Legal holds on peer workers.
#[derive(Default)]
pub struct PeerLegalHoldMutation;

#[Object]
impl PeerLegalHoldMutation {
    /// Places (or replaces) a legal hold on a peer worker's data (tenant admins): until it is
    /// released, `erasePeerWorker` is refused with `CONFLICT`/`LEGAL_HOLD`.
    async fn place_peer_legal_hold(
        &self,
        ctx: &Context<'_>,
        input: PlacePeerLegalHoldInput,
    ) -> async_graphql::Result<PlacePeerLegalHoldPayload> {
        let (svc, rc) = crate::graphql::peers::request(ctx)?;
        let id = crate::graphql::peers::peer_id("peerId", &input.peer_id)?;
        let hold = svc
            .place_legal_hold(rc, id, input.reason.into())
            .await
            .gql()?;
        Ok(PlacePeerLegalHoldPayload {
            peer_id: crate::graphql::ids::gid(id),
            reason: hold.reason.into(),
            placed_at: hold.placed_at.into(),
        })
    }

    /// Releases a peer worker's legal hold (tenant admins); erasure is possible again.
    async fn release_peer_legal_hold(
        &self,
        ctx: &Context<'_>,
        input: ReleasePeerLegalHoldInput,
    ) -> async_graphql::Result<ReleasePeerLegalHoldPayload> {
        let (svc, rc) = crate::graphql::peers::request(ctx)?;
        let id = crate::graphql::peers::peer_id("peerId", &input.peer_id)?;
        let released = svc.release_legal_hold(rc, id).await.gql()?;
        Ok(ReleasePeerLegalHoldPayload {
            peer_id: crate::graphql::ids::gid(id),
            released,
        })
    }
}
