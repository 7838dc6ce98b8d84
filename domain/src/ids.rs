//! Identifier newtypes over UUID v7, so that an organisation id can never be passed where a
//! user id is expected. v7 ids are time-ordered, which keyset pagination relies on.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered (v7) id.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (from storage, a token or a client).
            #[must_use]
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            #[must_use]
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

id_type!(
    /// A tenant: one municipality partnership.
    TenantId
);
id_type!(
    /// An organisation inside a tenant.
    OrganisationId
);
id_type!(
    /// A user's membership identity inside one tenant.
    UserId
);
id_type!(
    /// A citizen (the person supported), pseudonymous outside the vault.
    CitizenId
);
id_type!(
    /// A peer worker, paid or voluntary.
    PeerId
);
id_type!(
    /// A supervision session.
    SupervisionId
);
id_type!(
    /// A hospital-psychiatry placement.
    PlacementId
);
id_type!(
    /// A version of a recovery instrument (questionnaire) of a tenant.
    InstrumentId
);
id_type!(
    /// One answered questionnaire: a citizen's answers at one measurement point.
    ResponseId
);
id_type!(
    /// A peer's answer to one of their own questionnaire rounds.
    PeerResponseId
);
id_type!(
    /// A research study of a tenant.
    StudyId
);
id_type!(
    /// A referral of a citizen.
    ReferralId
);
id_type!(
    /// A webhook endpoint registered by a tenant admin.
    WebhookEndpointId
);
id_type!(
    /// One event's delivery to one endpoint; its `webhook-id` is stable across retries.
    WebhookDeliveryId
);
id_type!(
    /// A partner system's API client, bound to one organisation.
    ApiClientId
);
id_type!(
    /// An offer: a peer-group course, one-to-one accompaniment, a recovery café or a chat.
    OfferId
);
id_type!(
    /// One session of a peer-group course.
    CourseSessionId
);
id_type!(
    /// A citizen's place (or waiting-list place) on a course.
    EnrolmentId
);
id_type!(
    /// A logged meeting of a one-to-one match.
    MeetingId
);
id_type!(
    /// An anonymous chat conversation (issue 14): one citizen's session with the peers who
    /// take it.
    ConversationId
);
