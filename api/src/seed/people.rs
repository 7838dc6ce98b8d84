//! Demo citizens and peer workers (with their screening, training, supervision and a
//! placement), relative to the day the seed runs.

use peerbro_domain::context::Role;
use peerbro_domain::page::PageRequest;
use peerbro_domain::people::{
    BirthYear, CitizenFilter, ConsentEvidence, ConsentGiven, ConsentPurpose, Contact, NewCitizen,
    PersonName,
};
use peerbro_domain::privacy::{Personal, Purpose};
use peerbro_domain::tenancy::Email;
use peerbro_domain::{DomainError, RequestContext};

/// Fictional citizens: (name, contact, birth year). Names are invented for the demo.
const CITIZENS: [(&str, &str, i32); 3] = [
    ("Karen Kvistgaard", "tlf. 20 11 22 33", 1979),
    ("Mads Holmstrup", "mads.holmstrup@example.dk", 1991),
    ("Sofie Brandhøj", "tlf. 31 44 55 66", 2001),
];

pub(super) fn parse_err(e: DomainError) -> anyhow::Error {
    anyhow::anyhow!("demo seed data is invalid: {e}")
}

pub(super) async fn seed_citizens(
    services: &crate::wiring::Services,
    ctx: &RequestContext,
    municipality: &str,
) -> anyhow::Result<usize> {
    let mut created = 0;
    for (i, (name, contact, year)) in CITIZENS.iter().enumerate() {
        let name = PersonName::parse("name", name)
            .map(Personal::from)
            .map_err(parse_err)?;
        let filter = CitizenFilter {
            name: Some(name.clone()),
        };
        let existing = services
            .people
            .citizens(
                ctx,
                &filter,
                &PageRequest::first_page(),
                Purpose::Administration,
            )
            .await?;
        if !existing.items.is_empty() {
            continue;
        }
        let mut consents = vec![
            ConsentGiven::new(ConsentPurpose::ReferralProcessing, ConsentEvidence::Written),
            ConsentGiven::new(ConsentPurpose::Contact, ConsentEvidence::Written),
        ];
        if i % 2 == 0 {
            consents.push(ConsentGiven::new(
                ConsentPurpose::OutcomeMeasurement,
                ConsentEvidence::Written,
            ));
        }
        services
            .people
            .register_citizen(
                ctx,
                NewCitizen {
                    name,
                    contact: Some(
                        Contact::parse("contact", contact)
                            .map(Personal::from)
                            .map_err(parse_err)?,
                    ),
                    birth_year: Some(BirthYear::parse(*year).map_err(parse_err)?),
                    municipality: municipality.to_owned(),
                },
                consents,
                Purpose::Administration,
            )
            .await?;
        created += 1;
    }
    Ok(created)
}

pub(super) fn days_ago(days: u64) -> chrono::NaiveDate {
    chrono::Utc::now()
        .date_naive()
        .checked_sub_days(chrono::Days::new(days))
        .unwrap_or(chrono::NaiveDate::MIN)
}

