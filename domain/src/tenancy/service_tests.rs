//! Unit tests of `service.rs`.

use super::*;
use crate::tenancy::fakes::InMemory;
use crate::tenancy::model::{DisplayName, Email};

fn service() -> (TenancyService, TenantId) {
    let store = Arc::new(InMemory::default());
    let tenant = TenantId::new();
    (
        TenancyService::new(store.clone(), store.clone(), store),
        tenant,
    )
}

fn admin(tenant: TenantId, user: UserId) -> RequestContext {
    RequestContext::user(
        tenant,
        Actor::new(user, [Role::TenantAdmin].into(), None),
        "t",
    )
}

fn invitation(email: &str, roles: &[Role]) -> Invitation {
    Invitation {
        email: Email::parse(email).unwrap(),
        display_name: DisplayName::parse("Test Person").unwrap(),
        roles: roles.iter().copied().collect(),
        organisation_id: None,
        idp_subject: None,
    }
}

#[tokio::test]
async fn the_last_admin_keeps_the_admin_role_but_a_second_admin_can_go() {
    let (svc, tenant) = service();
    let system = RequestContext::system(tenant);
    let first = svc
        .invite_user(&system, invitation("a@x.dk", &[Role::TenantAdmin]))
        .await
        .unwrap();
    let ctx = admin(tenant, first.id);
    let err = svc.revoke_role(&ctx, first.id, Role::TenantAdmin).await;
    assert!(matches!(err, Err(DomainError::Conflict(_))));

    let second = svc
        .invite_user(&ctx, invitation("b@x.dk", &[Role::TenantAdmin]))
        .await
        .unwrap();
    let after = svc
        .revoke_role(&ctx, second.id, Role::TenantAdmin)
        .await
        .unwrap();
    assert!(after.roles.is_empty());
}

#[tokio::test]
async fn a_token_can_narrow_but_never_widen_the_granted_roles() {
    let (svc, tenant) = service();
    let user = svc
        .invite_user(
            &RequestContext::system(tenant),
            invitation("c@x.dk", &[Role::Coordinator, Role::Peer]),
        )
        .await
        .unwrap();
    let claimed: BTreeSet<Role> = [Role::Peer, Role::TenantAdmin].into();
    let ctx = svc
        .authenticate(tenant, user.id, Some(&claimed), None, "r")
        .await
        .unwrap();
    let roles: Vec<Role> = ctx.actor().unwrap().roles().iter().copied().collect();
    assert_eq!(roles, vec![Role::Peer]);
}

#[tokio::test]
async fn a_subject_outside_the_tenant_is_unauthenticated() {
    let (svc, tenant) = service();
    let user = svc
        .invite_user(
            &RequestContext::system(tenant),
            invitation("d@x.dk", &[Role::Peer]),
        )
        .await
        .unwrap();
    let other_tenant = TenantId::new();
    let err = svc
        .authenticate(other_tenant, user.id, None, None, "r")
        .await;
    assert!(matches!(err, Err(DomainError::Unauthenticated)));
}

#[tokio::test]
async fn inviting_into_an_unknown_organisation_is_not_found() {
    let (svc, tenant) = service();
    let mut inv = invitation("e@x.dk", &[]);
    inv.organisation_id = Some(OrganisationId::new());
    let err = svc.invite_user(&RequestContext::system(tenant), inv).await;
    assert!(matches!(err, Err(DomainError::NotFound { .. })));
}

#[tokio::test]
async fn a_deactivated_user_is_no_caller_until_reactivated() {
    let (svc, tenant) = service();
    let system = RequestContext::system(tenant);
    let boss = svc
        .invite_user(&system, invitation("a@x.dk", &[Role::TenantAdmin]))
        .await
        .unwrap();
    let ctx = admin(tenant, boss.id);
    let worker = svc
        .invite_user(&ctx, invitation("b@x.dk", &[Role::Referrer]))
        .await
        .unwrap();
    assert!(
        svc.authenticate(tenant, worker.id, None, None, "r")
            .await
            .is_ok()
    );
    let off = svc.deactivate_user(&ctx, worker.id).await.unwrap();
    assert!(off.deactivated_at.is_some());
    assert!(matches!(
        svc.authenticate(tenant, worker.id, None, None, "r").await,
        Err(DomainError::Unauthenticated)
    ));
    // Again: nothing changes, the first instant stays.
    let again = svc.deactivate_user(&ctx, worker.id).await.unwrap();
    assert_eq!(again.deactivated_at, off.deactivated_at);
    let on = svc.reactivate_user(&ctx, worker.id).await.unwrap();
    assert!(on.deactivated_at.is_none());
    assert!(
        svc.authenticate(tenant, worker.id, None, None, "r")
            .await
            .is_ok()
    );
    // Not oneself; not without the admin role; not another tenant's user.
    assert!(matches!(
        svc.deactivate_user(&ctx, boss.id).await,
        Err(DomainError::Validation { .. })
    ));
    let referrer = RequestContext::user(
        tenant,
        Actor::new(worker.id, [Role::Referrer].into(), None),
        "t",
    );
    assert!(matches!(
        svc.deactivate_user(&referrer, boss.id).await,
        Err(DomainError::Forbidden(_))
    ));
    let elsewhere = admin(TenantId::new(), boss.id);
    assert!(matches!(
        svc.deactivate_user(&elsewhere, worker.id).await,
        Err(DomainError::NotFound { .. })
    ));
}
