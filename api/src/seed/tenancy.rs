//! Find-or-create for the seeds' tenants, organisations and users, so that every seed is
//! idempotent the same way: what exists is used, what is missing is made.

use peerbro_domain::RequestContext;
use peerbro_domain::context::Role;
use peerbro_domain::ids::OrganisationId;
use peerbro_domain::page::PageRequest;
use peerbro_domain::tenancy::{
    DisplayName, Email, IdpSubject, Invitation, OrganisationFilter, OrganisationKind,
    OrganisationName, TenancyService, Tenant, TenantSlug, User,
};

use super::people::parse_err;

/// The tenant `slug`, created with `name` and `municipality` (and `national`) if missing;
/// whether it was.
pub(super) async fn ensure_tenant(
    tenancy: &TenancyService,
    slug: &str,
    name: &str,
    municipality: &str,
    national: bool,
) -> anyhow::Result<(Tenant, bool)> {
    let slug = TenantSlug::parse(slug).map_err(parse_err)?;
    if let Some(tenant) = tenancy.find_tenant_by_slug(&slug).await? {
        return Ok((tenant, false));
    }
    let mut tenant = Tenant::new(slug, name, municipality).map_err(parse_err)?;
    if national {
        tenant.national = true;
    }
    tenancy.create_tenant(&tenant).await?;
    Ok((tenant, true))
}

/// The organisations named in `specs`, in order, created if missing; how many were.
pub(super) async fn ensure_organisations(
    tenancy: &TenancyService,
    ctx: &RequestContext,
    specs: &[(&str, OrganisationKind)],
) -> anyhow::Result<(Vec<OrganisationId>, usize)> {
    let existing = tenancy
        .list_organisations(
            ctx,
            OrganisationFilter::default(),
            &PageRequest::new(Some(100), None, None, None)?,
        )
        .await?
        .items;
    let mut ids = Vec::with_capacity(specs.len());
    let mut created = 0;
    for (name, kind) in specs {
        let name = OrganisationName::parse(name).map_err(parse_err)?;
        let id = match existing.iter().find(|o| o.name == name) {
            Some(o) => o.id,
            None => {
                created += 1;
                tenancy.create_organisation(ctx, name, *kind).await?.id
            }
        };
        ids.push(id);
    }
    Ok((ids, created))
}

/// The user `email`, invited with `display`, `role` and `organisation` if missing; whether
/// they were.
pub(super) async fn ensure_user(
    tenancy: &TenancyService,
    ctx: &RequestContext,
    email: &str,
    display: &str,
    role: Role,
    organisation: Option<OrganisationId>,
    idp_subject: Option<&str>,
) -> anyhow::Result<(User, bool)> {
    let email = Email::parse(email).map_err(parse_err)?;
    if let Some(user) = tenancy.find_user_by_email(ctx, &email).await? {
        return Ok((user, false));
    }
    let user = tenancy
        .invite_user(
            ctx,
            Invitation {
                email,
                display_name: DisplayName::parse(display).map_err(parse_err)?,
                roles: [role].into(),
                organisation_id: organisation,
                idp_subject: idp_subject
                    .map(IdpSubject::parse)
                    .transpose()
                    .map_err(parse_err)?,
            },
        )
        .await?;
    Ok((user, true))
}
