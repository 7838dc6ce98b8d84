//! Tests of the coordination use cases and of the matching rank, against the in-memory fakes.

use std::sync::Arc;

use super::*;
use crate::context::{RequestContext, Role};
use crate::ids::{CitizenId, EnrolmentId, OfferId, OrganisationId, PeerId, ReferralId, TenantId};
use crate::offers::{Enrolment, EnrolmentStatus, OfferType};
use crate::people::{PeerKind, PeerStatus, PeerWorker};
use crate::privacy::Purpose;
use crate::referral::{Referral, ReferralState};
use crate::tenancy::OrganisationKind;
use crate::testing::{World, course, member, noon, organisation, peer_worker};

fn load(max: u8, open: u32, types: &[OfferType], languages: &[&str]) -> PeerLoad {
    let mut peer = peer_worker(
        OrganisationId::new(),
        PeerKind::Voluntary,
        PeerStatus::Active,
        max,
    );
    peer.offer_types = types.iter().copied().collect();
    peer.languages = languages.iter().map(|l| (*l).to_owned()).collect();
    PeerLoad {
        peer,
        open_matches: open,
    }
}

fn ids(ranked: &[MatchSuggestion]) -> Vec<PeerId> {
    ranked.iter().map(|s| s.load.peer.id).collect()
}

#[test]
fn offer_type_outranks_language_which_outranks_load() {
    let wish = MatchWish {
        offer_type: OfferType::OneToOne,
        language: Some(" Arabic ".to_owned()),
    };
    let idle_stranger = load(3, 0, &[], &[]);
    let busy_speaker = load(4, 3, &[], &["arabic"]);
    let busy_runner = load(2, 1, &[OfferType::OneToOne], &["da"]);
    let idle_runner = load(2, 0, &[OfferType::OneToOne], &["da"]);
    let speaking_runner = load(5, 4, &[OfferType::OneToOne], &["Arabic"]);
    let ranked = rank(
        vec![
            idle_stranger.clone(),
            busy_speaker.clone(),
            busy_runner.clone(),
            idle_runner.clone(),
            speaking_runner.clone(),
        ],
        &wish,
    );
    assert_eq!(
        ids(&ranked),
        [
            speaking_runner.peer.id,
            idle_runner.peer.id,
            busy_runner.peer.id,
            busy_speaker.peer.id,
            idle_stranger.peer.id,
        ]
    );
    assert_eq!(
        ranked[0].reasons,
        [MatchReason::OfferType, MatchReason::Language]
    );
    assert_eq!(
        ranked[1].reasons,
        [MatchReason::OfferType, MatchReason::NoMatchesYet]
    );
    assert_eq!(ranked[3].reasons, [MatchReason::Language]);
}

#[test]
fn load_is_compared_as_a_share_then_by_free_places() {
    let wish = MatchWish {
        offer_type: OfferType::OneToOne,
        language: None,
    };
    // 1 of 4 (25%) before 1 of 2 (50%); equal shares: more free places first.
    let quarter = load(4, 1, &[], &[]);
    let half = load(2, 1, &[], &[]);
    let half_of_six = load(6, 3, &[], &[]);
    let ranked = rank(
        vec![half.clone(), quarter.clone(), half_of_six.clone()],
        &wish,
    );
    assert_eq!(
        ids(&ranked),
        [quarter.peer.id, half_of_six.peer.id, half.peer.id]
    );
    assert!(
        ranked
            .iter()
            .all(|s| !s.reasons.contains(&MatchReason::Language))
    );
}

#[test]
fn only_active_peers_with_a_free_place_are_suggested() {
    let wish = MatchWish {
        offer_type: OfferType::OneToOne,
        language: None,
    };
    let full = load(2, 2, &[OfferType::OneToOne], &[]);
    let over = load(1, 3, &[OfferType::OneToOne], &[]);
    let mut paused = load(3, 0, &[OfferType::OneToOne], &[]);
    paused.peer.status = PeerStatus::Paused;
    let last_place = load(2, 1, &[], &[]);
    let ranked = rank(vec![full, over, paused, last_place.clone()], &wish);
    assert_eq!(ids(&ranked), [last_place.peer.id]);
    assert_eq!(ranked[0].load.free_places(), 1);
}