/// Peers of both kinds: the demo peer user (supervised recently), an active volunteer whose
/// supervision is overdue, an applicant, and a paid peer placed in the psychiatry unit.
pub(super) async fn seed_peers(
    services: &crate::wiring::Services,
    system: &RequestContext,
    slug: &str,
    org_ids: &[peerbro_domain::ids::OrganisationId],
) -> anyhow::Result<usize> {
    use peerbro_domain::Actor;
    use peerbro_domain::people::{
        Certificate, CertificateKind, CertificateResult, Employment, NewPeer, NewPlacement,
        OfferType, PeerFilter, PeerKind, PipelineAction, ScreeningOutcome, SupervisionFormat,
    };
    let peers = &services.peers;
    let existing = peers
        .peers(
            system,
            PeerFilter::default(),
            &PageRequest::first_page(),
            Purpose::Administration,
        )
        .await?;
    if !existing.items.is_empty() {
        return Ok(0);
    }
    let (Some(&municipality), Some(&psychiatry), Some(&ngo)) =
        (org_ids.first(), org_ids.get(2), org_ids.get(3))
    else {
        anyhow::bail!("demo organisations missing");
    };
    let tenant = system.tenant_id()?;
    let find = |local: &'static str| {
        let email = Email::parse(&format!("{local}@{slug}.demo"));
        async move {
            let email = email.map_err(parse_err)?;
            services
                .tenancy
                .find_user_by_email(system, &email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("demo user {local} missing"))
        }
    };
    let coordinator = find("coordinator").await?;
    let peer_user = find("peer").await?;
    // Interviews and supervision are recorded by someone: the demo coordinator.
    let ctx = RequestContext::user(
        tenant,
        Actor::new(
            coordinator.id,
            [Role::Coordinator].into(),
            coordinator.organisation_id,
        ),
        "seed",
    );
    let volunteer = |name: &str, user| -> anyhow::Result<NewPeer> {
        Ok(NewPeer {
            kind: PeerKind::Voluntary,
            name: PersonName::parse("name", name)
                .map(Personal::from)
                .map_err(parse_err)?,
            contact: None,
            user_id: user,
            organisation_id: ngo,
            languages: vec!["dansk".to_owned(), "engelsk".to_owned()],
            offer_types: [OfferType::GroupCourse, OfferType::OneToOne].into(),
            max_matches: 2,
            employment: None,
        })
    };
    let clear = |kind| Certificate {
        kind,
        checked_on: days_ago(120),
        result: CertificateResult::Clear,
    };
    let mut active = Vec::new();
    for (name, user) in [("Demo-peer", Some(peer_user.id)), ("Lars Frivillig", None)] {
        let peer = peers
            .register(&ctx, volunteer(name, user)?, Purpose::Administration)
            .await?;
        peers
            .change_status(&ctx, peer.id, PipelineAction::StartScreening, None)
            .await?;
        peers
            .record_screening(&ctx, peer.id, days_ago(130), ScreeningOutcome::Approved)
            .await?;
        peers
            .record_certificate(&ctx, peer.id, clear(CertificateKind::CriminalRecord))
            .await?;
        peers
            .record_certificate(&ctx, peer.id, clear(CertificateKind::ChildCertificate))
            .await?;
        peers
            .change_status(&ctx, peer.id, PipelineAction::StartTraining, None)
            .await?;
        peers
            .record_training(&ctx, peer.id, "Peer-uddannelsen, modul 1-3", days_ago(100))
            .await?;
        peers
            .change_status(
                &ctx,
                peer.id,
                PipelineAction::Activate,
                Some("uddannelse gennemført".to_owned()),
            )
            .await?;
        active.push(peer.id);
    }
    peers
        .register(
            &ctx,
            volunteer("Nina Ansøger", None)?,
            Purpose::Administration,
        )
        .await?;
    // Supervision: the demo peer recently, Lars 50 days ago (overdue with the 35-day limit).
    if let [demo, lars] = active[..] {
        peers
            .record_supervision(
                &ctx,
                days_ago(50),
                SupervisionFormat::Group,
                vec![demo, lars],
            )
            .await?;
        peers
            .record_supervision(
                &ctx,
                days_ago(10),
                SupervisionFormat::Individual,
                vec![demo],
            )
            .await?;
    }
    let paid = peers
        .register(
            &ctx,
            NewPeer {
                kind: PeerKind::Paid,
                name: PersonName::parse("name", "Henrik Lønnet")
                    .map(Personal::from)
                    .map_err(parse_err)?,
                contact: Some(
                    Contact::parse("contact", "tlf. 22 33 44 55")
                        .map(Personal::from)
                        .map_err(parse_err)?,
                ),
                user_id: None,
                organisation_id: municipality,
                languages: vec!["dansk".to_owned()],
                offer_types: [OfferType::OneToOne].into(),
                max_matches: 4,
                employment: Some(
                    Employment::new(municipality, 30.0, days_ago(400), None).map_err(parse_err)?,
                ),
            },
            Purpose::Administration,
        )
        .await?;
    peers
        .record_supervision(
            &ctx,
            days_ago(20),
            SupervisionFormat::Individual,
            vec![paid.id],
        )
        .await?;
    peers
        .create_placement(
            &ctx,
            NewPlacement {
                peer_id: paid.id,
                unit_id: psychiatry,
                ward: "Afsnit P3, åbent afsnit".to_owned(),
                start: days_ago(60),
                end: None,
                weekly_hours_tenths: 200,
                ward_contact: "Afdelingssygeplejersken".to_owned(),
                supervision_arrangement: "Månedlig gruppesupervision hos koordinatoren".to_owned(),
            },
        )
        .await?;
    Ok(4)
}
