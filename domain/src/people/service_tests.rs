//! Use-case tests of [`PeopleService`] against the in-memory fakes.

use std::sync::Arc;

use crate::context::{RequestContext, Role};
use crate::error::{Conflict, DomainError, Duplicate};
use crate::ids::{CitizenId, TenantId};
use crate::page::PageRequest;
use crate::people::{
    CitizenFilter, CitizenInput, CitizenOrigin, CitizenPatch, ConsentEvidence, ConsentGiven,
    ConsentPurpose, NewCitizen, PeopleService, has_consent,
};
use crate::privacy::{ChainReport, Purpose};
use crate::testing::{World, clock, member, noon, pseudonyms, scripted_pseudonyms};

struct Fixture {
    world: World,
    svc: PeopleService,
    tenant: TenantId,
    coordinator: RequestContext,
    admin: RequestContext,
}

fn fixture() -> Fixture {
    let world = World::new();
    let tenant = TenantId::new();
    let (coordinator, _) = member(tenant, &[Role::Coordinator], None);
    let (admin, _) = member(tenant, &[Role::TenantAdmin], None);
    Fixture {
        svc: PeopleService::new(
            Arc::new(world.clone()),
            Arc::new(world.clone()),
            Arc::new(world.clone()),
            clock(),
            pseudonyms(),
        ),
        world,
        tenant,
        coordinator,
        admin,
    }
}

fn details(name: &str) -> NewCitizen {
    NewCitizen::parse(
        None,
        CitizenInput {
            name,
            contact: Some("tlf. 12 34 56 78"),
            birth_year: Some(1980),
            municipality: "Helsingør",
        },
    )
    .unwrap()
}

#[tokio::test]
async fn a_coordinator_registers_a_citizen_with_the_consents_given() {
    let f = fixture();
    let citizen = f
        .svc
        .register_citizen(
            &f.coordinator,
            details("Carla Citizen"),
            vec![ConsentGiven::new(
                ConsentPurpose::ReferralProcessing,
                ConsentEvidence::Written,
            )],
            Purpose::Coordination,
        )
        .await
        .unwrap();
    assert_eq!(citizen.origin, CitizenOrigin::Coordinator);
    assert_eq!(citizen.created_at, noon());
    let history = f
        .svc
        .consent_history(&f.coordinator, citizen.id)
        .await
        .unwrap();
    assert!(has_consent(&history, ConsentPurpose::ReferralProcessing));
    assert_eq!(history[0].at, noon());
    for role in [Role::Peer, Role::Referrer, Role::Researcher, Role::Citizen] {
        let (ctx, _) = member(f.tenant, &[role], None);
        let got = f
            .svc
            .register_citizen(&ctx, details("X"), vec![], Purpose::Coordination)
            .await;
        assert!(matches!(got, Err(DomainError::Forbidden(_))), "{role:?}");
    }
    assert_eq!(f.world.state().citizens.len(), 1);
}

#[tokio::test]
async fn a_citizen_registers_once_and_reads_and_corrects_only_their_own_record() {
    let f = fixture();
    let (me, _) = member(f.tenant, &[Role::Citizen], None);
    let (other, _) = member(f.tenant, &[Role::Citizen], None);
    let mine = f
        .svc
        .register_self(&me, details("Mette Mig"))
        .await
        .unwrap();
    assert_eq!(mine.origin, CitizenOrigin::SelfRegistration);
    assert!(matches!(
        f.svc.register_self(&me, details("Mette Igen")).await,
        Err(DomainError::Conflict(Conflict::Duplicate(
            Duplicate::CitizenUser
        )))
    ));
    let (peer, _) = member(f.tenant, &[Role::Peer], None);
    assert!(matches!(
        f.svc.register_self(&peer, details("P")).await,
        Err(DomainError::Forbidden(_))
    ));
    // Their own record, read as a citizen's request whatever purpose they name.
    let read = f
        .svc
        .citizen(&me, mine.id, Purpose::Coordination)
        .await
        .unwrap();
    assert_eq!(read.id, mine.id);
    assert_eq!(
        f.world.state().reads.last().map(|r| r.2),
        Some(Purpose::CitizenRequest)
    );
    assert_eq!(
        f.svc.my_citizen(&me).await.unwrap().map(|c| c.id),
        Some(mine.id)
    );
    assert_eq!(f.svc.my_citizen(&other).await.unwrap(), None);
    let reads = f.world.state().reads.len();
    assert!(matches!(
        f.svc.citizen(&other, mine.id, Purpose::Coordination).await,
        Err(DomainError::Forbidden(_))
    ));
    assert_eq!(
        f.world.state().reads.len(),
        reads,
        "a refused read is not a read"
    );
    let patch = CitizenPatch {
        contact: Some(crate::privacy::Personal::from_storage(
            "mette@example.dk".to_owned(),
        )),
        ..CitizenPatch::default()
    };
    f.svc
        .update_citizen(&me, mine.id, patch.clone(), Purpose::Coordination)
        .await
        .unwrap();
    assert!(matches!(
        f.svc
            .update_citizen(&other, mine.id, patch, Purpose::Coordination)
            .await,
        Err(DomainError::Forbidden(_))
    ));
    // Consent: digitally by the citizen themself, any evidence by a coordinator.
    assert!(matches!(
        f.svc
            .record_consent(
                &me,
                mine.id,
                ConsentPurpose::Contact,
                true,
                ConsentEvidence::Written,
                None,
            )
            .await,
        Err(DomainError::Validation { ref field, .. }) if field == "evidence"
    ));
    let history = f
        .svc
        .record_consent(
            &me,
            mine.id,
            ConsentPurpose::Contact,
            true,
            ConsentEvidence::Digital,
            None,
        )
        .await
        .unwrap();
    assert!(has_consent(&history, ConsentPurpose::Contact));
    assert_eq!(history.last().map(|r| r.at), Some(noon()));
}