struct Fixture {
    world: World,
    svc: CoordinationService,
    tenant: TenantId,
    org: OrganisationId,
    coordinator: RequestContext,
}

fn fixture() -> Fixture {
    let world = World::new();
    let tenant = TenantId::new();
    let org = organisation(&world, tenant, OrganisationKind::Ngo);
    let svc = CoordinationService::new(
        Arc::new(world.clone()),
        Arc::new(world.clone()),
        Arc::new(world.clone()),
    );
    let (coordinator, _) = member(tenant, &[Role::Coordinator], None);
    Fixture {
        world,
        svc,
        tenant,
        org,
        coordinator,
    }
}

impl Fixture {
    fn peer(&self, status: PeerStatus, max: u8, types: &[OfferType]) -> PeerWorker {
        let mut peer = peer_worker(self.org, PeerKind::Voluntary, status, max);
        peer.offer_types = types.iter().copied().collect();
        self.world
            .state()
            .peers
            .insert((self.tenant, peer.id), peer.clone());
        peer
    }

    fn referral(
        &self,
        state: ReferralState,
        peer: Option<PeerId>,
        offer: Option<OfferId>,
    ) -> ReferralId {
        let referral = Referral {
            id: ReferralId::new(),
            citizen_id: CitizenId::new(),
            referrer_id: crate::ids::UserId::new(),
            referrer_organisation_id: self.org,
            state,
            reason: None,
            submitted_at: noon(),
            first_contact_at: None,
            assigned_at: peer.map(|_| noon()),
            assigned_peer_id: peer,
            requested_offer_id: offer,
            assigned_offer_id: None,
            outcome: None,
            decline_reason: None,
            feedback: None,
            case_reference: None,
            transitions: Vec::new(),
        };
        let id = referral.id;
        self.world
            .state()
            .referrals
            .insert((self.tenant, id), referral);
        id
    }

    fn enrol(&self, offer: OfferId, status: EnrolmentStatus) {
        self.world.state().enrolments.push((
            self.tenant,
            Enrolment {
                id: EnrolmentId::new(),
                offer_id: offer,
                citizen_id: CitizenId::new(),
                referral_id: None,
                status,
                created_at: noon(),
                updated_at: noon(),
            },
        ));
    }
}

#[tokio::test]
async fn waiting_lists_are_the_courses_with_someone_waiting_longest_first() {
    let f = fixture();
    let short = course(&f.world, f.tenant, f.org, 1, true);
    let long = course(&f.world, f.tenant, f.org, 1, false);
    let none = course(&f.world, f.tenant, f.org, 5, true);
    for (offer, status) in [
        (short, EnrolmentStatus::Enrolled),
        (short, EnrolmentStatus::Waitlisted),
        (short, EnrolmentStatus::Withdrawn),
        (long, EnrolmentStatus::Enrolled),
        (long, EnrolmentStatus::Waitlisted),
        (long, EnrolmentStatus::Waitlisted),
        (none, EnrolmentStatus::Enrolled),
    ] {
        f.enrol(offer, status);
    }
    let lists = f.svc.waiting_lists(&f.coordinator).await.unwrap();
    assert_eq!(
        lists,
        [
            CourseLoad {
                offer_id: long,
                enrolled: 1,
                waiting: 2
            },
            CourseLoad {
                offer_id: short,
                enrolled: 1,
                waiting: 1
            },
        ]
    );
    // Another tenant's coordinator sees none of it; a peer may not look.
    let (stranger, _) = member(TenantId::new(), &[Role::Coordinator], None);
    assert!(f.svc.waiting_lists(&stranger).await.unwrap().is_empty());
    let (peer, _) = member(f.tenant, &[Role::Peer], None);
    assert!(
        f.svc
            .waiting_lists(&peer)
            .await
            .is_err_and(|e| e.code() == "FORBIDDEN")
    );
}

