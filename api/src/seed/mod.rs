//! The demo seed: two tenants, `helsingor` and `kobenhavn`, each with organisations of every
//! kind and four users, both taking part in the national view; and the national partner
//! organisation `danmark` (ADR 0034) with an admin and a coordinator. Idempotent: running it
//! again adds only what is missing.

use peerbro_domain::RequestContext;
use peerbro_domain::context::Role;
use peerbro_domain::tenancy::{OrganisationKind, TenancyService};

mod bench;
mod offers;
mod people;
mod tenancy;

pub use self::bench::{BenchReport, bench};

use self::offers::seed_offers;
use self::people::{seed_citizens, seed_peers};
use self::tenancy::{ensure_organisations, ensure_tenant, ensure_user};

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

/// Seeds the demo tenants.
///
/// # Errors
/// When the database refuses a write.
pub async fn demo(services: &crate::wiring::Services) -> anyhow::Result<SeedReport> {
    let tenancy: &TenancyService = &services.tenancy;
    let mut report = SeedReport::default();
    for spec in &DEMO {
        let (tenant, created) =
            ensure_tenant(tenancy, spec.slug, spec.name, spec.municipality, false).await?;
        report.tenants += usize::from(created);
        let ctx = RequestContext::system(tenant.id);
        if created {
            // The demo partnerships take part in the national view; a re-seed leaves an
            // admin's later choice alone.
            let join = peerbro_domain::outcomes::OutcomeSettingsPatch {
                national_reporting: Some(true),
                ..Default::default()
            };
            services.outcomes.set_settings(&ctx, &join).await?;
        }
        let (org_ids, created) = ensure_organisations(tenancy, &ctx, &spec.organisations).await?;
        report.organisations += created;
        for (local, display, role, org) in USERS {
            let email = format!("{local}@{}.demo", spec.slug);
            let organisation = org_ids.get(org).copied();
            // Each demo user is a person of the (imagined) identity provider; the demo
            // coordinator is one person working for both partnerships (ADR 0028).
            let subject = if local == "coordinator" {
                "demo|coordinator".to_owned()
            } else {
                format!("demo|{email}")
            };
            let (_, created) = ensure_user(
                tenancy,
                &ctx,
                &email,
                display,
                role,
                organisation,
                Some(&subject),
            )
            .await?;
            report.users += usize::from(created);
        }
        report.citizens += seed_citizens(services, &ctx, spec.municipality).await?;
        report.peers += seed_peers(services, &ctx, spec.slug, &org_ids).await?;
        report.offers += seed_offers(services, &ctx, &org_ids).await?;
        seed_instruments(services, &ctx).await?;
    }
    seed_national(services, &mut report).await?;
    Ok(report)
}

/// The national partner organisation: a tenant that reads the national view.
async fn seed_national(
    services: &crate::wiring::Services,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    let tenancy = &services.tenancy;
    let (tenant, created) = ensure_tenant(
        tenancy,
        "danmark",
        "Peer-Partnerskabet Danmark",
        "Hele landet",
        true,
    )
    .await?;
    report.tenants += usize::from(created);
    let ctx = RequestContext::system(tenant.id);
    let (org_ids, created) = ensure_organisations(
        tenancy,
        &ctx,
        &[("SIND Landsforeningen", OrganisationKind::Ngo)],
    )
    .await?;
    report.organisations += created;
    for (local, display, role) in [
        ("admin", "National administrator", Role::TenantAdmin),
        ("coordinator", "National koordinator", Role::Coordinator),
    ] {
        let email = format!("{local}@danmark.demo");
        let subject = format!("demo|{email}");
        let (_, created) = ensure_user(
            tenancy,
            &ctx,
            &email,
            display,
            role,
            org_ids.first().copied(),
            Some(&subject),
        )
        .await?;
        report.users += usize::from(created);
    }
    Ok(())
}

/// The seeded recovery instruments (ADR 0030), unless the tenant has them.
async fn seed_instruments(
    services: &crate::wiring::Services,
    ctx: &RequestContext,
) -> anyhow::Result<()> {
    use peerbro_domain::outcomes::seeded;
    let page = peerbro_domain::page::PageRequest::new(Some(100), None, None, None)?;
    let have: Vec<(String, u32)> = services
        .outcomes
        .instruments(ctx, &page)
        .await?
        .items
        .into_iter()
        .map(|i| {
            (
                i.instrument.definition().key.clone(),
                i.instrument.definition().version,
            )
        })
        .collect();
    for draft in [seeded::citizen_recovery(), seeded::peer_role()] {
        if !have.contains(&(draft.key.clone(), draft.version)) {
            services.outcomes.add_instrument(ctx, draft).await?;
        }
    }
    Ok(())
}
