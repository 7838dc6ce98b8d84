//! The demo seed: two tenants, `helsingor` and `kobenhavn`, each with organisations of every
//! kind and four users. Idempotent: running it again adds only what is missing.

use peerbro_domain::RequestContext;
use peerbro_domain::context::Role;
use peerbro_domain::page::PageRequest;
use peerbro_domain::tenancy::{
    DisplayName, Email, Invitation, OrganisationFilter, OrganisationKind, OrganisationName,
    TenancyService, Tenant, TenantSlug,
};

mod bench;
mod offers;
mod people;

pub use self::bench::{BenchReport, bench};

use self::offers::seed_offers;
use self::people::{parse_err, seed_citizens, seed_peers};

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
