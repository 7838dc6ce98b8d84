//! Global object ids (ADR 0027). Every `ID` the GraphQL API hands out is opaque: base64url of
//! `<Type>:<uuid>`, where `<Type>` is the GraphQL type of the object it names. `node(id:)`
//! reads the type back to know where to look; an id argument checks it names the kind of
//! object the argument wants. REST speaks bare UUIDs, and an id argument accepts the bare UUID
//! of the same object too, so that a partner system can carry an id from one surface to the
//! other.

use async_graphql::ID;
use base64::Engine as _;
use peerbro_domain::ids::{
    ApiClientId, CitizenId, ConversationId, CourseSessionId, EnrolmentId, InstrumentId, MeetingId,
    OfferId, OrganisationId, PeerId, PeerResponseId, PlacementId, ReferralId, ResponseId, StudyId,
    SupervisionId, TenantId, UserId, WebhookDeliveryId, WebhookEndpointId,
};
use peerbro_domain::{DomainError, DomainResult};
use uuid::Uuid;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A domain id that has a global id: the GraphQL type it is shown as, and the other types
/// that show the same object and whose ids an argument therefore also accepts.
pub(crate) trait Global: Sized {
    /// The GraphQL type its global id names.
    const KIND: &'static str;
    /// Other GraphQL types showing the same object (a referral is a `Referral` to the
    /// coordinator and a `ReferralStatus` to its referrer).
    const ALSO: &'static [&'static str] = &[];
    /// The bare UUID.
    fn uuid(&self) -> Uuid;
    /// From a bare UUID.
    fn wrap(uuid: Uuid) -> Self;
}

macro_rules! global {
    ($($id:ty => $kind:literal $(also $($also:literal),+)?;)*) => {$(
        impl Global for $id {
            const KIND: &'static str = $kind;
            $(const ALSO: &'static [&'static str] = &[$($also),+];)?
            fn uuid(&self) -> Uuid {
                self.as_uuid()
            }
            fn wrap(uuid: Uuid) -> Self {
                <$id>::from_uuid(uuid)
            }
        }
    )*};
}

global! {
    TenantId => "Tenant";
    OrganisationId => "Organisation";
    UserId => "User";
    CitizenId => "Citizen";
    PeerId => "PeerWorker";
    SupervisionId => "SupervisionSession";
    PlacementId => "Placement";
    InstrumentId => "Instrument";
    ResponseId => "QuestionnaireResponse";
    PeerResponseId => "PeerAnswer";
    StudyId => "Study";
    ReferralId => "Referral" also "ReferralStatus";
    WebhookEndpointId => "WebhookEndpoint";
    WebhookDeliveryId => "WebhookDelivery";
    ApiClientId => "ApiClient";
    OfferId => "Offer";
    CourseSessionId => "CourseSession";
    EnrolmentId => "Enrolment";
    MeetingId => "Meeting";
    ConversationId => "ChatConversation";
}

/// The global id of `id`, shown as its own type.
#[must_use]
pub(crate) fn gid<T: Global>(id: T) -> ID {
    gid_as(T::KIND, id.uuid())
}

/// The global id of the object `uuid` shown as the GraphQL type `kind`.
#[must_use]
pub(crate) fn gid_as(kind: &str, uuid: Uuid) -> ID {
    ID(B64.encode(format!("{kind}:{uuid}")))
}

/// The type name and UUID inside a global id; `None` for anything this API did not make.
#[must_use]
pub(crate) fn decode(id: &str) -> Option<(String, Uuid)> {
    let text = String::from_utf8(B64.decode(id).ok()?).ok()?;
    let (kind, uuid) = text.split_once(':')?;
    let uuid = Uuid::parse_str(uuid).ok()?;
    (!kind.is_empty() && kind.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| (kind.to_owned(), uuid))
}

/// The UUID of an id argument named `field` that may name any kind of object (an audit
/// subject, say): a global id or a bare UUID.
///
/// # Errors
/// `Validation` naming `field` when it is neither.
pub(crate) fn any_uuid(field: &str, id: &ID) -> DomainResult<Uuid> {
    Uuid::parse_str(id.as_str())
        .ok()
        .or_else(|| decode(id.as_str()).map(|(_, uuid)| uuid))
        .ok_or_else(|| DomainError::validation(field, "is not a valid id"))
}

/// An id argument named `field` that must name a `T`: its global id (as any type showing the
/// object) or its bare UUID.
///
/// # Errors
/// `Validation` naming `field` when it is neither, or names another kind of object.
pub(crate) fn parse<T: Global>(field: &str, id: &ID) -> DomainResult<T> {
    if let Ok(uuid) = Uuid::parse_str(id.as_str()) {
        return Ok(T::wrap(uuid));
    }
    match decode(id.as_str()) {
        Some((kind, uuid)) if kind == T::KIND || T::ALSO.contains(&kind.as_str()) => {
            Ok(T::wrap(uuid))
        }
        Some(_) => Err(DomainError::validation(
            field,
            format!("is the id of another kind of object (wanted: {})", T::KIND),
        )),
        None => Err(DomainError::validation(field, "is not a valid id")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_global_id_names_its_type_and_is_read_back() {
        let offer = OfferId::new();
        let id = gid(offer);
        assert!(
            !id.as_str().contains(&offer.to_string()),
            "opaque, not the bare uuid"
        );
        assert_eq!(
            decode(id.as_str()),
            Some(("Offer".to_owned(), offer.as_uuid()))
        );
        assert_eq!(parse::<OfferId>("offerId", &id).unwrap(), offer);
    }

    #[test]
    fn an_argument_takes_the_bare_uuid_rest_uses() {
        let offer = OfferId::new();
        let bare = crate::graphql::ids::gid(offer);
        assert_eq!(parse::<OfferId>("offerId", &bare).unwrap(), offer);
        assert_eq!(any_uuid("subjectId", &bare).unwrap(), offer.as_uuid());
    }

    #[test]
    fn another_kinds_id_is_refused_naming_the_field() {
        let citizen = gid(CitizenId::new());
        let err = parse::<OfferId>("offerId", &citizen).unwrap_err();
        assert_eq!(err.code(), "VALIDATION");
        assert!(format!("{err:?}").contains("offerId"));
    }

    #[test]
    fn both_views_of_a_referral_are_one_referral() {
        let referral = ReferralId::new();
        let status = gid_as("ReferralStatus", referral.as_uuid());
        assert_ne!(status, gid(referral));
        assert_eq!(parse::<ReferralId>("id", &status).unwrap(), referral);
    }

    #[test]
    fn garbage_is_not_an_id() {
        for junk in ["", "x", "T2ZmZXI", "T2ZmZXI6bm90LWEtdXVpZA", "Ojk"] {
            assert!(
                parse::<OfferId>("id", &ID(junk.to_owned())).is_err(),
                "{junk}"
            );
            assert!(any_uuid("id", &ID(junk.to_owned())).is_err(), "{junk}");
        }
    }
}