#[tokio::test]
async fn erasure_and_the_audit_log_are_the_tenant_admins() {
    let f = fixture();
    let citizen = f
        .svc
        .register_citizen(
            &f.coordinator,
            details("Erik Slet"),
            vec![],
            Purpose::Coordination,
        )
        .await
        .unwrap();
    f.svc
        .citizen(&f.coordinator, citizen.id, Purpose::ReferralHandling)
        .await
        .unwrap();
    assert!(matches!(
        f.svc.erase_citizen(&f.coordinator, citizen.id).await,
        Err(DomainError::Forbidden(_))
    ));
    let page = PageRequest::first_page();
    assert!(
        f.svc
            .access_log(&f.coordinator, citizen.id, &page)
            .await
            .is_err()
    );
    let log = f.svc.access_log(&f.admin, citizen.id, &page).await.unwrap();
    assert_eq!(log.items.len(), 1);
    assert_eq!(log.items[0].purpose, Purpose::ReferralHandling);
    assert!(matches!(
        f.svc.access_log(&f.admin, CitizenId::new(), &page).await,
        Err(DomainError::NotFound { .. })
    ));
    assert_eq!(
        f.svc.verify_audit(&f.admin).await.unwrap(),
        ChainReport::Intact { entries: 1 }
    );
    let erased = f.svc.erase_citizen(&f.admin, citizen.id).await.unwrap();
    assert!(erased.name.is_none() && erased.contact.is_none());
    assert!(matches!(
        f.svc.erase_citizen(&f.admin, citizen.id).await,
        Err(DomainError::Conflict(Conflict::AlreadyErased))
    ));
    let listed = f
        .svc
        .citizens(
            &f.coordinator,
            &CitizenFilter::default(),
            &page,
            Purpose::Coordination,
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn a_taken_pseudonym_is_drawn_again_and_a_broken_source_gives_up_typed() {
    let taken = [7; crate::people::PSEUDONYM_BYTES];
    let fresh = [8; crate::people::PSEUDONYM_BYTES];
    let f = fixture();
    let svc = |script| {
        PeopleService::new(
            Arc::new(f.world.clone()),
            Arc::new(f.world.clone()),
            Arc::new(f.world.clone()),
            clock(),
            scripted_pseudonyms(script),
        )
    };
    let register = |svc: PeopleService, name: &'static str| {
        let ctx = f.coordinator.clone();
        async move {
            svc.register_citizen(&ctx, details(name), vec![], Purpose::Coordination)
                .await
        }
    };
    let first = register(svc(vec![taken]), "Første").await.unwrap();
    // The same draw again: the second is stored under the next draw.
    let second = register(svc(vec![taken, fresh]), "Anden").await.unwrap();
    assert_ne!(first.pseudonym, second.pseudonym);
    assert_eq!(
        second.pseudonym,
        crate::people::Pseudonym::from_random(fresh)
    );
    // Three taken draws in a row: a typed conflict, and nothing stored.
    let got = register(svc(vec![taken, taken, taken]), "Tredje").await;
    assert!(matches!(
        got,
        Err(DomainError::Conflict(Conflict::PseudonymTaken))
    ));
    assert_eq!(f.world.state().citizens.len(), 2);
}
