//! Use-case tests of [`OfferService`] against the in-memory fakes.

use std::sync::Arc;

use chrono::{Duration, NaiveTime, Weekday};

use super::*;
use crate::context::{RequestContext, Role};
use crate::error::{Conflict, DomainError};
use crate::ids::{CitizenId, MeetingId, OfferId, OrganisationId, PeerId, ReferralId, TenantId};
use crate::people::{
    Citizen, CitizenOrigin, ConsentEvidence, ConsentPurpose, ConsentRecord, PeerKind, PeerStatus,
    Pseudonym,
};
use crate::privacy::Personal;
use crate::referral::{Referral, ReferralState};
use crate::tenancy::OrganisationKind;
use crate::testing::{World, clock, course, member, noon, organisation, peer_worker};

struct Fixture {
    world: World,
    svc: OfferService,
    tenant: TenantId,
    org: OrganisationId,
    coordinator: RequestContext,
}

fn fixture() -> Fixture {
    let world = World::new();
    let tenant = TenantId::new();
    let org = organisation(&world, tenant, OrganisationKind::Ngo);
    let svc = OfferService::new(
        Arc::new(world.clone()),
        Arc::new(world.clone()),
        Arc::new(world.clone()),
        Arc::new(world.clone()),
        clock(),
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
    fn citizen(&self, consents: &[ConsentPurpose]) -> CitizenId {
        let citizen = Citizen {
            id: CitizenId::new(),
            pseudonym: Pseudonym::from_random([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
            name: Some(Personal::from_storage("Carl Citizen".to_owned())),
            contact: Some(Personal::from_storage("tlf. 12 34 56 78".to_owned())),
            birth_year: None,
            municipality: "Helsingør".to_owned(),
            origin: CitizenOrigin::Referral,
            user_id: None,
            created_by: None,
            created_at: noon(),
            erased_at: None,
        };
        let id = citizen.id;
        let mut s = self.world.state();
        s.citizens.insert((self.tenant, id), citizen);
        s.consents.insert(
            (self.tenant, id),
            consents
                .iter()
                .map(|p| ConsentRecord {
                    purpose: *p,
                    given: true,
                    at: noon(),
                    recorded_by: None,
                    evidence: ConsentEvidence::Written,
                    text_version: None,
                })
                .collect(),
        );
        id
    }

    /// An active peer with a login, and their request context.
    fn peer(&self) -> (PeerId, RequestContext) {
        let (ctx, user) = member(self.tenant, &[Role::Peer], None);
        let mut peer = peer_worker(self.org, PeerKind::Voluntary, PeerStatus::Active, 3);
        peer.user_id = Some(user);
        let id = peer.id;
        self.world.state().peers.insert((self.tenant, id), peer);
        (id, ctx)
    }

    /// A referral of `citizen` in `state`, assigned to `peer`.
    fn referral(&self, citizen: CitizenId, peer: PeerId, state: ReferralState) -> ReferralId {
        let referral = Referral {
            id: ReferralId::new(),
            citizen_id: citizen,
            referrer_id: crate::ids::UserId::new(),
            referrer_organisation_id: self.org,
            state,
            reason: None,
            submitted_at: noon() - Duration::days(30),
            first_contact_at: None,
            assigned_at: Some(noon() - Duration::days(20)),
            assigned_peer_id: Some(peer),
            requested_offer_id: None,
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
}

fn held(
    referral: ReferralId,
    date: chrono::NaiveDate,
    minutes: u32,
    form: MeetingForm,
) -> MeetingLog {
    MeetingLog {
        referral_id: referral,
        date,
        minutes,
        form,
        planned: None,
    }
}

fn new_course(org: OrganisationId, facilitators: Vec<PeerId>) -> NewOffer {
    NewOffer {
        organisation_id: org,
        offer_type: OfferType::GroupCourse,
        title: "Vejen til hverdagslivet".to_owned(),
        location: Some("Kulturværftet".to_owned()),
        online: false,
        capacity: Some(2),
        facilitators,
        schedule: Some(CourseSchedule {
            start_date: noon().date_naive() - Duration::days(14),
            weekday: Weekday::Mon,
            start_time: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            session_count: 10,
            session_minutes: 120,
        }),
        open_access: false,
    }
}

#[tokio::test]
async fn a_course_is_created_with_its_sessions_and_only_active_facilitators() {
    let f = fixture();
    let (peer, _) = f.peer();
    let (second, _) = f.peer();
    let offer = f
        .svc
        .create(&f.coordinator, new_course(f.org, vec![peer, second]))
        .await
        .unwrap();
    assert_eq!(f.world.state().sessions.len(), 10);
    assert!(offer.open);
    f.world
        .state()
        .peers
        .get_mut(&(f.tenant, peer))
        .unwrap()
        .status = PeerStatus::Paused;
    let got = f
        .svc
        .create(&f.coordinator, new_course(f.org, vec![peer, second]))
        .await;
    assert!(matches!(
        got,
        Err(DomainError::Conflict(Conflict::FacilitatorNotActive))
    ));
    let got = f
        .svc
        .create(
            &f.coordinator,
            new_course(OrganisationId::new(), vec![peer, second]),
        )
        .await;
    assert!(matches!(got, Err(DomainError::NotFound { .. })));
    let (_, peer_ctx) = f.peer();
    assert!(matches!(
        f.svc
            .create(&peer_ctx, new_course(f.org, vec![peer, second]))
            .await,
        Err(DomainError::Forbidden(_))
    ));
    assert_eq!(f.world.state().offers.len(), 1, "refusals store nothing");
}

#[tokio::test]
async fn enrolment_fills_the_places_then_the_waiting_list_and_a_withdrawal_promotes() {
    let f = fixture();
    let offer = course(&f.world, f.tenant, f.org, 2, true);
    let citizens: Vec<CitizenId> = (0..3).map(|_| f.citizen(&[])).collect();
    let mut enrolled = Vec::new();
    for c in &citizens {
        enrolled.push(f.svc.enrol(&f.coordinator, offer, *c).await.unwrap());
    }
    let statuses: Vec<EnrolmentStatus> = enrolled.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [
            EnrolmentStatus::Enrolled,
            EnrolmentStatus::Enrolled,
            EnrolmentStatus::Waitlisted
        ]
    );
    let before = f.world.fingerprint();
    for (offer, citizen, expected) in [
        (offer, citizens[0], "CONFLICT"),
        (offer, CitizenId::new(), "NOT_FOUND"),
        (OfferId::new(), citizens[0], "NOT_FOUND"),
    ] {
        let got = f.svc.enrol(&f.coordinator, offer, citizen).await;
        assert_eq!(got.err().map(|e| e.code()), Some(expected));
    }
    assert_eq!(
        f.world.fingerprint(),
        before,
        "refused enrolments change nothing"
    );
    let done = f
        .svc
        .withdraw(&f.coordinator, enrolled[0].id)
        .await
        .unwrap();
    assert_eq!(done.promoted.map(|e| e.citizen_id), Some(citizens[2]));
    let page = crate::page::PageRequest::first_page();
    let listed = f
        .svc
        .enrolments(&f.coordinator, offer, None, &page)
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|e| e.status).collect::<Vec<_>>(),
        [
            EnrolmentStatus::Withdrawn,
            EnrolmentStatus::Enrolled,
            EnrolmentStatus::Enrolled
        ]
    );
    assert!(matches!(
        f.svc.withdraw(&f.coordinator, enrolled[0].id).await,
        Err(DomainError::Conflict(Conflict::AlreadyWithdrawn))
    ));
    // A closed course takes no one.
    let closed = course(&f.world, f.tenant, f.org, 5, false);
    assert!(matches!(
        f.svc.enrol(&f.coordinator, closed, citizens[0]).await,
        Err(DomainError::Conflict(Conflict::CourseNotOpen))
    ));
}

#[tokio::test]
async fn attendance_is_recorded_by_facilitators_for_placed_citizens_on_or_after_the_day() {
    let f = fixture();
    let (facilitator, facilitator_ctx) = f.peer();
    let (second, _) = f.peer();
    let (_, other_peer) = f.peer();
    let offer = f
        .svc
        .create(&f.coordinator, new_course(f.org, vec![facilitator, second]))
        .await
        .unwrap();
    let placed = f.citizen(&[]);
    f.svc.enrol(&f.coordinator, offer.id, placed).await.unwrap();
    let outside = f.citizen(&[]);
    let sessions = f.svc.sessions(&f.coordinator, &[offer.id]).await.unwrap();
    let past = sessions
        .iter()
        .find(|s| s.date <= noon().date_naive())
        .unwrap()
        .id;
    let future = sessions
        .iter()
        .find(|s| s.date > noon().date_naive())
        .unwrap()
        .id;
    f.svc
        .record_attendance(&facilitator_ctx, past, &[(placed, true)])
        .await
        .unwrap();
    for (ctx, session, marks, code) in [
        (&other_peer, past, vec![(placed, true)], "FORBIDDEN"),
        (&facilitator_ctx, future, vec![(placed, true)], "VALIDATION"),
        (&facilitator_ctx, past, vec![(outside, true)], "VALIDATION"),
        (
            &facilitator_ctx,
            past,
            vec![(CitizenId::new(), true)],
            "NOT_FOUND",
        ),
    ] {
        let got = f.svc.record_attendance(ctx, session, &marks).await;
        assert_eq!(got.err().map(|e| e.code()), Some(code));
    }
    let recorded = f.svc.attendance(&f.coordinator, offer.id).await.unwrap();
    assert_eq!(recorded.len(), 1);
}

#[tokio::test]
async fn cafe_headcounts_are_for_cafes_in_the_past_within_bounds() {
    let f = fixture();
    let (_, peer_ctx) = f.peer();
    let cafe = f
        .svc
        .create(
            &f.coordinator,
            NewOffer {
                offer_type: OfferType::RecoveryCafe,
                capacity: None,
                schedule: None,
                ..new_course(f.org, vec![])
            },
        )
        .await
        .unwrap();
    let course = course(&f.world, f.tenant, f.org, 5, true);
    let today = noon().date_naive();
    let visit = |offer, date, headcount| CafeVisit {
        offer_id: offer,
        date,
        headcount,
    };
    f.svc
        .record_cafe_visit(&peer_ctx, visit(cafe.id, today, 12))
        .await
        .unwrap();
    for (v, code) in [
        (visit(course, today, 3), "CONFLICT"),
        (visit(cafe.id, today + Duration::days(1), 3), "VALIDATION"),
        (visit(cafe.id, today, 501), "VALIDATION"),
    ] {
        let got = f.svc.record_cafe_visit(&peer_ctx, v).await;
        assert_eq!(got.err().map(|e| e.code()), Some(code));
    }
    let (referrer, _) = member(f.tenant, &[Role::Referrer], Some(f.org));
    assert!(matches!(
        f.svc
            .record_cafe_visit(&referrer, visit(cafe.id, today, 1))
            .await,
        Err(DomainError::Forbidden(_))
    ));
    let seen = f
        .svc
        .cafe_visits(&f.coordinator, cafe.id, today - Duration::days(7), today)
        .await
        .unwrap();
    assert_eq!(seen.iter().map(|v| v.headcount).collect::<Vec<_>>(), [12]);
    assert!(
        f.svc
            .cafe_visits(&f.coordinator, cafe.id, today, today - Duration::days(1))
            .await
            .is_err_and(|e| e.code() == "VALIDATION")
    );
}

#[tokio::test]
async fn meetings_are_logged_by_the_matchs_peer_while_it_runs() {
    let f = fixture();
    let (peer, peer_ctx) = f.peer();
    let (_, other_ctx) = f.peer();
    let citizen = f.citizen(&[]);
    let running = f.referral(citizen, peer, ReferralState::Active);
    let ended = f.referral(citizen, peer, ReferralState::Completed);
    let yesterday = noon().date_naive() - Duration::days(1);
    let meeting = f
        .svc
        .log_meeting(&peer_ctx, held(running, yesterday, 60, MeetingForm::Walk))
        .await
        .unwrap();
    assert_eq!(meeting.peer_id, peer);
    for (ctx, referral, date, code) in [
        (&other_ctx, running, yesterday, "NOT_FOUND"),
        (&peer_ctx, ended, yesterday, "CONFLICT"),
        (
            &peer_ctx,
            running,
            noon().date_naive() + Duration::days(1),
            "VALIDATION",
        ),
        (&peer_ctx, ReferralId::new(), yesterday, "NOT_FOUND"),
    ] {
        let got = f
            .svc
            .log_meeting(ctx, held(referral, date, 60, MeetingForm::Phone))
            .await;
        assert_eq!(got.err().map(|e| e.code()), Some(code));
    }
    assert_eq!(f.world.state().meetings.len(), 1);
    let page = crate::page::PageRequest::first_page();
    let mine = f.svc.my_matches(&peer_ctx, &page).await.unwrap();
    assert_eq!(mine.items.len(), 2);
    assert!(
        f.svc
            .my_matches(&other_ctx, &page)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn the_first_meeting_of_a_match_waiting_for_contact_is_its_first_contact() {
    let f = fixture();
    let (peer, peer_ctx) = f.peer();
    let citizen = f.citizen(&[]);
    let waiting = f.referral(citizen, peer, ReferralState::Assigned);
    let yesterday = noon().date_naive() - Duration::days(1);
    for form in [MeetingForm::Phone, MeetingForm::Walk] {
        f.svc
            .log_meeting(&peer_ctx, held(waiting, yesterday, 30, form))
            .await
            .unwrap();
    }
    let state = f.world.state();
    let referral = &state.referrals[&(f.tenant, waiting)];
    assert_eq!(referral.state, ReferralState::InContact);
    assert_eq!(referral.first_contact_at, Some(noon()));
    let moves: Vec<_> = state
        .outbox
        .iter()
        .filter_map(|(_, r, t)| (*r == waiting).then_some(t.clone()).flatten())
        .map(|t| (t.from, t.to))
        .collect();
    assert_eq!(
        moves,
        [(ReferralState::Assigned, ReferralState::InContact)],
        "one move, by the first meeting only, published like any other"
    );
    assert_eq!(state.meetings.len(), 2);
}

#[tokio::test]
async fn a_peer_reads_their_citizens_details_only_while_the_match_runs_and_with_consent() {
    let f = fixture();
    let (peer, peer_ctx) = f.peer();
    let (_, other_ctx) = f.peer();
    let willing = f.citizen(&[ConsentPurpose::Contact]);
    let unwilling = f.citizen(&[]);
    let running = f.referral(willing, peer, ReferralState::InContact);
    let ended = f.referral(willing, peer, ReferralState::EndedEarly);
    let no_consent = f.referral(unwilling, peer, ReferralState::Active);
    let citizen = f.svc.match_citizen(&peer_ctx, running).await.unwrap();
    assert_eq!(citizen.id, willing);
    assert_eq!(
        f.world.state().reads.last().map(|r| r.2),
        Some(crate::privacy::Purpose::PeerSupport),
        "the read is audited for peer support"
    );
    let reads = f.world.state().reads.len();
    for (ctx, referral, expected) in [
        (&peer_ctx, ended, Some(Conflict::MatchEnded)),
        (&peer_ctx, no_consent, Some(Conflict::NoContactConsent)),
        (&other_ctx, running, None),
        (&f.coordinator, running, None),
    ] {
        let got = f.svc.match_citizen(ctx, referral).await;
        match expected {
            Some(c) => assert!(matches!(got, Err(DomainError::Conflict(ref k)) if *k == c)),
            None => assert!(matches!(
                got,
                Err(DomainError::NotFound { .. } | DomainError::Forbidden(_))
            )),
        }
    }
    assert_eq!(f.world.state().reads.len(), reads, "refusals read nothing");
}

#[tokio::test]
async fn a_citizen_enrols_themself_on_an_open_access_course_and_withdraws_only_their_own() {
    let f = fixture();
    let free = crate::testing::course(&f.world, f.tenant, f.org, 1, true);
    let guarded = crate::testing::course(&f.world, f.tenant, f.org, 5, true);
    f.world
        .state()
        .offers
        .get_mut(&(f.tenant, free))
        .unwrap()
        .open_access = true;
    let mut citizens = Vec::new();
    for _ in 0..2 {
        let citizen = f.citizen(&[]);
        let (ctx, user) = member(f.tenant, &[Role::Citizen], None);
        f.world
            .state()
            .citizens
            .get_mut(&(f.tenant, citizen))
            .unwrap()
            .user_id = Some(user);
        citizens.push((citizen, ctx));
    }
    let (first, first_ctx) = &citizens[0];
    let (_, second_ctx) = &citizens[1];
    let placed = f.svc.enrol_myself(first_ctx, free).await.unwrap();
    assert_eq!(placed.citizen_id, *first);
    assert_eq!(placed.status, EnrolmentStatus::Enrolled);
    let waiting = f.svc.enrol_myself(second_ctx, free).await.unwrap();
    assert_eq!(
        waiting.status,
        EnrolmentStatus::Waitlisted,
        "one place only"
    );
    let (unregistered, _) = member(f.tenant, &[Role::Citizen], None);
    let (referrer, _) = member(f.tenant, &[Role::Referrer], Some(f.org));
    for (ctx, offer, code, reason) in [
        (first_ctx, free, "CONFLICT", Some("ALREADY_ENROLLED")),
        (first_ctx, guarded, "CONFLICT", Some("NOT_OPEN_ACCESS")),
        (first_ctx, OfferId::new(), "NOT_FOUND", None),
        (&unregistered, free, "CONFLICT", Some("NOT_REGISTERED")),
        (&referrer, free, "FORBIDDEN", None),
    ] {
        let err = f.svc.enrol_myself(ctx, offer).await.unwrap_err();
        assert_eq!(err.code(), code);
        if let Some(reason) = reason {
            assert!(
                matches!(&err, DomainError::Conflict(c) if c.reason() == reason),
                "{err}"
            );
        }
    }
    let mine = f
        .svc
        .my_enrolments(first_ctx, &first_page())
        .await
        .unwrap()
        .items;
    assert_eq!(mine.iter().map(|e| e.id).collect::<Vec<_>>(), [placed.id]);
    assert!(
        f.svc
            .my_enrolments(&referrer, &first_page())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Only one's own: another citizen's enrolment does not exist for them.
    assert_eq!(
        f.svc
            .withdraw(second_ctx, placed.id)
            .await
            .unwrap_err()
            .code(),
        "NOT_FOUND"
    );
    let withdrawal = f.svc.withdraw(first_ctx, placed.id).await.unwrap();
    assert_eq!(withdrawal.withdrawn.status, EnrolmentStatus::Withdrawn);
    assert_eq!(withdrawal.promoted, None, "not told who got the place");
    let theirs = f
        .svc
        .my_enrolments(second_ctx, &first_page())
        .await
        .unwrap()
        .items;
    assert_eq!(
        (theirs[0].id, theirs[0].status),
        (waiting.id, EnrolmentStatus::Enrolled),
        "the freed place went to the one waiting"
    );
}

#[tokio::test]
async fn meetings_are_planned_ahead_held_or_cancelled_and_scheduled() {
    let f = fixture();
    let (peer, peer_ctx) = f.peer();
    let (_, other_ctx) = f.peer();
    let citizen = f.citizen(&[]);
    let (me, user) = member(f.tenant, &[Role::Citizen], None);
    f.world
        .state()
        .citizens
        .get_mut(&(f.tenant, citizen))
        .unwrap()
        .user_id = Some(user);
    let waiting = f.referral(citizen, peer, ReferralState::Assigned);
    let today = noon().date_naive();
    let plan = |date, referral| MeetingPlan {
        referral_id: referral,
        date,
        start_time: NaiveTime::from_hms_opt(10, 30, 0).unwrap(),
        minutes: 60,
        form: MeetingForm::InPerson,
    };
    let next_week = f
        .svc
        .plan_meeting(&peer_ctx, plan(today + Duration::days(7), waiting))
        .await
        .unwrap();
    let tomorrow = f
        .svc
        .plan_meeting(&f.coordinator, plan(today + Duration::days(1), waiting))
        .await
        .unwrap();
    assert_eq!(next_week.status, MeetingStatus::Planned);
    assert_eq!(
        f.world.state().referrals[&(f.tenant, waiting)].state,
        ReferralState::Assigned,
        "planning is not contact"
    );
    for (ctx, p, code) in [
        (
            &peer_ctx,
            plan(today - Duration::days(1), waiting),
            "VALIDATION",
        ),
        (&other_ctx, plan(today, waiting), "NOT_FOUND"),
        (&peer_ctx, plan(today, ReferralId::new()), "NOT_FOUND"),
    ] {
        assert_eq!(f.svc.plan_meeting(ctx, p).await.unwrap_err().code(), code);
    }
    // The peer's schedule and the citizen's app show them, by date.
    let week = f
        .svc
        .my_schedule(&peer_ctx, today, today + Duration::days(7))
        .await
        .unwrap();
    let ids: Vec<_> = week.meetings.iter().map(|m| m.id).collect();
    assert_eq!(ids, [tomorrow.id, next_week.id]);
    let shorter = f
        .svc
        .my_schedule(&peer_ctx, today, today + Duration::days(6))
        .await
        .unwrap();
    assert_eq!(
        shorter.meetings.len(),
        1,
        "to is included, the day after is not"
    );
    let mine = f
        .svc
        .my_meetings(&me, today, today + Duration::days(91))
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|m| m.id).collect::<Vec<_>>(), ids);
    // The one tomorrow is cancelled; held is what was planned for next week, logged as
    // held today (plans change) — and it is the first contact.
    let cancelled = f.svc.cancel_meeting(&peer_ctx, tomorrow.id).await.unwrap();
    assert_eq!(cancelled.status, MeetingStatus::Cancelled);
    let log = MeetingLog {
        planned: Some(next_week.id),
        ..held(waiting, today, 45, MeetingForm::Walk)
    };
    let done = f.svc.log_meeting(&peer_ctx, log).await.unwrap();
    assert_eq!(
        (done.id, done.status, done.minutes),
        (next_week.id, MeetingStatus::Held, 45)
    );
    assert_eq!(
        f.world.state().referrals[&(f.tenant, waiting)].state,
        ReferralState::InContact
    );
    for (ctx, id, code) in [
        (&peer_ctx, tomorrow.id, "CONFLICT"),
        (&peer_ctx, next_week.id, "CONFLICT"),
        (&other_ctx, tomorrow.id, "NOT_FOUND"),
        (&peer_ctx, MeetingId::new(), "NOT_FOUND"),
    ] {
        assert_eq!(
            f.svc.cancel_meeting(ctx, id).await.unwrap_err().code(),
            code
        );
    }
    assert_eq!(
        f.svc.log_meeting(&peer_ctx, log).await.unwrap_err().code(),
        "CONFLICT",
        "held already"
    );
    let week = f
        .svc
        .my_schedule(&peer_ctx, today, today + Duration::days(7))
        .await
        .unwrap();
    assert_eq!(
        week.meetings.iter().map(|m| m.id).collect::<Vec<_>>(),
        [next_week.id],
        "the cancelled one is off the schedule"
    );
    for (from, to) in [
        (today, today - Duration::days(1)),
        (today, today + Duration::days(MAX_SCHEDULE_DAYS)),
    ] {
        assert_eq!(
            f.svc
                .my_schedule(&peer_ctx, from, to)
                .await
                .unwrap_err()
                .code(),
            "VALIDATION"
        );
    }
    assert!(
        f.svc
            .my_schedule(
                &peer_ctx,
                today,
                today + Duration::days(MAX_SCHEDULE_DAYS - 1)
            )
            .await
            .is_ok()
    );
    assert_eq!(
        f.svc
            .my_schedule(&me, today, today)
            .await
            .unwrap_err()
            .code(),
        "FORBIDDEN"
    );
    assert!(
        f.svc
            .my_meetings(&peer_ctx, today, today)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_offer_changes_and_a_grown_course_takes_its_waiting_list_in_order() {
    let f = fixture();
    let id = crate::testing::course(&f.world, f.tenant, f.org, 1, true);
    let citizens: Vec<_> = (0..4).map(|_| f.citizen(&[])).collect();
    for c in &citizens {
        f.svc.enrol(&f.coordinator, id, *c).await.unwrap();
    }
    let grow = OfferChange {
        capacity: Some(3),
        title: Some("  Nyt navn ".to_owned()),
        ..OfferChange::default()
    };
    let changed = f.svc.update_offer(&f.coordinator, id, grow).await.unwrap();
    assert_eq!(changed.offer.title, "Nyt navn");
    assert_eq!(changed.offer.capacity, Some(3));
    assert_eq!(
        changed
            .promoted
            .iter()
            .map(|e| e.citizen_id)
            .collect::<Vec<_>>(),
        citizens[1..3],
        "the next two waiting, in order"
    );
    let stored = f.world.state().offers[&(f.tenant, id)].clone();
    assert_eq!(stored, changed.offer);
    let before = f.world.fingerprint();
    let (peer, _) = member(f.tenant, &[Role::Peer], None);
    for (ctx, change, code) in [
        (
            &f.coordinator,
            OfferChange {
                capacity: Some(2),
                ..OfferChange::default()
            },
            "CONFLICT",
        ),
        (
            &f.coordinator,
            OfferChange {
                capacity: Some(51),
                ..OfferChange::default()
            },
            "VALIDATION",
        ),
        (
            &f.coordinator,
            OfferChange {
                title: Some(" ".to_owned()),
                ..OfferChange::default()
            },
            "VALIDATION",
        ),
        (&f.coordinator, OfferChange::default(), "VALIDATION"),
        (
            &peer,
            OfferChange {
                open_access: Some(true),
                ..OfferChange::default()
            },
            "FORBIDDEN",
        ),
    ] {
        let got = f.svc.update_offer(ctx, id, change).await;
        assert_eq!(got.err().map(|e| e.code()), Some(code));
    }
    assert_eq!(f.world.fingerprint(), before, "refusals change nothing");
    let same = OfferChange {
        capacity: Some(3),
        ..OfferChange::default()
    };
    assert!(
        f.svc
            .update_offer(&f.coordinator, id, same)
            .await
            .unwrap()
            .promoted
            .is_empty()
    );
}

#[tokio::test]
async fn an_upcoming_session_is_cancelled_once_and_takes_no_attendance() {
    let f = fixture();
    let (a, _) = f.peer();
    let (b, _) = f.peer();
    let course = f
        .svc
        .create(&f.coordinator, new_course(f.org, vec![a, b]))
        .await
        .unwrap();
    let sessions: Vec<_> = f
        .world
        .state()
        .sessions
        .iter()
        .map(|(_, s)| s.clone())
        .filter(|s| s.offer_id == course.id)
        .collect();
    let today = noon().date_naive();
    let past = sessions.iter().find(|s| s.date < today).unwrap().clone();
    let upcoming = sessions.iter().find(|s| s.date >= today).unwrap().clone();
    let cancelled = f
        .svc
        .cancel_session(&f.coordinator, upcoming.id)
        .await
        .unwrap();
    assert_eq!(cancelled.cancelled_at, Some(noon()));
    let citizen = f.citizen(&[]);
    f.svc
        .enrol(&f.coordinator, course.id, citizen)
        .await
        .unwrap();
    let (peer, _) = member(f.tenant, &[Role::Peer], None);
    for (ctx, id, code) in [
        (&f.coordinator, upcoming.id, "CONFLICT"),
        (&f.coordinator, past.id, "CONFLICT"),
        (
            &f.coordinator,
            crate::ids::CourseSessionId::new(),
            "NOT_FOUND",
        ),
        (&peer, upcoming.id, "FORBIDDEN"),
    ] {
        assert_eq!(
            f.svc.cancel_session(ctx, id).await.unwrap_err().code(),
            code
        );
    }
    let err = f
        .svc
        .record_attendance(&f.coordinator, upcoming.id, &[(citizen, true)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::Conflict(c) if c.reason() == "SESSION_CANCELLED"),
        "{err}"
    );
}

#[tokio::test]
async fn enrolment_pseudonyms_go_to_those_who_see_the_enrolment() {
    let f = fixture();
    let (a, facilitator) = f.peer();
    let (b, _) = f.peer();
    let (_, bystander) = f.peer();
    let course = f
        .svc
        .create(&f.coordinator, new_course(f.org, vec![a, b]))
        .await
        .unwrap();
    let mut ids = Vec::new();
    let mut users = Vec::new();
    for _ in 0..2 {
        let citizen = f.citizen(&[]);
        let (ctx, user) = member(f.tenant, &[Role::Citizen], None);
        f.world
            .state()
            .citizens
            .get_mut(&(f.tenant, citizen))
            .unwrap()
            .user_id = Some(user);
        ids.push(
            f.svc
                .enrol(&f.coordinator, course.id, citizen)
                .await
                .unwrap()
                .id,
        );
        users.push(ctx);
    }
    let seen = |m: std::collections::HashMap<crate::ids::EnrolmentId, String>| {
        let mut k: Vec<_> = m.into_keys().collect();
        k.sort();
        k
    };
    let mut all = ids.clone();
    all.sort();
    assert_eq!(
        seen(
            f.svc
                .enrolment_pseudonyms(&f.coordinator, &ids)
                .await
                .unwrap()
        ),
        all
    );
    assert_eq!(
        seen(
            f.svc
                .enrolment_pseudonyms(&facilitator, &ids)
                .await
                .unwrap()
        ),
        all
    );
    assert!(
        f.svc
            .enrolment_pseudonyms(&bystander, &ids)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        seen(f.svc.enrolment_pseudonyms(&users[0], &ids).await.unwrap()),
        [ids[0]]
    );
    let (referrer, _) = member(f.tenant, &[Role::Referrer], Some(f.org));
    assert!(
        f.svc
            .enrolment_pseudonyms(&referrer, &ids)
            .await
            .unwrap()
            .is_empty()
    );
}

fn first_page() -> crate::page::PageRequest {
    crate::page::PageRequest::new(Some(10), None, None, None).unwrap()
}
