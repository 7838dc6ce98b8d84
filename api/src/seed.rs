//! The demo seed: two tenants, `helsingor` and `kobenhavn`, each with organisations of every
//! kind and four users. Idempotent: running it again adds only what is missing.

use peerbro_domain::context::Role;
use peerbro_domain::page::PageRequest;
use peerbro_domain::people::{
    BirthYear, CitizenFilter, ConsentEvidence, ConsentPurpose, NewCitizen,
};
use peerbro_domain::privacy::{Personal, Purpose};
use peerbro_domain::tenancy::{
    DisplayName, Email, Invitation, OrganisationFilter, OrganisationKind, OrganisationName,
    TenancyService, Tenant, TenantSlug,
};
use peerbro_domain::{DomainError, RequestContext};

struct DemoTenant {
    slug: &'static str,
    name: &'static str,
    municipality: &'static str,
    organisations: [(&'static str, OrganisationKind); 5],
}

const DEMO: [DemoTenant; 2] = [
    DemoTenant {
        slug: "helsingor",
        name: "Peer-Partnerskabet Helsingør",
        municipality: "Helsingør Kommune",
        organisations: [
            (
                "Helsingør Kommune, Socialafdelingen",
                OrganisationKind::MunicipalityDepartment,
            ),
            ("Bostøtten Helsingør", OrganisationKind::BostotteTeam),
            (
                "Psykiatrisk Center Nordsjælland, afsnit Helsingør",
                OrganisationKind::HospitalPsychiatryUnit,
            ),
            ("SIND Helsingør", OrganisationKind::Ngo),
            ("Det Sociale Netværk", OrganisationKind::Ngo),
        ],
    },
    DemoTenant {
        slug: "kobenhavn",
        name: "Peer-Partnerskabet København",
        municipality: "Københavns Kommune",
        organisations: [
            (
                "Københavns Kommune, Socialforvaltningen",
                OrganisationKind::MunicipalityDepartment,
            ),
            ("Bostøtteteam Nørrebro", OrganisationKind::BostotteTeam),
            (
                "Psykiatrisk Center København",
                OrganisationKind::HospitalPsychiatryUnit,
            ),
            ("PEERS København", OrganisationKind::Ngo),
            ("Recovery-caféen Vesterbro", OrganisationKind::Other),
        ],
    },
];

/// (local part, display name, role, index of the organisation in the tenant's list).
const USERS: [(&str, &str, Role, usize); 4] = [
    ("admin", "Demo-administrator", Role::TenantAdmin, 0),
    ("coordinator", "Demo-koordinator", Role::Coordinator, 3),
    ("caseworker", "Demo-sagsbehandler", Role::Referrer, 1),
    ("peer", "Demo-peer", Role::Peer, 3),
];

/// What the seed did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// Tenants created.
    pub tenants: usize,
    /// Organisations created.
    pub organisations: usize,
    /// Users created.
    pub users: usize,
    /// Citizens created.
    pub citizens: usize,
    /// Peer workers created.
    pub peers: usize,
    /// Offers created.
    pub offers: usize,
}

/// Fictional citizens: (name, contact, birth year). Names are invented for the demo.
const CITIZENS: [(&str, &str, i32); 3] = [
    ("Karen Kvistgaard", "tlf. 20 11 22 33", 1979),
    ("Mads Holmstrup", "mads.holmstrup@example.dk", 1991),
    ("Sofie Brandhøj", "tlf. 31 44 55 66", 2001),
];

fn parse_err(e: DomainError) -> anyhow::Error {
    anyhow::anyhow!("demo seed data is invalid: {e}")
}

/// Seeds the demo tenants.
///
/// # Errors
/// When the database refuses a write.
pub async fn demo(services: &crate::wiring::Services) -> anyhow::Result<SeedReport> {
    let tenancy: &TenancyService = &services.tenancy;
    let mut report = SeedReport::default();
    for spec in &DEMO {
        let slug = TenantSlug::parse(spec.slug).map_err(parse_err)?;
        let tenant = match tenancy.find_tenant_by_slug(&slug).await? {
            Some(t) => t,
            None => {
                let t = Tenant::new(slug, spec.name, spec.municipality).map_err(parse_err)?;
                tenancy.create_tenant(&t).await?;
                report.tenants += 1;
                t
            }
        };
        let ctx = RequestContext::system(tenant.id);
        let existing = tenancy
            .list_organisations(
                &ctx,
                OrganisationFilter::default(),
                &PageRequest::new(Some(100), None, None, None)?,
            )
            .await?
            .items;
        let mut org_ids = Vec::new();
        for (name, kind) in &spec.organisations {
            let name = OrganisationName::parse(name).map_err(parse_err)?;
            let id = match existing.iter().find(|o| o.name == name) {
                Some(o) => o.id,
                None => {
                    report.organisations += 1;
                    tenancy.create_organisation(&ctx, name, *kind).await?.id
                }
            };
            org_ids.push(id);
        }
        for (local, display, role, org) in USERS {
            let email = Email::parse(&format!("{local}@{}.demo", spec.slug)).map_err(parse_err)?;
            if tenancy.find_user_by_email(&ctx, &email).await?.is_some() {
                continue;
            }
            tenancy
                .invite_user(
                    &ctx,
                    Invitation {
                        email,
                        display_name: DisplayName::parse(display).map_err(parse_err)?,
                        roles: [role].into(),
                        organisation_id: org_ids.get(org).copied(),
                    },
                )
                .await?;
            report.users += 1;
        }
        report.citizens += seed_citizens(services, &ctx, spec.municipality).await?;
        report.peers += seed_peers(services, &ctx, spec.slug, &org_ids).await?;
        report.offers += seed_offers(services, &ctx, &org_ids).await?;
    }
    Ok(report)
}

/// Offers of every kind, run by the NGO: a course facilitated by two active peers starting
/// next week, a recovery café, one-to-one accompaniment and an online chat.
async fn seed_offers(
    services: &crate::wiring::Services,
    system: &RequestContext,
    org_ids: &[peerbro_domain::ids::OrganisationId],
) -> anyhow::Result<usize> {
    use peerbro_domain::offers::{CourseSchedule, NewOffer, OfferFilter, OfferType};
    use peerbro_domain::people::{PeerFilter, PeerStatus};
    let offers = &services.offers;
    let page = PageRequest::first_page();
    if !offers
        .list(system, &OfferFilter::default(), &page)
        .await?
        .items
        .is_empty()
    {
        return Ok(0);
    }
    let Some(&ngo) = org_ids.get(3) else {
        anyhow::bail!("demo organisations missing");
    };
    let active = services
        .peers
        .peers(
            system,
            PeerFilter {
                status: Some(PeerStatus::Active),
                ..PeerFilter::default()
            },
            &page,
            Purpose::Administration,
        )
        .await?;
    let facilitators: Vec<_> = active.items.iter().take(2).map(|p| p.id).collect();
    let next_week = chrono::Utc::now()
        .date_naive()
        .checked_add_days(chrono::Days::new(7))
        .unwrap_or(chrono::NaiveDate::MAX);
    let plain = |offer_type, title: &str, location: Option<&str>| NewOffer {
        organisation_id: ngo,
        offer_type,
        title: title.to_owned(),
        location: location.map(str::to_owned),
        online: location.is_none(),
        capacity: None,
        facilitators: vec![],
        schedule: None,
    };
    let mut created = 0;
    for new in [
        NewOffer {
            capacity: Some(12),
            facilitators,
            schedule: Some(CourseSchedule {
                start_date: next_week,
                weekday: chrono::Weekday::Tue,
                start_time: chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
                session_count: 10,
                session_minutes: 120,
            }),
            ..plain(
                OfferType::GroupCourse,
                "Recovery-kursus: Mit liv, mine mål",
                Some("Frivilligcentret, mødelokale 2"),
            )
        },
        plain(
            OfferType::RecoveryCafe,
            "Recovery-café",
            Some("Bibliotekets café, torsdage 14-16"),
        ),
        plain(
            OfferType::OneToOne,
            "Følgeskab med en peer",
            Some("Efter aftale"),
        ),
        plain(OfferType::AnonymousChat, "Anonym chat om aftenen", None),
    ] {
        offers.create(system, new).await?;
        created += 1;
    }
    Ok(created)
}

async fn seed_citizens(
    services: &crate::wiring::Services,
    ctx: &RequestContext,
    municipality: &str,
) -> anyhow::Result<usize> {
    let mut created = 0;
    for (i, (name, contact, year)) in CITIZENS.iter().enumerate() {
        let name = Personal::parse("name", name, 200).map_err(parse_err)?;
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
            (ConsentPurpose::ReferralProcessing, ConsentEvidence::Written),
            (ConsentPurpose::Contact, ConsentEvidence::Written),
        ];
        if i % 2 == 0 {
            consents.push((ConsentPurpose::OutcomeMeasurement, ConsentEvidence::Written));
        }
        services
            .people
            .register_citizen(
                ctx,
                NewCitizen {
                    name,
                    contact: Some(Personal::parse("contact", contact, 500).map_err(parse_err)?),
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

fn days_ago(days: u64) -> chrono::NaiveDate {
    chrono::Utc::now()
        .date_naive()
        .checked_sub_days(chrono::Days::new(days))
        .unwrap_or(chrono::NaiveDate::MIN)
}

/// Peers of both kinds: the demo peer user (supervised recently), an active volunteer whose
/// supervision is overdue, an applicant, and a paid peer placed in the psychiatry unit.
async fn seed_peers(
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
            name: Personal::parse("name", name, 200).map_err(parse_err)?,
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
                name: Personal::parse("name", "Henrik Lønnet", 200).map_err(parse_err)?,
                contact: Some(
                    Personal::parse("contact", "tlf. 22 33 44 55", 500).map_err(parse_err)?,
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
