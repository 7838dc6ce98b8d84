//! The benchmark's seed (`peerbro seed --bench`, run by `bench/run`): `bench-01` … tenants,
//! each with a housing-support team and a coordinating organisation, a case-worker and a
//! coordinator, and referrals of invented citizens submitted through the real use case
//! (citizen registered, consents recorded, reason sealed, outbox event written) — never
//! written to the tables directly.
//!
//! Each referral carries the idempotency key `bench-<tenant>-<n>`, so that running the seed
//! again submits only what is missing: a tenant whose last referral replays is complete.

use std::collections::BTreeSet;

use futures_util::{StreamExt as _, TryStreamExt as _};
use peerbro_domain::RequestContext;
use peerbro_domain::context::{Actor, Role};
use peerbro_domain::page::PageRequest;
use peerbro_domain::people::{CitizenInput, ConsentEvidence, NewCitizen};
use peerbro_domain::privacy::Personal;
use peerbro_domain::referral::{IdempotencyKey, NewReferral, ReferredCitizen};
use peerbro_domain::tenancy::{
    DisplayName, Email, Invitation, OrganisationFilter, OrganisationKind, OrganisationName, Tenant,
    TenantSlug, User,
};

use super::people::parse_err;
use crate::wiring::Services;

/// Submissions in flight at once.
const IN_FLIGHT: usize = 8;

/// What the benchmark seed did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BenchReport {
    /// Tenants created.
    pub tenants: usize,
    /// Referrals submitted (replays of earlier runs not counted).
    pub referrals: usize,
}

/// Seeds `tenants` tenants with `referrals` referrals spread evenly over them.
///
/// # Errors
/// When the database refuses a write.
pub async fn bench(
    services: &Services,
    tenants: usize,
    referrals: usize,
) -> anyhow::Result<BenchReport> {
    anyhow::ensure!((1..=99).contains(&tenants), "--tenants must be 1 to 99");
    let mut report = BenchReport::default();
    let per_tenant = referrals.div_ceil(tenants);
    for t in 1..=tenants {
        let (referrer, created) = tenant(services, t).await?;
        report.tenants += usize::from(created);
        let last = submit(services, &referrer, t, per_tenant - 1).await?;
        if !last {
            // The last one was there already: this tenant is complete.
            continue;
        }
        report.referrals += 1;
        let made: Vec<bool> = futures_util::stream::iter(0..per_tenant - 1)
            .map(|n| submit(services, &referrer, t, n))
            .buffer_unordered(IN_FLIGHT)
            .try_collect()
            .await?;
        report.referrals += made.into_iter().filter(|m| *m).count();
        tracing::info!(
            tenant = t,
            referrals = per_tenant,
            "bench seed: tenant complete"
        );
    }
    Ok(report)
}

/// Submits referral `n` of tenant `t`; `false` when it was there already (a replay).
async fn submit(
    services: &Services,
    referrer: &RequestContext,
    t: usize,
    n: usize,
) -> anyhow::Result<bool> {
    let name = format!("Bench Borger {t}-{n}");
    let citizen = NewCitizen::parse(
        Some("newCitizen"),
        CitizenInput {
            name: &name,
            contact: None,
            birth_year: None,
            municipality: "Helsingør",
        },
    )
    .map_err(parse_err)?;
    let (_, created) = services
        .referrals
        .submit(
            referrer,
            NewReferral {
                citizen: ReferredCitizen::New(citizen),
                reason: Some(
                    Personal::parse("reason", "Ønsker støtte til hverdagen", 100)
                        .map_err(parse_err)?,
                ),
                consent_evidence: ConsentEvidence::VerbalToReferrer,
                share_outcome: n.is_multiple_of(2),
                contact: true,
                offer_id: None,
                idempotency_key: Some(
                    IdempotencyKey::parse(&format!("bench-{t}-{n}")).map_err(parse_err)?,
                ),
            },
        )
        .await?;
    Ok(created)
}

/// Tenant `t` with its organisations and users: (the case-worker's context, whether the
/// tenant was created now).
async fn tenant(services: &Services, t: usize) -> anyhow::Result<(RequestContext, bool)> {
    let tenancy = &services.tenancy;
    let slug = format!("bench-{t:02}");
    let parsed = TenantSlug::parse(&slug).map_err(parse_err)?;
    let (tenant, created) = match tenancy.find_tenant_by_slug(&parsed).await? {
        Some(tenant) => (tenant, false),
        None => {
            let tenant = Tenant::new(parsed, &format!("Bench {t:02}"), "Helsingør Kommune")
                .map_err(parse_err)?;
            tenancy.create_tenant(&tenant).await?;
            (tenant, true)
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
    let mut orgs = Vec::new();
    for (name, kind) in [
        ("Bostøtten", OrganisationKind::BostotteTeam),
        ("Peer-koordineringen", OrganisationKind::Ngo),
    ] {
        let name = OrganisationName::parse(name).map_err(parse_err)?;
        let id = match existing.iter().find(|o| o.name == name) {
            Some(o) => o.id,
            None => tenancy.create_organisation(&ctx, name, kind).await?.id,
        };
        orgs.push(id);
    }
    let mut caseworker: Option<User> = None;
    for (local, display, role, org) in [
        ("caseworker", "Bench-sagsbehandler", Role::Referrer, orgs[0]),
        (
            "coordinator",
            "Bench-koordinator",
            Role::Coordinator,
            orgs[1],
        ),
    ] {
        let email = Email::parse(&format!("{local}@{slug}.bench")).map_err(parse_err)?;
        let user = match tenancy.find_user_by_email(&ctx, &email).await? {
            Some(user) => user,
            None => {
                tenancy
                    .invite_user(
                        &ctx,
                        Invitation {
                            email,
                            display_name: DisplayName::parse(display).map_err(parse_err)?,
                            roles: [role].into(),
                            organisation_id: Some(org),
                        },
                    )
                    .await?
            }
        };
        if role == Role::Referrer {
            caseworker = Some(user);
        }
    }
    let caseworker = caseworker.ok_or_else(|| anyhow::anyhow!("no case-worker"))?;
    let referrer = RequestContext::user(
        tenant.id,
        Actor::new(
            caseworker.id,
            BTreeSet::from([Role::Referrer]),
            caseworker.organisation_id,
        ),
        "bench-seed",
    );
    Ok((referrer, created))
}
