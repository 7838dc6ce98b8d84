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
use peerbro_domain::people::{CitizenInput, ConsentEvidence, NewCitizen};
use peerbro_domain::privacy::Personal;
use peerbro_domain::referral::{IdempotencyKey, NewReferral, ReferralReason, ReferredCitizen};
use peerbro_domain::tenancy::OrganisationKind;

use super::people::parse_err;
use super::tenancy::{ensure_organisations, ensure_tenant, ensure_user};
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
                case_reference: None,
                citizen: ReferredCitizen::New(citizen),
                reason: Some(
                    ReferralReason::parse("Ønsker støtte til hverdagen")
                        .map(Personal::from)
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
    let (tenant, created) = ensure_tenant(
        tenancy,
        &slug,
        &format!("Bench {t:02}"),
        "Helsingør Kommune",
        false,
    )
    .await?;
    let ctx = RequestContext::system(tenant.id);
    let (orgs, _) = ensure_organisations(
        tenancy,
        &ctx,
        &[
            ("Bostøtten", OrganisationKind::BostotteTeam),
            ("Peer-koordineringen", OrganisationKind::Ngo),
        ],
    )
    .await?;
    let (caseworker, _) = ensure_user(
        tenancy,
        &ctx,
        &format!("caseworker@{slug}.bench"),
        "Bench-sagsbehandler",
        Role::Referrer,
        Some(orgs[0]),
        None,
    )
    .await?;
    ensure_user(
        tenancy,
        &ctx,
        &format!("coordinator@{slug}.bench"),
        "Bench-koordinator",
        Role::Coordinator,
        Some(orgs[1]),
        None,
    )
    .await?;
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
