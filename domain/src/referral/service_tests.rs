//! Use-case tests of [`ReferralService`] against the in-memory fakes.

use std::sync::Arc;

use chrono::Duration;

use super::*;
use crate::clock::FixedClock;
use crate::context::{RequestContext, Role};
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{OfferId, OrganisationId, PeerId, ReferralId, TenantId};
use crate::offers::EnrolmentStatus;
use crate::people::{
    ConsentEvidence, ConsentPurpose, ConsentRecord, NewCitizen, PeerKind, PeerStatus,
};
use crate::privacy::Personal;
use crate::tenancy::OrganisationKind;
use crate::testing::{
    World, clock, course, member, noon, organisation, peer_worker, pseudonyms, scripted_pseudonyms,
};

struct Fixture {
    world: World,
    svc: ReferralService,
    tenant: TenantId,
    org: OrganisationId,
    coordinator: RequestContext,
    referrer: RequestContext,
}

fn fixture_at(now: chrono::DateTime<chrono::Utc>) -> Fixture {
    let world = World::new();
    let tenant = TenantId::new();
    let org = organisation(&world, tenant, OrganisationKind::BostotteTeam);
    let svc = ReferralService::new(
        Arc::new(world.clone()),
        Arc::new(world.clone()),
        Arc::new(world.clone()),
        Arc::new(FixedClock(now)),
        pseudonyms(),
    );
    let (coordinator, _) = member(tenant, &[Role::Coordinator], None);
    let (referrer, _) = member(tenant, &[Role::Referrer], Some(org));
    Fixture {
        world,
        svc,
        tenant,
        org,
        coordinator,
        referrer,
    }
}

fn fixture() -> Fixture {
    fixture_at(noon())
}

fn new_referral(name: &str, share: bool, contact: bool) -> NewReferral {
    NewReferral {
        citizen: ReferredCitizen::New(NewCitizen {
            name: Personal::parse("name", name, 200).unwrap(),
            contact: None,
            birth_year: None,
            municipality: "Helsingør".to_owned(),
        }),
        reason: Some(Personal::parse("reason", "Vil gerne ud blandt andre", 2000).unwrap()),
        consent_evidence: ConsentEvidence::VerbalToReferrer,
        share_outcome: share,
        contact,
        offer_id: None,
        idempotency_key: None,
        case_reference: None,
    }
}

impl Fixture {
    async fn submit(&self) -> ReferralId {
        self.svc
            .submit(&self.referrer, new_referral("Rasmus Rask", true, true))
            .await
            .unwrap()
            .0
    }

    fn peer(&self, status: PeerStatus, max: u8) -> PeerId {
        let peer = peer_worker(self.org, PeerKind::Paid, status, max);
        let id = peer.id;
        self.world.state().peers.insert((self.tenant, id), peer);
        id
    }

    async fn mv(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        action: ReferralAction,
        target: Option<AssignTarget>,
    ) -> DomainResult<ReferralId> {
        self.svc
            .move_referral(ctx, id, action, MoveDetails::default(), target)
            .await
    }

    /// Submitted and accepted, ready to assign.
    async fn accepted(&self) -> ReferralId {
        let id = self.submit().await;
        self.mv(&self.coordinator, id, ReferralAction::Accept, None)
            .await
            .unwrap();
        id
    }

    fn state_of(&self, id: ReferralId) -> ReferralState {
        self.world.state().referrals[&(self.tenant, id)].state
    }
}

