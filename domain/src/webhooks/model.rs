//! Endpoints, deliveries and the retry policy.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use crate::error::{DomainError, DomainResult};
use crate::ids::{UserId, WebhookDeliveryId, WebhookEndpointId};

stored_enum!(
    /// An event a webhook endpoint can subscribe to.
    EventType {
        /// A referral was submitted.
        ReferralSubmitted = "referral.submitted",
        /// A referral moved to another state.
        ReferralStatusChanged = "referral.status_changed",
    }
);

stored_enum!(
    /// Where a delivery stands.
    DeliveryStatus {
        /// Waiting for its first or next attempt.
        Pending = "PENDING",
        /// The endpoint answered 2xx.
        Delivered = "DELIVERED",
        /// Every attempt failed; it can be redelivered by hand.
        Failed = "FAILED",
    }
);

/// The longest description of an endpoint.
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// The longest endpoint URL.
pub const MAX_URL_CHARS: usize = 2048;
/// How long a rotated-out secret keeps signing beside the new one, so that receivers can
/// switch without missing a delivery.
pub const PREVIOUS_SECRET_GRACE_HOURS: i64 = 24;

/// A signing secret in the Standard Webhooks form (`whsec_` + base64 of the key). Its `Debug`
/// never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// Wraps a secret.
    #[must_use]
    pub const fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret itself, to show once or to sign with.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// A registered endpoint (without its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Id.
    pub id: WebhookEndpointId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// What the admin wrote about it.
    pub description: Option<String>,
    /// The events it receives.
    pub event_types: BTreeSet<EventType>,
    /// Disabled endpoints receive nothing new.
    pub enabled: bool,
    /// Who registered it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When the secret was last rotated.
    pub secret_rotated_at: Option<DateTime<Utc>>,
}

/// Checks an endpoint URL's length (where it points is checked by the guard port).
///
/// # Errors
/// `Validation`.
pub fn validate_url_length(url: &str) -> DomainResult<()> {
    if url.trim().is_empty() || url.chars().count() > MAX_URL_CHARS {
        return Err(DomainError::validation(
            "url",
            format!("must be 1 to {MAX_URL_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Checks an endpoint's URL length, description and event types.
///
/// # Errors
/// `Validation`.
pub fn validate_endpoint_fields(
    url: &str,
    description: Option<&str>,
    event_types: &BTreeSet<EventType>,
) -> DomainResult<()> {
    validate_url_length(url)?;
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
        return Err(DomainError::validation(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    if event_types.is_empty() {
        return Err(DomainError::validation(
            "eventTypes",
            "name at least one event type",
        ));
    }
    Ok(())
}

/// One event's delivery to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// Id; the `webhook-id` header is derived from it.
    pub id: WebhookDeliveryId,
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// The event type.
    pub event_type: EventType,
    /// The body sent (ids, states and times only; never personal data).
    pub payload: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last attempt's HTTP status, if the endpoint answered.
    pub last_status_code: Option<u16>,
    /// The last attempt's failure, in a few words (never the response body).
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When it was created (the event fanned out).
    pub created_at: DateTime<Utc>,
}

impl WebhookDelivery {
    /// The `webhook-id` header: the same for every attempt.
    #[must_use]
    pub fn webhook_id(&self) -> String {
        webhook_id(self.id)
    }
}

/// The `webhook-id` of a delivery.
#[must_use]
pub fn webhook_id(id: WebhookDeliveryId) -> String {
    format!("msg_{}", id.as_uuid().simple())
}

/// One attempt of a delivery, for the delivery log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// The delivery.
    pub delivery_id: WebhookDeliveryId,
    /// 1 for the first attempt.
    pub number: u32,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The HTTP status, if the endpoint answered.
    pub status_code: Option<u16>,
    /// Why it failed, in a few words.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u32,
    /// When its outcome was recorded; `None` while it is in flight.
    pub finished_at: Option<DateTime<Utc>>,
}

/// The error recorded for an attempt that was in flight when the server stopped: whether the
/// endpoint received it is unknown, so the delivery is tried again under the same id.
pub const INTERRUPTED: &str =
    "interrupted: the server stopped during the attempt, so its outcome is unknown";

/// What came of an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Still running.
    InFlight,
    /// The endpoint answered 2xx.
    Delivered,
    /// The endpoint answered with another status.
    Rejected,
    /// No answer: connection, TLS, timeout, or a refused address.
    Failed,
    /// The server stopped before the outcome was recorded.
    Interrupted,
}

impl DeliveryAttempt {
    /// Whether the endpoint accepted it (2xx).
    #[must_use]
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|s| (200..300).contains(&s))
    }

    /// What came of it.
    #[must_use]
    pub fn outcome(&self) -> AttemptOutcome {
        if self.finished_at.is_none() {
            AttemptOutcome::InFlight
        } else if self.succeeded() {
            AttemptOutcome::Delivered
        } else if self.status_code.is_some() {
            AttemptOutcome::Rejected
        } else if self.error.as_deref() == Some(INTERRUPTED) {
            AttemptOutcome::Interrupted
        } else {
            AttemptOutcome::Failed
        }
    }
}

/// When to try again after a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The delay after the first failure; each later one doubles it.
    pub base: Duration,
    /// The longest delay.
    pub max_delay: Duration,
    /// Attempts in all before a delivery is marked failed.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 30 s, 1 min, 2 min, … capped at 6 h; 12 attempts span about 18 hours.
    fn default() -> Self {
        Self {
            base: Duration::seconds(30),
            max_delay: Duration::hours(6),
            max_attempts: 12,
        }
    }
}

impl RetryPolicy {
    /// The delay before the next attempt after `attempts` failed ones, or `None` when the
    /// delivery should give up.
    #[must_use]
    pub fn delay_after(&self, attempts: u32) -> Option<Duration> {
        if attempts == 0 || attempts >= self.max_attempts {
            return None;
        }
        let factor = 1_i32
            .checked_shl(attempts.saturating_sub(1).min(30))
            .unwrap_or(i32::MAX);
        Some(
            self.base
                .checked_mul(factor)
                .map_or(self.max_delay, |d| d.min(self.max_delay)),
        )
    }
}

/// What the worker records after one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptResult {
    /// The attempt.
    pub attempt: DeliveryAttempt,
    /// The delivery's status after it.
    pub status: DeliveryStatus,
    /// When to try again (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl AttemptResult {
    /// Decides what follows an attempt under `policy`.
    #[must_use]
    pub fn decide(attempt: DeliveryAttempt, policy: &RetryPolicy) -> Self {
        if attempt.succeeded() {
            return Self {
                attempt,
                status: DeliveryStatus::Delivered,
                next_attempt_at: None,
            };
        }
        match policy.delay_after(attempt.number) {
            Some(delay) => Self {
                next_attempt_at: Some(attempt.at + delay),
                attempt,
                status: DeliveryStatus::Pending,
            },
            None => Self {
                attempt,
                status: DeliveryStatus::Failed,
                next_attempt_at: None,
            },
        }
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
