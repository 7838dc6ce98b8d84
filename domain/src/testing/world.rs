//! The fakes' state, the test clock and builders of the things a test arranges.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, TimeZone as _, Utc};

use crate::clock::FixedClock;
use crate::context::{Actor, RequestContext, Role};
use crate::ids::{
    CitizenId, OfferId, OrganisationId, PeerId, ReferralId, TenantId, UserId, WebhookEndpointId,
};
use crate::offers::{Attendance, CafeVisit, CourseSession, Enrolment, Meeting, Offer};
use crate::people::{Citizen, ConsentRecord, PeerWorker, Placement, SupervisionSession};
use crate::privacy::Purpose;
use crate::referral::{Referral, ReferralTransition};
use crate::tenancy::Organisation;
use crate::webhooks::{
    DeliveryAttempt, OutboxEvent, WebhookDelivery, WebhookEndpoint, WebhookSecret,
};

/// An endpoint's current secret, and the previous one with the end of its grace.
pub(crate) type Secrets = (WebhookSecret, Option<(WebhookSecret, DateTime<Utc>)>);

/// Everything the fakes hold, per tenant.
#[derive(Clone, Default)]
pub(crate) struct State {
    pub referrals: HashMap<(TenantId, ReferralId), Referral>,
    pub idempotency: HashMap<(TenantId, String), (String, ReferralId)>,
    pub citizens: HashMap<(TenantId, CitizenId), Citizen>,
    pub consents: HashMap<(TenantId, CitizenId), Vec<ConsentRecord>>,
    pub holds: HashMap<(TenantId, CitizenId), crate::privacy::LegalHold>,
    pub peers: HashMap<(TenantId, PeerId), PeerWorker>,
    pub supervision: Vec<(TenantId, SupervisionSession)>,
    pub placements: Vec<(TenantId, Placement)>,
    pub organisations: HashMap<(TenantId, OrganisationId), Organisation>,
    pub offers: HashMap<(TenantId, OfferId), Offer>,
    pub enrolments: Vec<(TenantId, Enrolment)>,
    pub sessions: Vec<(TenantId, CourseSession)>,
    pub attendance: Vec<(TenantId, Attendance)>,
    pub cafe_visits: Vec<(TenantId, CafeVisit)>,
    pub meetings: Vec<(TenantId, Meeting)>,
    pub webhooks: HashMap<(TenantId, WebhookEndpointId), WebhookEndpoint>,
    /// The current secret of each endpoint, and the previous one with its end of grace.
    pub webhook_secrets: HashMap<(TenantId, WebhookEndpointId), Secrets>,
    pub deliveries: Vec<(TenantId, WebhookDelivery)>,
    /// Outbox events, and whether each was dispatched.
    pub outbox_events: Vec<(OutboxEvent, bool)>,
    /// Tenants whose queue fails.
    pub broken_queues: Vec<TenantId>,
    /// Prune calls: tenant and cut-off.
    pub prunes: Vec<(TenantId, DateTime<Utc>)>,
    pub tenants: Vec<crate::tenancy::Tenant>,
    pub attempts: Vec<(TenantId, DeliveryAttempt)>,
    /// Referral events written with the change, in order.
    pub outbox: Vec<(TenantId, ReferralId, Option<ReferralTransition>)>,
    /// Audited reads of personal data: who was read, for what.
    pub reads: Vec<(TenantId, Uuid, Purpose)>,
    pub contact_limit_days: HashMap<TenantId, u32>,
    pub supervision_limit_days: HashMap<TenantId, u32>,
}

use uuid::Uuid;

/// The fakes' shared state; every port is implemented on it.
#[derive(Clone, Default)]
pub(crate) struct World {
    pub(crate) state: Arc<Mutex<State>>,
}

impl World {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The state, to arrange a test or check its result.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A snapshot of the state's observable parts, to show that a refusal changed nothing.
    pub(crate) fn fingerprint(&self) -> String {
        let s = self.state();
        let mut referrals: Vec<String> = s.referrals.values().map(|r| format!("{r:?}")).collect();
        referrals.sort();
        let mut courses: Vec<String> = s.enrolments.iter().map(|e| format!("{e:?}")).collect();
        courses.sort();
        format!(
            "{referrals:?}|{courses:?}|{}|{}|{}|{}",
            s.outbox.len(),
            s.citizens.len(),
            s.meetings.len(),
            s.attendance.len()
        )
    }
}

