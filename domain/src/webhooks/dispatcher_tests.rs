//! Use-case tests of [`WebhookDispatcher`] against the in-memory fakes.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;

use super::*;
use crate::context::Role;
use crate::ids::TenantId;
use crate::tenancy::{Tenant, TenantSlug};
use crate::testing::{
    OpenGuard, RecordingPublisher, ScriptedSender, SteppedClock, World, clock, counter_secrets,
    member, noon,
};
use crate::webhooks::{
    DeliveryStatus, EventType, NewEndpoint, OutboxEvent, RetryPolicy, WebhookService,
};

struct Fixture {
    world: World,
    clock: Arc<SteppedClock>,
    sender: Arc<ScriptedSender>,
    publisher: Arc<RecordingPublisher>,
    dispatcher: WebhookDispatcher,
}

fn settings() -> DispatchSettings {
    DispatchSettings {
        retry: RetryPolicy {
            base: Duration::seconds(30),
            max_delay: Duration::hours(1),
            max_attempts: 3,
        },
        lease: Duration::seconds(60),
        retention: Some(Duration::days(7)),
        prune_every: Duration::hours(1),
        ..DispatchSettings::default()
    }
}

fn fixture(answers: &[u16]) -> Fixture {
    let world = World::new();
    let sender = Arc::new(ScriptedSender::answering(answers));
    let publisher = Arc::new(RecordingPublisher::default());
    let clock = SteppedClock::at(noon());
    let dispatcher = WebhookDispatcher::new(
        Arc::new(world.clone()),
        Arc::new(world.clone()),
        sender.clone(),
        publisher.clone(),
        clock.clone(),
        settings(),
    );
    Fixture {
        world,
        clock,
        sender,
        publisher,
        dispatcher,
    }
}

impl Fixture {
    /// One round of the worker at `now`.
    async fn round(&self, now: chrono::DateTime<chrono::Utc>) -> DispatchReport {
        self.clock.set(now);
        self.dispatcher.run_once(now).await.unwrap()
    }

    /// A tenant with one endpoint subscribed to `types` (and enabled or not).
    async fn tenant(&self, slug: &str, types: &[EventType], enabled: bool) -> TenantId {
        let tenant = Tenant::new(TenantSlug::parse(slug).unwrap(), slug, "Helsingør").unwrap();
        let id = tenant.id;
        self.world.state().tenants.push(tenant);
        let (admin, _) = member(id, &[Role::TenantAdmin], None);
        let svc = WebhookService::new(
            Arc::new(self.world.clone()),
            Arc::new(OpenGuard),
            counter_secrets(),
            clock(),
        );
        let (endpoint, _) = svc
            .create(
                &admin,
                NewEndpoint {
                    url: format!("https://{slug}.example/hooks"),
                    description: None,
                    event_types: types.iter().copied().collect::<BTreeSet<_>>(),
                },
            )
            .await
            .unwrap();
        if !enabled {
            self.world
                .state()
                .webhooks
                .get_mut(&(id, endpoint.id))
                .unwrap()
                .enabled = false;
        }
        id
    }

    fn event(&self, tenant: TenantId, event_type: EventType) {
        self.world.state().outbox_events.push((
            OutboxEvent {
                id: uuid::Uuid::now_v7(),
                tenant_id: tenant,
                event_type,
                data: serde_json::json!({ "referralId": "r" }),
                created_at: noon(),
            },
            false,
        ));
    }

    fn statuses(&self, tenant: TenantId) -> Vec<(DeliveryStatus, u32)> {
        self.world
            .state()
            .deliveries
            .iter()
            .filter(|(t, _)| *t == tenant)
            .map(|(_, d)| (d.status, d.attempts))
            .collect()
    }
}