#[tokio::test]
async fn free_places_count_the_matches_a_peer_holds() {
    let f = fixture();
    let busy = f.peer(PeerStatus::Active, 2, &[]);
    let idle = f.peer(PeerStatus::Active, 1, &[]);
    f.peer(PeerStatus::Applicant, 5, &[]);
    f.referral(ReferralState::Active, Some(busy.id), None);
    f.referral(ReferralState::Completed, Some(busy.id), None);
    let places = f
        .svc
        .peer_places(&f.coordinator, Purpose::Coordination)
        .await
        .unwrap();
    let seen: Vec<_> = places
        .iter()
        .map(|l| (l.peer.id, l.open_matches, l.free_places()))
        .collect();
    let mut expected = vec![(busy.id, 1, 1), (idle.id, 0, 1)];
    expected.sort_by_key(|(id, _, _)| *id);
    assert_eq!(
        seen, expected,
        "equal free places: by id; applicants left out"
    );
    let (referrer, _) = member(f.tenant, &[Role::Referrer], Some(f.org));
    assert!(
        f.svc
            .peer_places(&referrer, Purpose::Coordination)
            .await
            .is_err_and(|e| e.code() == "FORBIDDEN")
    );
}

#[tokio::test]
async fn suggestions_follow_the_offer_the_referrer_asked_for() {
    let f = fixture();
    let group = course(&f.world, f.tenant, f.org, 8, true);
    let facilitator = f.peer(PeerStatus::Active, 2, &[OfferType::GroupCourse]);
    let companion = f.peer(PeerStatus::Active, 2, &[OfferType::OneToOne]);
    let for_course = f.referral(ReferralState::Accepted, None, Some(group));
    let plain = f.referral(ReferralState::Accepted, None, None);
    let (wish, ranked) = f
        .svc
        .match_suggestions(&f.coordinator, for_course, None, Purpose::Coordination)
        .await
        .unwrap();
    assert_eq!(wish.offer_type, OfferType::GroupCourse);
    assert_eq!(ids(&ranked), [facilitator.id, companion.id]);
    let (wish, ranked) = f
        .svc
        .match_suggestions(&f.coordinator, plain, Some("da"), Purpose::Coordination)
        .await
        .unwrap();
    assert_eq!(wish.offer_type, OfferType::OneToOne);
    assert_eq!(ids(&ranked), [companion.id, facilitator.id]);
    assert_eq!(
        ranked[0].reasons,
        [
            MatchReason::OfferType,
            MatchReason::Language,
            MatchReason::NoMatchesYet
        ]
    );
    for (ctx, referral, language, code) in [
        (&f.coordinator, ReferralId::new(), None, "NOT_FOUND"),
        (&f.coordinator, plain, Some("  "), "VALIDATION"),
        (&f.coordinator, plain, Some(&*"x".repeat(41)), "VALIDATION"),
    ] {
        let got = f
            .svc
            .match_suggestions(ctx, referral, language, Purpose::Coordination)
            .await;
        assert_eq!(got.err().map(|e| e.code()), Some(code));
    }
    let (stranger, _) = member(TenantId::new(), &[Role::Coordinator], None);
    assert!(
        f.svc
            .match_suggestions(&stranger, plain, None, Purpose::Coordination)
            .await
            .is_err_and(|e| e.code() == "NOT_FOUND")
    );
    assert!(
        f.svc
            .match_suggestions(
                &member(f.tenant, &[Role::Peer], None).0,
                plain,
                None,
                Purpose::Coordination
            )
            .await
            .is_err_and(|e| e.code() == "FORBIDDEN")
    );
}
