//! Mutations of this context's GraphQL API.

use async_graphql::{Context, MaybeUndefined, Object};
use peerbro_domain::DomainError;
use peerbro_domain::ids::{OrganisationId, UserId};
use peerbro_domain::people::{
    Certificate, Contact, Employment, NewPeer, NewPlacement, PeerProfileChange, PersonName,
    hours_tenths, parse_languages,
};
use peerbro_domain::privacy::Personal;

use super::inputs::*;
use super::placements::*;
use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::parse;

/// Peer mutations (coordinators and tenant admins).
#[derive(Default)]
pub struct PeersMutation;

#[Object]
impl PeersMutation {
    /// Registers a peer worker: volunteers start as APPLICANT, paid peers as ACTIVE with their
    /// employment.
    async fn register_peer_worker(
        &self,
        ctx: &Context<'_>,
        input: RegisterPeerWorkerInput,
    ) -> async_graphql::Result<PeerWorkerPayload> {
        let (svc, rc) = request(ctx)?;
        let employment = match input.employment {
            Some(e) => Some(
                Employment::new(
                    parse::<OrganisationId>("employment.organisationId", &e.organisation_id)
                        .gql()?,
                    e.weekly_hours,
                    e.starts_on.0,
                    e.ends_on.map(|v| v.0),
                )
                .gql()?,
            ),
            None => None,
        };
        let new = NewPeer {
            kind: input.kind.into(),
            name: PersonName::parse("name", &input.name).gql()?.into(),
            contact: input
                .contact
                .as_deref()
                .map(|c| Contact::parse("contact", c).map(Personal::from))
                .transpose()
                .gql()?,
            user_id: input
                .user_id
                .as_ref()
                .map(|u| parse::<UserId>("userId", u))
                .transpose()
                .gql()?,
            organisation_id: parse::<OrganisationId>("organisationId", &input.organisation_id)
                .gql()?,
            languages: parse_languages(&input.languages).gql()?,
            offer_types: input.offer_kinds.into_iter().map(Into::into).collect(),
            max_matches: u8::try_from(input.max_matches)
                .map_err(|_| DomainError::validation("maxMatches", "must be between 1 and 10"))
                .gql()?,
            employment,
        };
        svc.register(rc, new, peerbro_domain::privacy::Purpose::Coordination)
            .await
            .gql()
            .map(|p| PeerWorkerPayload {
                peer_worker: p.into(),
            })
    }

    /// Corrects a peer's profile (coordinators and tenant admins): name, contact (`null`
    /// removes it), languages, the kinds of offer they run, their most matches. Only the
    /// fields given change; giving none is `VALIDATION`. Audited.
    async fn update_peer_worker(
        &self,
        ctx: &Context<'_>,
        input: UpdatePeerWorkerInput,
    ) -> async_graphql::Result<PeerWorkerPayload> {
        let (svc, rc) = request(ctx)?;
        let change = PeerProfileChange {
            name: input
                .name
                .as_deref()
                .map(|n| PersonName::parse("name", n).map(Personal::from))
                .transpose()
                .gql()?,
            contact: match input.contact {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(c) => Some(Some(
                    Contact::parse("contact", &c).map(Personal::from).gql()?,
                )),
            },
            languages: input
                .languages
                .as_deref()
                .map(parse_languages)
                .transpose()
                .gql()?,
            offer_types: input
                .offer_kinds
                .map(|types| types.into_iter().map(Into::into).collect()),
            max_matches: input
                .max_matches
                .map(|n| {
                    u8::try_from(n).map_err(|_| {
                        DomainError::validation("maxMatches", "must be between 1 and 10")
                    })
                })
                .transpose()
                .gql()?,
        };
        let peer = peer_id("peerId", &input.peer_id)?;
        Ok(PeerWorkerPayload {
            peer_worker: svc.update_profile(rc, peer, change).await.gql()?.into(),
        })
    }

    /// Moves a peer in the pipeline; an illegal move is a CONFLICT.
    async fn change_peer_status(
        &self,
        ctx: &Context<'_>,
        input: ChangePeerStatusInput,
    ) -> async_graphql::Result<PeerWorkerPayload> {
        let (svc, rc) = request(ctx)?;
        svc.change_status(
            rc,
            peer_id("peerId", &input.peer_id)?,
            input.action.into(),
            input.reason,
        )
        .await
        .gql()
        .map(|p| PeerWorkerPayload {
            peer_worker: p.into(),
        })
    }

    /// Erases a peer worker who has left (tenant admins; status `ENDED`, else `CONFLICT`
    /// `NOT_ENDED`): their key is destroyed, so their name, contact, the reasons given for
    /// their changes of status and their own questionnaire answers become unreadable in the
    /// database from the moment this answers, and their login
    /// is closed (e-mail, display name and identity-provider link scrubbed). Their pipeline
    /// history stays, without them, for the reports. Refused under a legal hold
    /// (`LEGAL_HOLD`). A backup taken before still opens them until the key epoch it was
    /// taken under is destroyed: at the latest `PEERBRO_KEY_ROTATION_DAYS` plus
    /// `PEERBRO_BACKUP_RETENTION_DAYS` after the erasure (ADR 0043).
    async fn erase_peer_worker(
        &self,
        ctx: &Context<'_>,
        input: ErasePeerWorkerInput,
    ) -> async_graphql::Result<PeerWorkerPayload> {
        let (svc, rc) = request(ctx)?;
        let id = peer_id("peerId", &input.peer_id)?;
        Ok(PeerWorkerPayload {
            peer_worker: svc.erase_peer(rc, id).await.gql()?.into(),
        })
    }

