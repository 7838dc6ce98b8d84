//! Use-case tests of [`PeerService`] against the in-memory fakes.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;

use crate::context::{RequestContext, Role};
use crate::error::{Conflict, DomainError};
use crate::ids::{OrganisationId, PeerId, TenantId};
use crate::people::{
    Certificate, CertificateKind, CertificateResult, Employment, NewPeer, NewPlacement, PeerKind,
    PeerService, PeerStatus, PipelineAction, ScreeningOutcome, SupervisionFormat,
};
use crate::privacy::{Personal, Purpose};
use crate::tenancy::OrganisationKind;
use crate::testing::{World, clock, member, noon, organisation};

struct Fixture {
    world: World,
    svc: PeerService,
    tenant: TenantId,
    org: OrganisationId,
    coordinator: RequestContext,
}

fn fixture() -> Fixture {
    let world = World::new();
    let tenant = TenantId::new();
    let org = organisation(&world, tenant, OrganisationKind::MunicipalityDepartment);
    let (coordinator, _) = member(tenant, &[Role::Coordinator], None);
    Fixture {
        svc: PeerService::new(Arc::new(world.clone()), clock()),
        world,
        tenant,
        org,
        coordinator,
    }
}

fn new_peer(org: OrganisationId, kind: PeerKind, employment: Option<Employment>) -> NewPeer {
    NewPeer {
        kind,
        name: Personal::parse("name", "Vera Frivillig", 200).unwrap(),
        contact: None,
        user_id: None,
        organisation_id: org,
        languages: vec!["da".to_owned()],
        offer_types: BTreeSet::new(),
        max_matches: 2,
        employment,
    }
}

fn days_ago(n: i64) -> chrono::NaiveDate {
    (noon() - Duration::days(n)).date_naive()
}

impl Fixture {
    async fn volunteer(&self) -> PeerId {
        self.svc
            .register(
                &self.coordinator,
                new_peer(self.org, PeerKind::Voluntary, None),
                Purpose::Coordination,
            )
            .await
            .unwrap()
            .id
    }

    async fn paid(&self, hours: f64) -> PeerId {
        let employment = Employment::new(self.org, hours, days_ago(400), None).unwrap();
        self.svc
            .register(
                &self.coordinator,
                new_peer(self.org, PeerKind::Paid, Some(employment)),
                Purpose::Coordination,
            )
            .await
            .unwrap()
            .id
    }

    async fn step(&self, id: PeerId, action: PipelineAction) -> Result<PeerStatus, DomainError> {
        self.svc
            .change_status(&self.coordinator, id, action, None)
            .await
            .map(|p| p.status)
    }
}

#[tokio::test]
async fn a_volunteer_is_activated_only_with_clear_certificates() {
    let f = fixture();
    let id = f.volunteer().await;
    assert_eq!(
        f.step(id, PipelineAction::StartScreening).await.unwrap(),
        PeerStatus::Screening
    );
    f.svc
        .record_screening(&f.coordinator, id, days_ago(1), ScreeningOutcome::Approved)
        .await
        .unwrap();
    f.step(id, PipelineAction::StartTraining).await.unwrap();
    match f.step(id, PipelineAction::Activate).await {
        Err(DomainError::Conflict(Conflict::CertificatesMissing(missing))) => {
            assert_eq!(missing, ["CRIMINAL_RECORD", "CHILD_CERTIFICATE"]);
        }
        other => panic!("{other:?}"),
    }
    for kind in [
        CertificateKind::CriminalRecord,
        CertificateKind::ChildCertificate,
    ] {
        f.svc
            .record_certificate(
                &f.coordinator,
                id,
                Certificate {
                    kind,
                    checked_on: days_ago(2),
                    result: CertificateResult::Clear,
                },
            )
            .await
            .unwrap();
    }
    assert_eq!(
        f.step(id, PipelineAction::Activate).await.unwrap(),
        PeerStatus::Active
    );
    let peer = &f.world.state().peers[&(f.tenant, id)];
    assert_eq!(peer.transitions.len(), 3);
    assert_eq!(
        peer.transitions[2].at,
        noon(),
        "the clock's time is recorded"
    );
}