/// 2026-11-19 12:00 UTC: the tests' fixed now.
pub(crate) fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 19, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

pub(crate) fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock(noon()))
}

/// A signed-in member of `tenant` with `roles`.
pub(crate) fn member(
    tenant: TenantId,
    roles: &[Role],
    organisation: Option<OrganisationId>,
) -> (RequestContext, UserId) {
    let user = UserId::new();
    let actor = Actor::new(
        user,
        roles.iter().copied().collect::<BTreeSet<_>>(),
        organisation,
    );
    (RequestContext::user(tenant, actor, "test"), user)
}

/// A peer worker of `organisation`, as the seed or a coordinator would have made them.
pub(crate) fn peer_worker(
    organisation: OrganisationId,
    kind: crate::people::PeerKind,
    status: crate::people::PeerStatus,
    max_matches: u8,
) -> PeerWorker {
    PeerWorker {
        id: PeerId::new(),
        user_id: Some(UserId::new()),
        kind,
        status,
        name: Some(crate::privacy::Personal::from_storage(
            "Pia Peer".to_owned(),
        )),
        contact: None,
        languages: vec!["da".to_owned()],
        offer_types: BTreeSet::new(),
        max_matches,
        organisation_id: organisation,
        created_at: noon(),
        screenings: Vec::new(),
        certificates: Vec::new(),
        trainings: Vec::new(),
        transitions: Vec::new(),
        employment: None,
    }
}

/// An organisation of `kind`, stored in `tenant`.
pub(crate) fn organisation(
    world: &World,
    tenant: TenantId,
    kind: crate::tenancy::OrganisationKind,
) -> OrganisationId {
    let org = Organisation {
        id: OrganisationId::new(),
        name: crate::tenancy::OrganisationName::parse("Enheden").unwrap(),
        kind,
        created_at: noon(),
        updated_at: noon(),
    };
    let id = org.id;
    world.state().organisations.insert((tenant, id), org);
    id
}

/// A group course of `organisation` with `capacity` places.
pub(crate) fn course(
    world: &World,
    tenant: TenantId,
    organisation: OrganisationId,
    capacity: u32,
    open: bool,
) -> OfferId {
    let offer = Offer {
        id: OfferId::new(),
        organisation_id: organisation,
        offer_type: crate::offers::OfferType::GroupCourse,
        title: "Recovery-kursus".to_owned(),
        location: None,
        capacity: Some(capacity),
        facilitators: Vec::new(),
        schedule: None,
        open,
        open_access: false,
        created_at: noon(),
    };
    let id = offer.id;
    world.state().offers.insert((tenant, id), offer);
    id
}

/// A clock a test moves forward.
#[derive(Debug)]
pub(crate) struct SteppedClock(Mutex<DateTime<Utc>>);

impl SteppedClock {
    pub(crate) fn at(now: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self(Mutex::new(now)))
    }

    pub(crate) fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }
}

impl crate::clock::Clock for SteppedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Pseudonym bytes that differ on every call.
pub(crate) fn pseudonyms() -> crate::people::PseudonymSource {
    let next = Arc::new(std::sync::atomic::AtomicU64::new(1));
    Arc::new(move || {
        let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut bytes = [0u8; crate::people::PSEUDONYM_BYTES];
        for (i, b) in n.to_be_bytes().iter().enumerate() {
            bytes[i + 2] = *b;
        }
        bytes
    })
}

/// Pseudonym bytes from a script: the listed draws in order, then fresh ones.
pub(crate) fn scripted_pseudonyms(
    script: Vec<[u8; crate::people::PSEUDONYM_BYTES]>,
) -> crate::people::PseudonymSource {
    let queue = Arc::new(Mutex::new(std::collections::VecDeque::from(script)));
    let fresh = pseudonyms();
    Arc::new(move || {
        queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
            .unwrap_or_else(|| fresh())
    })
}
