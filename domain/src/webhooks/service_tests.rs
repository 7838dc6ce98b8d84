//! Use-case tests of [`WebhookService`] against the in-memory fakes.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;

use super::*;
use crate::context::{RequestContext, Role};
use crate::error::{DomainError, DomainResult};
use crate::ids::{TenantId, WebhookDeliveryId, WebhookEndpointId};
use crate::testing::{OpenGuard, World, clock, counter_secrets, member, noon};

struct Fixture {
    world: World,
    svc: WebhookService,
    tenant: TenantId,
    admin: RequestContext,
}

fn fixture() -> Fixture {
    let world = World::new();
    let tenant = TenantId::new();
    let (admin, _) = member(tenant, &[Role::TenantAdmin], None);
    Fixture {
        svc: WebhookService::new(
            Arc::new(world.clone()),
            Arc::new(OpenGuard),
            counter_secrets(),
            clock(),
        ),
        world,
        tenant,
        admin,
    }
}

fn both() -> BTreeSet<EventType> {
    BTreeSet::from([
        EventType::ReferralSubmitted,
        EventType::ReferralStatusChanged,
    ])
}

fn endpoint(url: &str) -> NewEndpoint {
    NewEndpoint {
        url: url.to_owned(),
        description: Some("  partner system  ".to_owned()),
        event_types: both(),
    }
}

fn field(result: DomainResult<impl std::fmt::Debug>) -> String {
    match result {
        Err(DomainError::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_endpoint_is_registered_once_its_url_and_fields_pass() {
    let f = fixture();
    let (created, secret) = f
        .svc
        .create(&f.admin, endpoint(" https://partner.example/hooks "))
        .await
        .unwrap();
    assert_eq!(created.url, "https://partner.example/hooks", "trimmed");
    assert_eq!(created.description.as_deref(), Some("partner system"));
    assert_eq!(created.created_at, noon());
    assert!(created.enabled);
    assert_eq!(secret.expose(), "secret-1");
    for (new, expected) in [
        (endpoint("http://partner.example/hooks"), "url"),
        (endpoint("https://127.0.0.1/hooks"), "url"),
        (
            endpoint(&format!("https://p.example/{}", "x".repeat(2048))),
            "url",
        ),
        (
            NewEndpoint {
                event_types: BTreeSet::new(),
                ..endpoint("https://partner.example/a")
            },
            "eventTypes",
        ),
        (
            NewEndpoint {
                description: Some("d".repeat(201)),
                ..endpoint("https://partner.example/b")
            },
            "description",
        ),
    ] {
        assert_eq!(field(f.svc.create(&f.admin, new).await), expected);
    }
    assert_eq!(f.world.state().webhooks.len(), 1, "refusals store nothing");
    let (coordinator, _) = member(f.tenant, &[Role::Coordinator], None);
    assert!(matches!(
        f.svc
            .create(&coordinator, endpoint("https://partner.example/c"))
            .await,
        Err(DomainError::Forbidden(_))
    ));
}

#[tokio::test]
async fn an_update_is_checked_like_a_registration_and_a_refused_one_changes_nothing() {
    let f = fixture();
    let (created, _) = f
        .svc
        .create(&f.admin, endpoint("https://partner.example/hooks"))
        .await
        .unwrap();
    let update = |u: EndpointUpdate| f.svc.update(&f.admin, created.id, u);
    let disabled = update(EndpointUpdate {
        enabled: Some(false),
        description: Some(None),
        ..EndpointUpdate::default()
    })
    .await
    .unwrap();
    assert!(!disabled.enabled);
    assert_eq!(disabled.description, None);
    let before = f.world.state().webhooks[&(f.tenant, created.id)].clone();
    for (u, expected) in [
        (
            EndpointUpdate {
                url: Some("https://localhost/x".to_owned()),
                enabled: Some(true),
                ..EndpointUpdate::default()
            },
            "url",
        ),
        (
            EndpointUpdate {
                event_types: Some(BTreeSet::new()),
                enabled: Some(true),
                ..EndpointUpdate::default()
            },
            "eventTypes",
        ),
    ] {
        assert_eq!(field(update(u).await), expected);
    }
    assert_eq!(f.world.state().webhooks[&(f.tenant, created.id)], before);
    assert!(matches!(
        f.svc
            .update(
                &f.admin,
                WebhookEndpointId::new(),
                EndpointUpdate::default()
            )
            .await,
        Err(DomainError::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_rotated_secret_keeps_the_old_one_signing_for_the_grace_period() {
    let f = fixture();
    let (created, first) = f
        .svc
        .create(&f.admin, endpoint("https://partner.example/hooks"))
        .await
        .unwrap();
    let (rotated, second) = f.svc.rotate_secret(&f.admin, created.id).await.unwrap();
    assert_ne!(first.expose(), second.expose());
    assert_eq!(rotated.secret_rotated_at, Some(noon()));
    let s = f.world.state();
    let (current, previous) = &s.webhook_secrets[&(f.tenant, created.id)];
    assert_eq!(current.expose(), second.expose());
    let (old, until) = previous.as_ref().unwrap();
    assert_eq!(old.expose(), first.expose());
    assert_eq!(
        *until,
        noon() + Duration::hours(PREVIOUS_SECRET_GRACE_HOURS)
    );
}

#[tokio::test]
async fn a_delivery_is_sent_again_now_under_its_id_and_only_in_its_tenant() {
    let f = fixture();
    let (created, _) = f
        .svc
        .create(&f.admin, endpoint("https://partner.example/hooks"))
        .await
        .unwrap();
    let delivery = WebhookDelivery {
        id: WebhookDeliveryId::new(),
        endpoint_id: created.id,
        event_type: EventType::ReferralSubmitted,
        payload: "{}".to_owned(),
        status: DeliveryStatus::Failed,
        attempts: 8,
        next_attempt_at: None,
        last_status_code: Some(500),
        last_error: None,
        delivered_at: None,
        created_at: noon() - Duration::days(1),
    };
    f.world
        .state()
        .deliveries
        .push((f.tenant, delivery.clone()));
    let again = f.svc.redeliver(&f.admin, delivery.id).await.unwrap();
    assert_eq!(again.status, DeliveryStatus::Pending);
    assert_eq!(again.next_attempt_at, Some(noon()));
    assert_eq!(again.webhook_id(), delivery.webhook_id());
    let (other_admin, _) = member(TenantId::new(), &[Role::TenantAdmin], None);
    assert!(matches!(
        f.svc.redeliver(&other_admin, delivery.id).await,
        Err(DomainError::NotFound { .. })
    ));
    let page = crate::page::PageRequest::first_page();
    let failed = f
        .svc
        .deliveries(
            &f.admin,
            &DeliveryFilter {
                endpoint_id: Some(created.id),
                status: Some(DeliveryStatus::Failed),
            },
            &page,
        )
        .await
        .unwrap();
    assert!(failed.items.is_empty(), "it is pending again");
}
