//! Mutations of this context's GraphQL API.

use async_graphql::{Context, Object};
use peerbro_domain::people::{BirthYear, CitizenPatch, ConsentGiven, Contact, PersonName};
use peerbro_domain::privacy::Personal;

use super::inputs::*;
use super::types::*;
use crate::graphql::errors::GqlResultExt as _;

/// People mutations.
#[derive(Default)]
pub struct PeopleMutation;

#[Object]
impl PeopleMutation {
    /// Registers a citizen (coordinators and tenant admins).
    async fn register_citizen(
        &self,
        ctx: &Context<'_>,
        input: RegisterCitizenInput,
    ) -> async_graphql::Result<CitizenPayload> {
        let (svc, rc) = request(ctx)?;
        let new = details(
            &input.name,
            input.contact.as_deref(),
            input.birth_year,
            &input.municipality,
        )
        .gql()?;
        let consents = input
            .consents
            .into_iter()
            .map(|c| ConsentGiven {
                purpose: c.purpose.into(),
                evidence: c.evidence.into(),
                text_version: c.text_version,
            })
            .collect();
        let citizen = svc
            .register_citizen(rc, new, consents, input.purpose.into())
            .await
            .gql()?;
        Ok(CitizenPayload {
            citizen: citizen.into(),
        })
    }

    /// A user with the citizen role registers themself.
    async fn register_self(
        &self,
        ctx: &Context<'_>,
        input: RegisterSelfInput,
    ) -> async_graphql::Result<CitizenPayload> {
        let (svc, rc) = request(ctx)?;
        let new = details(
            &input.name,
            input.contact.as_deref(),
            input.birth_year,
            &input.municipality,
        )
        .gql()?;
        let citizen = svc.register_self(rc, new).await.gql()?;
        Ok(CitizenPayload {
            citizen: citizen.into(),
        })
    }

    /// Corrects a citizen's details (coordinators, tenant admins, or the citizen themself).
    async fn update_citizen(
        &self,
        ctx: &Context<'_>,
        input: UpdateCitizenInput,
    ) -> async_graphql::Result<CitizenPayload> {
        let (svc, rc) = request(ctx)?;
        let id = citizen_id("citizenId", &input.citizen_id)?;
        let patch = CitizenPatch {
            name: input
                .name
                .as_deref()
                .map(|n| PersonName::parse("name", n).map(Personal::from))
                .transpose()
                .gql()?,
            contact: input
                .contact
                .as_deref()
                .map(|c| Contact::parse("contact", c).map(Personal::from))
                .transpose()
                .gql()?,
            birth_year: input.birth_year.map(BirthYear::parse).transpose().gql()?,
        };
        let citizen = svc
            .update_citizen(rc, id, patch, input.purpose.into())
            .await
            .gql()?;
        Ok(CitizenPayload {
            citizen: citizen.into(),
        })
    }

    /// Records a consent given or withdrawn; returns the full history. Withdrawal takes
    /// effect at once: withdrawing REFERRAL_PROCESSING ends every open referral of the
    /// citizen in the same transaction (move `CONSENT_WITHDRAWN` to WITHDRAWN, with a feedback
    /// line the referrer sees and a webhook event); the other purposes are checked at each
    /// use.
    async fn record_consent(
        &self,
        ctx: &Context<'_>,
        input: RecordConsentInput,
    ) -> async_graphql::Result<RecordConsentPayload> {
        let (svc, rc) = request(ctx)?;
        let id = citizen_id("citizenId", &input.citizen_id)?;
        let history = svc
            .record_consent(
                rc,
                id,
                input.purpose.into(),
                input.given,
                input.evidence.into(),
                input.text_version,
            )
            .await
            .gql()?;
        Ok(RecordConsentPayload {
            history: history.into_iter().map(Into::into).collect(),
        })
    }

    /// Erases a citizen by destroying their key (tenant admins): their name, contact details,
    /// referral reasons, referral feedback lines and questionnaire answers become unreadable
    /// in the database from the moment this answers (the name's search digest is replaced),
    /// and a self-registered citizen's own account is closed (e-mail, display name and
    /// identity-provider link scrubbed, the login refused at once). A backup taken before the
    /// erasure still opens them until the key epoch it was taken under is destroyed: at the
    /// latest `PEERBRO_KEY_ROTATION_DAYS` plus `PEERBRO_BACKUP_RETENTION_DAYS` after the
    /// erasure, no backup opens them with any key the operator still holds (ADR 0043).
    /// Refused (`CONFLICT`, `LEGAL_HOLD`) while a legal hold is placed (`placeLegalHold`).
    async fn erase_citizen(
        &self,
        ctx: &Context<'_>,
        input: EraseCitizenInput,
    ) -> async_graphql::Result<CitizenPayload> {
        let (svc, rc) = request(ctx)?;
        let id = citizen_id("citizenId", &input.citizen_id)?;
        let citizen = svc.erase_citizen(rc, id).await.gql()?;
        Ok(CitizenPayload {
            citizen: citizen.into(),
        })
    }
}