fn conflict(result: DomainResult<impl std::fmt::Debug>) -> Conflict {
    match result {
        Err(DomainError::Conflict(c)) => c,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn a_peer_takes_matches_up_to_their_capacity_and_no_more() {
    let f = fixture();
    let peer = f.peer(PeerStatus::Active, 1);
    let first = f.accepted().await;
    let second = f.accepted().await;
    f.mv(
        &f.coordinator,
        first,
        ReferralAction::Assign,
        Some(AssignTarget::Peer(peer)),
    )
    .await
    .unwrap();
    assert_eq!(f.state_of(first), ReferralState::Assigned);
    let before = f.world.fingerprint();
    assert_eq!(
        conflict(
            f.mv(
                &f.coordinator,
                second,
                ReferralAction::Assign,
                Some(AssignTarget::Peer(peer))
            )
            .await
        ),
        Conflict::PeerAtCapacity { open: 1, max: 1 }
    );
    assert_eq!(
        f.world.fingerprint(),
        before,
        "a refused move changes nothing"
    );
    // The first match ends: its place is free again.
    f.mv(&f.coordinator, first, ReferralAction::Reassign, None)
        .await
        .unwrap();
    f.mv(
        &f.coordinator,
        second,
        ReferralAction::Assign,
        Some(AssignTarget::Peer(peer)),
    )
    .await
    .unwrap();
    let s = f.world.state();
    assert_eq!(
        s.referrals[&(f.tenant, second)].assigned_peer_id,
        Some(peer)
    );
    assert_eq!(s.referrals[&(f.tenant, first)].assigned_peer_id, None);
}

#[tokio::test]
async fn only_an_active_peer_is_assigned() {
    for status in [
        PeerStatus::Applicant,
        PeerStatus::Screening,
        PeerStatus::Paused,
        PeerStatus::Ended,
    ] {
        let f = fixture();
        let peer = f.peer(status, 3);
        let id = f.accepted().await;
        assert_eq!(
            conflict(
                f.mv(
                    &f.coordinator,
                    id,
                    ReferralAction::Assign,
                    Some(AssignTarget::Peer(peer))
                )
                .await
            ),
            Conflict::PeerNotActive,
            "{status:?}"
        );
        assert_eq!(f.state_of(id), ReferralState::Accepted);
    }
}

#[tokio::test]
async fn a_course_assignment_enrols_or_waitlists_and_a_withdrawal_moves_the_next_up() {
    let f = fixture();
    let offer: OfferId = course(&f.world, f.tenant, f.org, 1, true);
    let first = f.accepted().await;
    let second = f.accepted().await;
    for id in [first, second] {
        f.mv(
            &f.coordinator,
            id,
            ReferralAction::Assign,
            Some(AssignTarget::Course(offer)),
        )
        .await
        .unwrap();
    }
    let status = |f: &Fixture, id: ReferralId| {
        f.world
            .state()
            .enrolments
            .iter()
            .find(|(_, e)| e.referral_id == Some(id))
            .map(|(_, e)| e.status)
    };
    assert_eq!(status(&f, first), Some(EnrolmentStatus::Enrolled));
    assert_eq!(status(&f, second), Some(EnrolmentStatus::Waitlisted));
    // The referrer withdraws the first referral: its place goes to the second.
    f.mv(&f.referrer, first, ReferralAction::Withdraw, None)
        .await
        .unwrap();
    assert_eq!(status(&f, first), Some(EnrolmentStatus::Withdrawn));
    assert_eq!(status(&f, second), Some(EnrolmentStatus::Enrolled));
    let s = f.world.state();
    let moves: Vec<_> = s
        .outbox
        .iter()
        .filter(|(_, r, t)| *r == first && t.is_some())
        .collect();
    assert_eq!(moves.len(), 3, "accept, assign, withdraw: each announced");
}

#[tokio::test]
async fn refused_moves_are_typed_and_change_nothing() {
    let f = fixture();
    let peer = f.peer(PeerStatus::Active, 3);
    let submitted = f.submit().await;
    let other_tenant = fixture();
    let foreign = other_tenant.submit().await;
    let closed = course(&f.world, f.tenant, f.org, 5, false);
    let accepted = f.accepted().await;
    let (outsider, _) = member(f.tenant, &[Role::Referrer], Some(OrganisationId::new()));
    let before = f.world.fingerprint();
    let cases: Vec<(
        &RequestContext,
        ReferralId,
        ReferralAction,
        Option<AssignTarget>,
        &str,
    )> = vec![
        (
            &f.coordinator,
            submitted,
            ReferralAction::Start,
            None,
            "CONFLICT",
        ),
        (
            &f.coordinator,
            submitted,
            ReferralAction::Assign,
            None,
            "VALIDATION",
        ),
        (
            &f.coordinator,
            submitted,
            ReferralAction::Accept,
            Some(AssignTarget::Peer(peer)),
            "VALIDATION",
        ),
        (
            &f.coordinator,
            ReferralId::new(),
            ReferralAction::Accept,
            None,
            "NOT_FOUND",
        ),
        (
            &f.coordinator,
            foreign,
            ReferralAction::Accept,
            None,
            "NOT_FOUND",
        ),
        (
            &f.coordinator,
            accepted,
            ReferralAction::Assign,
            Some(AssignTarget::Peer(PeerId::new())),
            "NOT_FOUND",
        ),
        (
            &f.coordinator,
            accepted,
            ReferralAction::Assign,
            Some(AssignTarget::Course(closed)),
            "CONFLICT",
        ),
        (
            &f.referrer,
            submitted,
            ReferralAction::Accept,
            None,
            "FORBIDDEN",
        ),
        (
            &outsider,
            submitted,
            ReferralAction::Withdraw,
            None,
            "NOT_FOUND",
        ),
    ];
    for (ctx, id, action, target, code) in cases {
        let got = f.mv(ctx, id, action, target).await;
        assert_eq!(
            got.as_ref().err().map(DomainError::code),
            Some(code),
            "{action:?} {target:?}: {got:?}"
        );
        assert_eq!(
            f.world.fingerprint(),
            before,
            "{action:?} changed something"
        );
    }
}

#[tokio::test]
async fn the_worklist_flags_assignments_waiting_for_contact_past_the_tenant_limit() {
    let f = fixture_at(noon() - Duration::days(15));
    let peer = f.peer(PeerStatus::Active, 5);
    let old = f.accepted().await;
    f.mv(
        &f.coordinator,
        old,
        ReferralAction::Assign,
        Some(AssignTarget::Peer(peer)),
    )
    .await
    .unwrap();
    // Ten days later another is assigned; five days after that is "now".
    let later = ReferralService::new(
        Arc::new(f.world.clone()),
        Arc::new(f.world.clone()),
        Arc::new(f.world.clone()),
        Arc::new(FixedClock(noon() - Duration::days(5))),
        pseudonyms(),
    );
    let recent = later
        .submit(&f.referrer, new_referral("Bo Bang", false, true))
        .await
        .unwrap()
        .0;
    for action in [ReferralAction::Accept, ReferralAction::Assign] {
        let target = (action == ReferralAction::Assign).then_some(AssignTarget::Peer(peer));
        later
            .move_referral(
                &f.coordinator,
                recent,
                action,
                MoveDetails::default(),
                target,
            )
            .await
            .unwrap();
    }
    let now = ReferralService::new(
        Arc::new(f.world.clone()),
        Arc::new(f.world.clone()),
        Arc::new(f.world.clone()),
        clock(),
        pseudonyms(),
    );
    let page = crate::page::PageRequest::first_page();
    let all = WorklistRead {
        moves: true,
        organisations: true,
    };
    let overdue = |list: &crate::page::Page<ReferralDetail>, id| {
        list.items
            .iter()
            .find(|d| d.referral.id == id)
            .map(|d| d.contact_overdue)
    };
    let list = now
        .worklist(&f.coordinator, &WorklistNarrowing::default(), &page, all)
        .await
        .unwrap();
    assert_eq!(overdue(&list, old), Some(true), "15 days > 14");
    assert!(
        list.items.iter().all(|d| d
            .referrer_organisation
            .as_ref()
            .is_some_and(|o| o.id == f.org && o.id == d.referral.referrer_organisation_id)),
        "each referral comes with its organisation when asked"
    );
    let bare = now
        .worklist(
            &f.coordinator,
            &WorklistNarrowing::default(),
            &page,
            WorklistRead::default(),
        )
        .await
        .unwrap();
    assert!(
        bare.items
            .iter()
            .all(|d| d.referrer_organisation.is_none() && d.referral.transitions.is_empty()),
        "neither moves nor organisations unless asked"
    );
    assert_eq!(overdue(&list, recent), Some(false), "5 days");
    let (admin, _) = member(f.tenant, &[Role::TenantAdmin], None);
    now.set_contact_limit(&admin, 4).await.unwrap();
    let list = now
        .worklist(&f.coordinator, &WorklistNarrowing::default(), &page, all)
        .await
        .unwrap();
    assert_eq!(overdue(&list, recent), Some(true), "5 days > 4");
    // Narrowed to the overdue contacts: exactly the flagged ones, counted alike.
    let late = WorklistNarrowing {
        contact_overdue: true,
        ..WorklistNarrowing::default()
    };
    let only = now
        .worklist(&f.coordinator, &late, &page, all)
        .await
        .unwrap();
    let mut ids: Vec<_> = only.items.iter().map(|d| d.referral.id).collect();
    ids.sort();
    let mut flagged: Vec<_> = list
        .items
        .iter()
        .filter(|d| d.contact_overdue)
        .map(|d| d.referral.id)
        .collect();
    flagged.sort();
    assert_eq!(ids, flagged);
    assert_eq!(ids.len(), 2);
    assert_eq!(now.count_worklist(&f.coordinator, &late).await.unwrap(), 2);
    let wrong = WorklistNarrowing {
        states: vec![ReferralState::Active],
        contact_overdue: true,
    };
    assert!(
        now.count_worklist(&f.coordinator, &wrong)
            .await
            .is_err_and(|e| e.code() == "VALIDATION")
    );
    now.set_contact_limit(&admin, 5).await.unwrap();
    assert_eq!(
        now.count_worklist(&f.coordinator, &late).await.unwrap(),
        1,
        "5 days are not more than 5"
    );
    now.set_contact_limit(&admin, 4).await.unwrap();
    // Contact made: no longer waiting.
    now.move_referral(
        &f.coordinator,
        old,
        ReferralAction::RecordContact,
        MoveDetails::default(),
        None,
    )
    .await
    .unwrap();
    let list = now
        .worklist(&f.coordinator, &WorklistNarrowing::default(), &page, all)
        .await
        .unwrap();
    assert_eq!(overdue(&list, old), Some(false));
    assert!(
        now.worklist(&f.referrer, &WorklistNarrowing::default(), &page, all)
            .await
            .is_err(),
        "the worklist is the coordinators'"
    );
}

#[tokio::test]
async fn a_new_citizen_is_registered_with_the_consents_given() {
    let f = fixture();
    for (share, contact, expected) in [
        (false, false, vec![ConsentPurpose::ReferralProcessing]),
        (
            true,
            true,
            vec![
                ConsentPurpose::ReferralProcessing,
                ConsentPurpose::ShareOutcomeWithReferrer,
                ConsentPurpose::Contact,
            ],
        ),
    ] {
        let (id, created) = f
            .svc
            .submit(&f.referrer, new_referral("Ulla Uden", share, contact))
            .await
            .unwrap();
        assert!(created);
        let s = f.world.state();
        let citizen = s.referrals[&(f.tenant, id)].citizen_id;
        let given: Vec<ConsentPurpose> = s.consents[&(f.tenant, citizen)]
            .iter()
            .map(|c| c.purpose)
            .collect();
        assert_eq!(given, expected);
        assert_eq!(s.referrals[&(f.tenant, id)].state, ReferralState::Submitted);
    }
}

#[tokio::test]
async fn a_retry_under_the_same_key_is_answered_with_the_first_referral() {
    let f = fixture();
    let keyed = |name: &str| NewReferral {
        idempotency_key: Some(IdempotencyKey::parse("partner-17").unwrap()),
        ..new_referral(name, false, false)
    };
    let (first, created) = f.svc.submit(&f.referrer, keyed("Ida Igen")).await.unwrap();
    assert!(created);
    let (again, created) = f.svc.submit(&f.referrer, keyed("Ida Igen")).await.unwrap();
    assert_eq!((again, created), (first, false));
    assert_eq!(
        conflict(f.svc.submit(&f.referrer, keyed("En Anden")).await),
        Conflict::IdempotencyKeyReused
    );
    assert_eq!(f.world.state().referrals.len(), 1);
}

#[tokio::test]
async fn a_known_citizen_is_referred_only_by_their_organisation_and_with_consent_in_force() {
    let f = fixture();
    let first = f.submit().await;
    let citizen = f.world.state().referrals[&(f.tenant, first)].citizen_id;
    let again = |share: bool, contact: bool| NewReferral {
        citizen: ReferredCitizen::Known(citizen),
        share_outcome: share,
        contact,
        ..new_referral("x", false, false)
    };
    // The same organisation refers them again; no consent is recorded by the referral.
    let consents_before = f.world.state().consents[&(f.tenant, citizen)].len();
    f.svc.submit(&f.referrer, again(true, true)).await.unwrap();
    assert_eq!(
        f.world.state().consents[&(f.tenant, citizen)].len(),
        consents_before
    );
    // Another organisation's referrer does not know them.
    let other_org = organisation(&f.world, f.tenant, OrganisationKind::Ngo);
    let (stranger, _) = member(f.tenant, &[Role::Referrer], Some(other_org));
    assert!(matches!(
        f.svc.submit(&stranger, again(false, false)).await,
        Err(DomainError::NotFound { .. })
    ));
    // Withdrawn contact consent: asking for contact is refused; processing withdrawn: conflict.
    let withdraw = |purpose| ConsentRecord {
        purpose,
        given: false,
        at: noon(),
        recorded_by: None,
        evidence: ConsentEvidence::Written,
        text_version: None,
    };
    f.world
        .state()
        .consents
        .get_mut(&(f.tenant, citizen))
        .unwrap()
        .push(withdraw(ConsentPurpose::Contact));
    assert!(matches!(
        f.svc.submit(&f.referrer, again(false, true)).await,
        Err(DomainError::Validation { ref field, .. }) if field == "contactConsent"
    ));
    f.world
        .state()
        .consents
        .get_mut(&(f.tenant, citizen))
        .unwrap()
        .push(withdraw(ConsentPurpose::ReferralProcessing));
    assert_eq!(
        conflict(f.svc.submit(&f.referrer, again(false, false)).await),
        Conflict::ReferralConsentNotInForce
    );
}

#[tokio::test]
async fn the_referrer_sees_the_outcome_only_with_the_citizens_consent() {
    for share in [true, false] {
        let f = fixture();
        let peer = f.peer(PeerStatus::Active, 3);
        let (id, _) = f
            .svc
            .submit(&f.referrer, new_referral("Sofie Sol", share, true))
            .await
            .unwrap();
        for (action, target) in [
            (ReferralAction::Accept, None),
            (ReferralAction::Assign, Some(AssignTarget::Peer(peer))),
            (ReferralAction::RecordContact, None),
            (ReferralAction::Start, None),
        ] {
            f.mv(&f.coordinator, id, action, target).await.unwrap();
        }
        f.svc
            .move_referral(
                &f.coordinator,
                id,
                ReferralAction::Complete,
                MoveDetails {
                    outcome: Some(OutcomeCode::GoalReached),
                    ..MoveDetails::default()
                },
                None,
            )
            .await
            .unwrap();
        let view = f.svc.referrer_view(&f.referrer, id).await.unwrap();
        assert_eq!(view.state, ReferralState::Completed);
        assert_eq!(view.outcome.is_some(), share, "share = {share}");
        assert_eq!(view.first_contact_at, Some(noon()));
    }
}

#[tokio::test]
async fn a_new_citizens_taken_pseudonym_is_drawn_again_when_referring() {
    let f = fixture();
    let taken = [5; crate::people::PSEUDONYM_BYTES];
    let svc = |script| {
        ReferralService::new(
            Arc::new(f.world.clone()),
            Arc::new(f.world.clone()),
            Arc::new(f.world.clone()),
            clock(),
            scripted_pseudonyms(script),
        )
    };
    let (first, _) = svc(vec![taken])
        .submit(&f.referrer, new_referral("Aksel", false, false))
        .await
        .unwrap();
    let (second, created) = svc(vec![taken, [6; crate::people::PSEUDONYM_BYTES]])
        .submit(&f.referrer, new_referral("Bodil", false, false))
        .await
        .unwrap();
    assert!(created && first != second);
    {
        let s = f.world.state();
        let pseudonym = |id| {
            s.citizens[&(f.tenant, s.referrals[&(f.tenant, id)].citizen_id)]
                .pseudonym
                .clone()
        };
        assert_ne!(pseudonym(first), pseudonym(second));
    }
    assert!(matches!(
        svc(vec![taken, taken, taken])
            .submit(&f.referrer, new_referral("Cecilie", false, false))
            .await,
        Err(DomainError::Conflict(Conflict::PseudonymTaken))
    ));
    assert_eq!(f.world.state().referrals.len(), 2);
}

#[tokio::test]
async fn a_worklist_entry_is_the_coordinators_and_carries_no_reason() {
    let f = fixture();
    let id = f.accepted().await;
    let entry = f.svc.worklist_entry(&f.coordinator, id).await.unwrap();
    assert_eq!(entry.referral.id, id);
    assert!(
        entry.referral.reason.is_none(),
        "no reason without an audited read"
    );
    assert!(ReferralService::may_follow_submissions(&f.coordinator).is_ok());
    {
        let who = &f.referrer;
        assert!(matches!(
            f.svc.worklist_entry(who, id).await,
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            ReferralService::may_follow_submissions(who),
            Err(DomainError::Forbidden(_))
        ));
    }
    assert!(matches!(
        f.svc
            .worklist_entry(&f.coordinator, ReferralId::from_uuid(uuid::Uuid::now_v7()))
            .await,
        Err(DomainError::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_citizen_lists_their_own_referrals_with_outcome_and_next_step() {
    let f = fixture();
    let mine = f.accepted().await;
    let other = f.accepted().await;
    let citizen = f.world.state().referrals[&(f.tenant, mine)].citizen_id;
    let (me, user) = member(f.tenant, &[Role::Citizen], None);
    f.world
        .state()
        .citizens
        .get_mut(&(f.tenant, citizen))
        .unwrap()
        .user_id = Some(user);
    let page = crate::page::PageRequest::first_page();
    let list = f.svc.my_referrals(&me, &page).await.unwrap();
    let ids: Vec<_> = list.items.iter().map(|v| v.id).collect();
    assert_eq!(ids, vec![mine], "only their own, not {other}");
    assert_eq!(f.svc.count_my_referrals(&me).await.unwrap(), 1);
    assert_eq!(
        list.items[0].state.next_step(),
        Some(ReferralNextStep::AwaitingAssignment)
    );
    // Someone with no citizen record has none; an anonymous caller is refused.
    assert!(
        f.svc
            .my_referrals(&f.referrer, &page)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(f.svc.count_my_referrals(&f.referrer).await.unwrap(), 0);
    assert!(matches!(
        f.svc
            .my_referrals(&RequestContext::anonymous("t"), &page)
            .await,
        Err(DomainError::Unauthenticated)
    ));
}

#[test]
fn every_open_state_has_a_next_step_and_every_ended_one_none() {
    use ReferralState as S;
    for state in [
        S::Submitted,
        S::Accepted,
        S::Assigned,
        S::InContact,
        S::Active,
    ] {
        assert!(state.next_step().is_some(), "{state:?}");
    }
    for state in [
        S::Completed,
        S::EndedEarly,
        S::NoContact,
        S::Withdrawn,
        S::Declined,
    ] {
        assert!(state.next_step().is_none(), "{state:?}");
    }
}

#[tokio::test]
async fn the_assigned_peer_records_contact_and_start_on_their_own_match_only() {
    let f = fixture();
    let mine = f.peer(PeerStatus::Active, 5);
    let other = f.peer(PeerStatus::Active, 5);
    let as_peer = |peer: PeerId| {
        let user = f.world.state().peers[&(f.tenant, peer)].user_id.unwrap();
        RequestContext::user(
            f.tenant,
            crate::context::Actor::new(user, [Role::Peer].into(), None),
            "t",
        )
    };
    let id = f.accepted().await;
    // Not yet assigned to them: it does not exist for the peer.
    assert!(matches!(
        f.mv(&as_peer(mine), id, ReferralAction::RecordContact, None)
            .await,
        Err(DomainError::NotFound { .. })
    ));
    f.mv(
        &f.coordinator,
        id,
        ReferralAction::Assign,
        Some(AssignTarget::Peer(mine)),
    )
    .await
    .unwrap();
    assert!(matches!(
        f.mv(&as_peer(other), id, ReferralAction::RecordContact, None)
            .await,
        Err(DomainError::NotFound { .. })
    ));
    // Only contact and start: anything else is the coordinator's.
    for action in [
        ReferralAction::Complete,
        ReferralAction::Reassign,
        ReferralAction::Accept,
    ] {
        assert!(matches!(
            f.mv(&as_peer(mine), id, action, None).await,
            Err(DomainError::Forbidden(_))
        ));
    }
    f.mv(&as_peer(mine), id, ReferralAction::RecordContact, None)
        .await
        .unwrap();
    // The peer is answered with what the referrer sees of their match.
    let view = f
        .svc
        .move_and_view(
            &as_peer(mine),
            id,
            ReferralAction::Start,
            MoveDetails::default(),
            None,
        )
        .await
        .unwrap();
    assert_eq!((view.id, view.state), (id, ReferralState::Active));
    let referral = f.world.state().referrals[&(f.tenant, id)].clone();
    assert_eq!(referral.state, ReferralState::Active);
    assert!(referral.first_contact_at.is_some());
    let user = f.world.state().peers[&(f.tenant, mine)].user_id;
    assert_eq!(referral.transitions.last().unwrap().actor, user);
}

#[tokio::test]
async fn the_dashboard_counts_every_state_for_coordinators_only() {
    let f = fixture();
    f.accepted().await;
    f.accepted().await;
    f.svc
        .submit(&f.referrer, new_referral("Cai Cort", false, true))
        .await
        .unwrap();
    let counts = f.svc.counts_by_state(&f.coordinator).await.unwrap();
    assert_eq!(counts.len(), ReferralState::ALL.len(), "every state listed");
    let of = |state| counts.iter().find(|(s, _)| *s == state).unwrap().1;
    assert_eq!(of(ReferralState::Accepted), 2);
    assert_eq!(of(ReferralState::Submitted), 1);
    assert_eq!(of(ReferralState::Declined), 0);
    assert!(matches!(
        f.svc.counts_by_state(&f.referrer).await,
        Err(DomainError::Forbidden(_))
    ));
}

#[tokio::test]
async fn a_citizen_refers_themself_to_an_open_offer_consenting_digitally() {
    let f = fixture();
    let runner = organisation(&f.world, f.tenant, OrganisationKind::Ngo);
    let open = course(&f.world, f.tenant, runner, 8, true);
    let closed = course(&f.world, f.tenant, runner, 8, false);
    // A citizen referred earlier without consent to contact, who now has an account.
    let earlier = f
        .svc
        .submit(&f.referrer, new_referral("Sofie Selv", false, false))
        .await
        .unwrap()
        .0;
    let citizen = f.world.state().referrals[&(f.tenant, earlier)].citizen_id;
    let (me, user) = member(f.tenant, &[Role::Citizen], None);
    f.world
        .state()
        .citizens
        .get_mut(&(f.tenant, citizen))
        .unwrap()
        .user_id = Some(user);
    let before = f.world.state().consents[&(f.tenant, citizen)].len();
    let ask = |offer, key: Option<&str>| SelfReferral {
        offer_id: offer,
        reason: Some(Personal::parse("reason", "Jeg vil gerne med", 2000).unwrap()),
        contact: true,
        idempotency_key: key.map(|k| IdempotencyKey::parse(k).unwrap()),
    };
    let (id, created) = f
        .svc
        .refer_myself(&me, ask(open, Some("self-1")))
        .await
        .unwrap();
    assert!(created);
    let referral = f.world.state().referrals[&(f.tenant, id)].clone();
    assert_eq!(referral.citizen_id, citizen);
    assert_eq!(referral.referrer_id, user);
    assert_eq!(
        referral.referrer_organisation_id, runner,
        "the offer's organisation"
    );
    assert_eq!(referral.requested_offer_id, Some(open));
    let consents = f.world.state().consents[&(f.tenant, citizen)].clone();
    let added: Vec<_> = consents[before..]
        .iter()
        .map(|c| (c.purpose, c.evidence, c.recorded_by))
        .collect();
    assert_eq!(
        added,
        [(
            ConsentPurpose::Contact,
            ConsentEvidence::Digital,
            Some(user)
        )],
        "processing was in force already; contact is recorded, digitally, by the citizen"
    );
    // A retry answers the same referral; the key with another body is refused.
    let again = f.svc.refer_myself(&me, ask(open, Some("self-1"))).await;
    assert_eq!(again.unwrap(), (id, false));
    let mut other = ask(open, Some("self-1"));
    other.contact = false;
    assert!(
        f.svc
            .refer_myself(&me, other)
            .await
            .is_err_and(|e| e.code() == "CONFLICT")
    );
    // A closed or unknown offer, no citizen record, another role.
    let (stranger, _) = member(f.tenant, &[Role::Citizen], None);
    for (ctx, offer, code) in [
        (&me, closed, "CONFLICT"),
        (&me, OfferId::new(), "NOT_FOUND"),
        (&stranger, open, "CONFLICT"),
        (&f.referrer, open, "FORBIDDEN"),
        (&f.coordinator, open, "FORBIDDEN"),
    ] {
        let got = f.svc.refer_myself(ctx, ask(offer, None)).await;
        assert_eq!(got.err().map(|e| e.code()), Some(code));
    }
    assert_eq!(
        f.svc
            .refer_myself(&stranger, ask(open, None))
            .await
            .err()
            .map(|e| match e {
                DomainError::Conflict(c) => c.reason(),
                _ => "",
            }),
        Some("NOT_REGISTERED")
    );
}