#[tokio::test]
async fn pipeline_refusals_are_typed_and_change_nothing() {
    let f = fixture();
    let id = f.volunteer().await;
    let before = format!("{:?}", f.world.state().peers[&(f.tenant, id)]);
    let (peer_ctx, _) = member(f.tenant, &[Role::Peer], None);
    let screening = f
        .svc
        .record_screening(&f.coordinator, id, days_ago(1), ScreeningOutcome::Approved)
        .await;
    assert!(matches!(
        screening,
        Err(DomainError::Conflict(Conflict::NotInScreening))
    ));
    let future = f
        .svc
        .record_training(&f.coordinator, id, "Modul 1", days_ago(-1))
        .await;
    assert!(
        matches!(future, Err(DomainError::Validation { ref field, .. }) if field == "completedOn")
    );
    assert!(matches!(
        f.step(id, PipelineAction::Resume).await,
        Err(DomainError::Conflict(Conflict::IllegalTransition {
            action: "RESUME",
            from: "APPLICANT"
        }))
    ));
    assert!(matches!(
        f.svc
            .change_status(&peer_ctx, id, PipelineAction::End, None)
            .await,
        Err(DomainError::Forbidden(_))
    ));
    assert!(matches!(
        f.step(PeerId::new(), PipelineAction::End).await,
        Err(DomainError::NotFound { .. })
    ));
    assert_eq!(
        format!("{:?}", f.world.state().peers[&(f.tenant, id)]),
        before
    );
    // Registration rules.
    for (kind, employment, field) in [
        (PeerKind::Paid, None, "employment"),
        (
            PeerKind::Voluntary,
            Some(Employment::new(f.org, 10.0, days_ago(3), None).unwrap()),
            "employment",
        ),
    ] {
        let got = f
            .svc
            .register(
                &f.coordinator,
                new_peer(f.org, kind, employment),
                Purpose::Coordination,
            )
            .await;
        assert!(matches!(got, Err(DomainError::Validation { field: ref g, .. }) if g == field));
    }
}

#[tokio::test]
async fn placements_stay_within_the_contracted_hours_in_psychiatry_units_only() {
    let f = fixture();
    let paid = f.paid(30.0).await;
    let volunteer = f.volunteer().await;
    let unit = organisation(&f.world, f.tenant, OrganisationKind::HospitalPsychiatryUnit);
    let place = |peer, unit, hours: u32, start: i64, end: Option<i64>| NewPlacement {
        peer_id: peer,
        unit_id: unit,
        ward: "Afsnit P5".to_owned(),
        start: days_ago(-start),
        end: end.map(|e| days_ago(-e)),
        weekly_hours_tenths: hours * 10,
        ward_contact: "Overlægen".to_owned(),
        supervision_arrangement: "Hver 14. dag".to_owned(),
    };
    f.svc
        .create_placement(&f.coordinator, place(paid, unit, 20, 0, None))
        .await
        .unwrap();
    f.svc
        .create_placement(&f.coordinator, place(paid, unit, 10, 10, Some(40)))
        .await
        .unwrap();
    for (new, expected) in [
        (
            place(paid, unit, 1, 20, Some(30)),
            Conflict::HoursExceeded {
                from: days_ago(-20),
                total_tenths: 310,
                contracted_tenths: 300,
            },
        ),
        (
            place(paid, f.org, 1, 50, None),
            Conflict::NotAPsychiatryUnit,
        ),
        (place(volunteer, unit, 1, 50, None), Conflict::NotPlaceable),
    ] {
        let got = f.svc.create_placement(&f.coordinator, new).await;
        assert!(
            matches!(got, Err(DomainError::Conflict(ref c)) if *c == expected),
            "{expected:?}: {got:?}"
        );
    }
    // After the fixed-term one ends, the hours are free again.
    f.svc
        .create_placement(&f.coordinator, place(paid, unit, 10, 41, None))
        .await
        .unwrap();
    assert_eq!(f.world.state().placements.len(), 3);
}