#[tokio::test]
async fn events_go_to_subscribed_enabled_endpoints_and_are_published_once() {
    let f = fixture(&[]);
    let both = [
        EventType::ReferralSubmitted,
        EventType::ReferralStatusChanged,
    ];
    let a = f.tenant("aaa", &both, true).await;
    let b = f
        .tenant("bbb", &[EventType::ReferralStatusChanged], true)
        .await;
    let c = f.tenant("ccc", &both, false).await;
    for t in [a, b, c] {
        f.event(t, EventType::ReferralSubmitted);
    }
    let report = f.round(noon()).await;
    assert_eq!(report.events, 3, "every event is dispatched");
    assert_eq!(f.publisher.events.lock().unwrap().len(), 3);
    assert_eq!(f.statuses(a), [(DeliveryStatus::Delivered, 1)]);
    assert!(f.statuses(b).is_empty(), "not subscribed");
    assert!(f.statuses(c).is_empty(), "disabled");
    let sent = f.sender.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url, "https://aaa.example/hooks");
    assert_eq!(sent[0].secrets.len(), 1);
    // A second round finds nothing new.
    let again = f.round(noon() + Duration::minutes(1)).await;
    assert_eq!((again.events, again.attempts), (0, 0));
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_under_one_id_until_the_policy_gives_up() {
    let f = fixture(&[500, 503, 500]);
    let t = f.tenant("aaa", &[EventType::ReferralSubmitted], true).await;
    f.event(t, EventType::ReferralSubmitted);
    f.round(noon()).await;
    assert_eq!(f.statuses(t), [(DeliveryStatus::Pending, 1)]);
    // Not due before its retry time.
    let early = f.round(noon() + Duration::seconds(10)).await;
    assert_eq!(early.attempts, 0);
    let later = noon() + Duration::hours(2);
    f.round(later).await;
    assert_eq!(f.statuses(t), [(DeliveryStatus::Pending, 2)]);
    let report = f.round(later + Duration::hours(2)).await;
    assert_eq!(report.failed, 1);
    assert_eq!(
        f.statuses(t),
        [(DeliveryStatus::Failed, 3)],
        "3 attempts, then give up"
    );
    let ids: BTreeSet<String> = f.sender.sent().into_iter().map(|m| m.webhook_id).collect();
    assert_eq!(ids.len(), 1, "every attempt under the same webhook-id");
}

#[tokio::test]
async fn one_tenants_broken_queue_does_not_stop_the_others_and_pruning_is_rationed() {
    let f = fixture(&[]);
    let a = f.tenant("aaa", &[EventType::ReferralSubmitted], true).await;
    let b = f.tenant("bbb", &[EventType::ReferralSubmitted], true).await;
    f.event(a, EventType::ReferralSubmitted);
    f.event(b, EventType::ReferralSubmitted);
    f.world.state().broken_queues.push(a);
    let report = f.round(noon()).await;
    assert_eq!((report.events, report.delivered), (1, 1));
    assert_eq!(f.statuses(b), [(DeliveryStatus::Delivered, 1)]);
    // Pruning ran for both tenants in the first round, with the retention's cut-off, and not
    // again within `prune_every`.
    let prunes = f.world.state().prunes.clone();
    assert_eq!(prunes.len(), 2);
    assert!(
        prunes
            .iter()
            .all(|(_, before)| *before == noon() - Duration::days(7))
    );
    f.round(noon() + Duration::minutes(5)).await;
    assert_eq!(f.world.state().prunes.len(), 2);
    f.round(noon() + Duration::hours(2)).await;
    assert_eq!(f.world.state().prunes.len(), 4);
}

/// Hints handed to the dispatcher by hand.
#[derive(Default)]
struct Hints(std::sync::Mutex<Vec<TenantId>>);

impl crate::webhooks::WorkHints for Hints {
    fn take(&self) -> Vec<TenantId> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[tokio::test]
async fn with_hints_a_round_looks_only_at_hinted_and_due_tenants_between_sweeps() {
    let mut f = fixture(&[500, 200]);
    let hints = Arc::new(Hints::default());
    f.dispatcher = WebhookDispatcher::new(
        Arc::new(f.world.clone()),
        Arc::new(f.world.clone()),
        f.sender.clone(),
        f.publisher.clone(),
        f.clock.clone(),
        DispatchSettings {
            sweep_every: Duration::minutes(10),
            ..settings()
        },
    )
    .with_hints(hints.clone());
    let a = f.tenant("aaa", &[EventType::ReferralSubmitted], true).await;
    let b = f.tenant("bbb", &[EventType::ReferralSubmitted], true).await;
    // The first round sweeps (and prunes): nothing to do yet.
    assert_eq!(f.round(noon()).await.events, 0);
    // An event nobody hinted waits for the next sweep.
    f.event(b, EventType::ReferralSubmitted);
    assert_eq!(f.round(noon() + Duration::seconds(1)).await.events, 0);
    // A hinted tenant is looked at at once; its failed attempt is retried when due, unhinted.
    f.event(a, EventType::ReferralSubmitted);
    hints.0.lock().unwrap().push(a);
    let report = f.round(noon() + Duration::seconds(2)).await;
    assert_eq!((report.events, report.attempts), (1, 1));
    assert_eq!(f.statuses(a), [(DeliveryStatus::Pending, 1)]);
    assert_eq!(f.round(noon() + Duration::seconds(10)).await.attempts, 0);
    let retry = f.round(noon() + Duration::seconds(40)).await;
    assert_eq!(retry.attempts, 1, "the retry, due 30 s after the attempt");
    assert_eq!(f.statuses(a), [(DeliveryStatus::Delivered, 2)]);
    assert_eq!(f.round(noon() + Duration::seconds(50)).await.attempts, 0);
    assert!(f.statuses(b).is_empty(), "still unhinted, before the sweep");
    // The sweep, ten minutes after the last, finds the unhinted event.
    let sweep = f.round(noon() + Duration::minutes(10)).await;
    assert_eq!(sweep.events, 1);
}
