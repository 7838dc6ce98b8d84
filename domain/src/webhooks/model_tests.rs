//! Unit tests of `model.rs`.

use super::*;

fn attempt(number: u32, status: Option<u16>, error: Option<&str>) -> DeliveryAttempt {
    DeliveryAttempt {
        delivery_id: WebhookDeliveryId::new(),
        number,
        at: DateTime::<Utc>::UNIX_EPOCH,
        status_code: status,
        error: error.map(str::to_owned),
        duration_ms: 1,
        finished_at: Some(DateTime::<Utc>::UNIX_EPOCH),
    }
}

#[test]
fn outcomes_are_told_apart() {
    assert_eq!(
        attempt(1, Some(204), None).outcome(),
        AttemptOutcome::Delivered
    );
    assert_eq!(
        attempt(1, Some(500), None).outcome(),
        AttemptOutcome::Rejected
    );
    assert_eq!(
        attempt(1, None, Some("timed out")).outcome(),
        AttemptOutcome::Failed
    );
    assert_eq!(
        attempt(1, None, Some(INTERRUPTED)).outcome(),
        AttemptOutcome::Interrupted
    );
    let running = DeliveryAttempt {
        finished_at: None,
        ..attempt(1, None, None)
    };
    assert_eq!(running.outcome(), AttemptOutcome::InFlight);
}

#[test]
fn delays_double_up_to_the_cap_and_then_give_up() {
    let policy = RetryPolicy {
        base: Duration::seconds(10),
        max_delay: Duration::seconds(50),
        max_attempts: 5,
    };
    let delays: Vec<_> = (0..7).map(|n| policy.delay_after(n)).collect();
    assert_eq!(
        delays,
        vec![
            None,
            Some(Duration::seconds(10)),
            Some(Duration::seconds(20)),
            Some(Duration::seconds(40)),
            Some(Duration::seconds(50)),
            None,
            None
        ]
    );
    // Huge attempt counts neither overflow nor panic.
    let long = RetryPolicy {
        max_attempts: u32::MAX,
        ..policy
    };
    assert_eq!(long.delay_after(1000), Some(Duration::seconds(50)));
}

#[test]
fn an_attempt_is_delivered_only_on_2xx_without_error() {
    let policy = RetryPolicy::default();
    for (status, error, expected) in [
        (Some(200), None, DeliveryStatus::Delivered),
        (Some(204), None, DeliveryStatus::Delivered),
        (Some(301), None, DeliveryStatus::Pending),
        (Some(500), None, DeliveryStatus::Pending),
        (None, Some("timeout"), DeliveryStatus::Pending),
    ] {
        let result = AttemptResult::decide(attempt(1, status, error), &policy);
        assert_eq!(result.status, expected, "{status:?} {error:?}");
        assert_eq!(
            result.next_attempt_at.is_some(),
            expected == DeliveryStatus::Pending
        );
    }
    let last = AttemptResult::decide(attempt(policy.max_attempts, Some(500), None), &policy);
    assert_eq!(last.status, DeliveryStatus::Failed);
}

#[test]
fn the_webhook_id_is_derived_from_the_delivery() {
    let id = WebhookDeliveryId::new();
    assert_eq!(webhook_id(id), webhook_id(id));
    assert!(webhook_id(id).starts_with("msg_"));
    assert_eq!(webhook_id(id).len(), 36);
}

#[test]
fn endpoint_fields_are_validated() {
    let events: BTreeSet<_> = [EventType::ReferralSubmitted].into();
    assert!(validate_endpoint_fields("https://x.example", None, &events).is_ok());
    assert!(validate_endpoint_fields("", None, &events).is_err());
    assert!(validate_endpoint_fields("https://x.example", None, &BTreeSet::new()).is_err());
    let long = "d".repeat(MAX_DESCRIPTION_CHARS + 1);
    assert!(validate_endpoint_fields("https://x.example", Some(&long), &events).is_err());
}