#[tokio::test]
async fn supervision_is_due_for_active_peers_past_the_tenant_limit() {
    let f = fixture();
    let recent = f.paid(20.0).await;
    let overdue = f.paid(20.0).await;
    let never = f.paid(20.0).await;
    for (peer, days) in [(recent, 10), (overdue, 40)] {
        f.svc
            .record_supervision(
                &f.coordinator,
                days_ago(days),
                SupervisionFormat::Group,
                vec![peer],
            )
            .await
            .unwrap();
    }
    let (limit, due) = f
        .svc
        .needing_supervision(&f.coordinator, Purpose::Coordination)
        .await
        .unwrap();
    assert_eq!(limit, 35);
    let ids: Vec<PeerId> = due.iter().map(|d| d.peer.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&overdue) && ids.contains(&never) && !ids.contains(&recent));
    let (admin, _) = member(f.tenant, &[Role::TenantAdmin], None);
    f.svc.set_supervision_limit(&admin, 7).await.unwrap();
    let (_, due) = f
        .svc
        .needing_supervision(&f.coordinator, Purpose::Coordination)
        .await
        .unwrap();
    assert_eq!(due.len(), 3, "10 days > 7");
    let future = f
        .svc
        .record_supervision(
            &f.coordinator,
            days_ago(-1),
            SupervisionFormat::Group,
            vec![recent],
        )
        .await;
    assert!(
        matches!(future, Err(DomainError::Validation { .. })),
        "{future:?}"
    );
}

#[tokio::test]
async fn a_coordinator_corrects_a_peers_profile_field_by_field() {
    use crate::people::{OfferType, PeerProfileChange};
    let f = fixture();
    let id = f.volunteer().await;
    let change = PeerProfileChange {
        languages: Some(vec!["dansk".to_owned(), "arabisk".to_owned()]),
        offer_types: Some([OfferType::OneToOne].into()),
        max_matches: Some(4),
        contact: Some(Some(
            Personal::parse("contact", "tlf. 11 22 33 44", 200).unwrap(),
        )),
        ..PeerProfileChange::default()
    };
    let changed = f
        .svc
        .update_profile(&f.coordinator, id, change)
        .await
        .unwrap();
    assert_eq!(changed.languages, ["dansk", "arabisk"]);
    assert_eq!(changed.max_matches, 4);
    assert_eq!(
        changed.name.as_ref().map(Personal::expose),
        Some("Vera Frivillig"),
        "what is not given stays"
    );
    let stored = f.world.state().peers[&(f.tenant, id)].clone();
    assert_eq!(stored, changed);
    let removed = f
        .svc
        .update_profile(
            &f.coordinator,
            id,
            PeerProfileChange {
                contact: Some(None),
                ..PeerProfileChange::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(removed.contact, None);
    let (referrer, _) = member(f.tenant, &[Role::Referrer], Some(f.org));
    for (ctx, id, change, code) in [
        (
            &f.coordinator,
            id,
            PeerProfileChange::default(),
            "VALIDATION",
        ),
        (
            &f.coordinator,
            id,
            PeerProfileChange {
                max_matches: Some(11),
                ..PeerProfileChange::default()
            },
            "VALIDATION",
        ),
        (
            &f.coordinator,
            PeerId::new(),
            PeerProfileChange {
                max_matches: Some(1),
                ..PeerProfileChange::default()
            },
            "NOT_FOUND",
        ),
        (
            &referrer,
            id,
            PeerProfileChange {
                max_matches: Some(1),
                ..PeerProfileChange::default()
            },
            "FORBIDDEN",
        ),
    ] {
        let got = f.svc.update_profile(ctx, id, change).await;
        assert_eq!(got.err().map(|e| e.code()), Some(code));
    }
    assert_eq!(
        f.world.state().peers[&(f.tenant, changed.id)].max_matches,
        4
    );
}