    /// Records a screening interview held by the caller.
    async fn record_screening(
        &self,
        ctx: &Context<'_>,
        input: RecordScreeningInput,
    ) -> async_graphql::Result<PeerWorkerPayload> {
        let (svc, rc) = request(ctx)?;
        svc.record_screening(
            rc,
            peer_id("peerId", &input.peer_id)?,
            input.held_on.0,
            input.outcome.into(),
        )
        .await
        .gql()
        .map(|p| PeerWorkerPayload {
            peer_worker: p.into(),
        })
    }

    /// Records a certificate check (date and result only).
    async fn record_certificate(
        &self,
        ctx: &Context<'_>,
        input: RecordCertificateInput,
    ) -> async_graphql::Result<PeerWorkerPayload> {
        let (svc, rc) = request(ctx)?;
        let certificate = Certificate {
            kind: input.kind.into(),
            checked_on: input.checked_on.0,
            result: input.result.into(),
        };
        svc.record_certificate(rc, peer_id("peerId", &input.peer_id)?, certificate)
            .await
            .gql()
            .map(|p| PeerWorkerPayload {
                peer_worker: p.into(),
            })
    }

    /// Records a completed training course.
    async fn record_training(
        &self,
        ctx: &Context<'_>,
        input: RecordTrainingInput,
    ) -> async_graphql::Result<PeerWorkerPayload> {
        let (svc, rc) = request(ctx)?;
        svc.record_training(
            rc,
            peer_id("peerId", &input.peer_id)?,
            &input.course,
            input.completed_on.0,
        )
        .await
        .gql()
        .map(|p| PeerWorkerPayload {
            peer_worker: p.into(),
        })
    }

    /// Records a supervision session held by the caller.
    async fn record_supervision(
        &self,
        ctx: &Context<'_>,
        input: RecordSupervisionInput,
    ) -> async_graphql::Result<SupervisionSessionPayload> {
        let (svc, rc) = request(ctx)?;
        let attendees = input
            .attendee_ids
            .iter()
            .map(|id| peer_id("attendeeIds", id))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        svc.record_supervision(rc, input.held_on.0, input.format.into(), attendees)
            .await
            .gql()
            .map(|s| SupervisionSessionPayload {
                supervision_session: s.into(),
            })
    }

    /// Places a paid peer in a hospital-psychiatry unit; overlapping placements beyond the
    /// contracted weekly hours are a CONFLICT.
    async fn create_placement(
        &self,
        ctx: &Context<'_>,
        input: CreatePlacementInput,
    ) -> async_graphql::Result<PlacementPayload> {
        let (svc, rc) = request(ctx)?;
        let new = NewPlacement {
            peer_id: peer_id("peerId", &input.peer_id)?,
            unit_id: parse::<OrganisationId>("unitId", &input.unit_id).gql()?,
            ward: input.ward,
            start: input.starts_on.0,
            end: input.ends_on.map(|v| v.0),
            weekly_hours_tenths: hours_tenths("weeklyHours", input.weekly_hours, 48.0).gql()?,
            ward_contact: input.ward_contact,
            supervision_arrangement: input.supervision_arrangement,
        };
        let placement = svc.create_placement(rc, new).await.gql()?;
        Ok(PlacementPayload {
            placement: placement.into(),
        })
    }

    /// Changes a placement (tenant admins and coordinators): its ward, contact, supervision
    /// arrangement, weekly hours, or last day (`endsOn`: ending it; `null`: open-ended
    /// again). Only the fields given change; giving none is `VALIDATION`. The peer's
    /// overlapping placements beyond their contracted weekly hours are a CONFLICT.
    async fn update_placement(
        &self,
        ctx: &Context<'_>,
        input: UpdatePlacementInput,
    ) -> async_graphql::Result<PlacementPayload> {
        let (svc, rc) = request(ctx)?;
        let id =
            parse::<peerbro_domain::ids::PlacementId>("placementId", &input.placement_id).gql()?;
        let patch = peerbro_domain::people::PlacementPatch {
            ward: input.ward,
            end: match input.ends_on {
                async_graphql::MaybeUndefined::Undefined => None,
                async_graphql::MaybeUndefined::Null => Some(None),
                async_graphql::MaybeUndefined::Value(d) => Some(Some(d.0)),
            },
            weekly_hours_tenths: input
                .weekly_hours
                .map(|h| hours_tenths("weeklyHours", h, 48.0))
                .transpose()
                .gql()?,
            ward_contact: input.ward_contact,
            supervision_arrangement: input.supervision_arrangement,
        };
        let placement = svc.update_placement(rc, id, patch).await.gql()?;
        Ok(PlacementPayload {
            placement: placement.into(),
        })
    }

    /// Sets the tenant's supervision limit in days (7–365; tenant admins).
    async fn set_supervision_limit(
        &self,
        ctx: &Context<'_>,
        input: SupervisionLimitInput,
    ) -> async_graphql::Result<SupervisionLimitPayload> {
        let (svc, rc) = request(ctx)?;
        let days = u32::try_from(input.days)
            .map_err(|_| DomainError::validation("days", "must be between 7 and 365"))
            .gql()?;
        let days = svc.set_supervision_limit(rc, days).await.gql()?;
        Ok(SupervisionLimitPayload {
            limit_days: i32::try_from(days).unwrap_or(i32::MAX),
        })
    }
}
