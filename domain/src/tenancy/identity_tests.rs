//! Unit tests of `identity.rs` and `subject.rs`.

use std::sync::Arc;

use super::*;
use crate::ids::TenantId;
use crate::tenancy::fakes::InMemory;
use crate::tenancy::model::{DisplayName, Email, Invitation};
use crate::tenancy::ports::TenantRepository as _;

#[test]
fn a_subject_is_one_to_255_printable_ascii_characters() {
    assert!(IdpSubject::parse(&"a".repeat(255)).is_ok());
    assert!(IdpSubject::parse("auth0|5f1c-ÆØÅ").is_err());
    for bad in [
        String::new(),
        "a".repeat(256),
        "a b".to_owned(),
        "a\tb".to_owned(),
    ] {
        let err = IdpSubject::parse(&bad).unwrap_err();
        assert!(
            matches!(&err, DomainError::Validation { field, .. } if field == "idpSubject"),
            "{err:?}"
        );
    }
}

async fn person_in_two_tenants() -> (TenancyService, Tenant, Tenant, User, User) {
    let store = Arc::new(InMemory::default());
    let svc = TenancyService::new(store.clone(), store.clone(), store.clone());
    let mut found = Vec::new();
    for slug in ["alpha", "beta"] {
        let tenant = Tenant {
            id: TenantId::new(),
            slug: TenantSlug::parse(slug).unwrap(),
            name: slug.to_owned(),
            municipality: slug.to_owned(),
            created_at: chrono::Utc::now(),
            national: false,
        };
        store.create(&tenant).await.unwrap();
        let user = svc
            .invite_user(
                &RequestContext::system(tenant.id),
                Invitation {
                    email: Email::parse(&format!("p@{slug}.dk")).unwrap(),
                    display_name: DisplayName::parse("P").unwrap(),
                    roles: [Role::Coordinator].into(),
                    organisation_id: None,
                    idp_subject: Some(IdpSubject::parse("idp|p").unwrap()),
                },
            )
            .await
            .unwrap();
        found.push((tenant, user));
    }
    let (b, ub) = found.pop().unwrap();
    let (a, ua) = found.pop().unwrap();
    (svc, a, b, ua, ub)
}

#[tokio::test]
async fn only_a_token_naming_the_linked_person_opens_the_other_membership() {
    let (svc, a, b, ua, ub) = person_in_two_tenants().await;
    // The linked person: both memberships, and the other one to exchange into.
    let ctx = svc
        .authenticate(a.id, ua.id, None, Some("idp|p"), "r")
        .await
        .unwrap();
    let mine = svc.my_tenants(&ctx).await.unwrap();
    let listed: Vec<(&str, bool)> = mine
        .iter()
        .map(|m| (m.tenant.slug.as_str(), m.current))
        .collect();
    assert_eq!(listed, [("alpha", true), ("beta", false)]);
    let (tenant, user) = svc.membership_in(&ctx, &b.slug).await.unwrap();
    assert_eq!((tenant.id, user.id), (b.id, ub.id));
    // Another person named: no caller at all.
    assert!(matches!(
        svc.authenticate(a.id, ua.id, None, Some("idp|q"), "r")
            .await,
        Err(DomainError::Unauthenticated)
    ));
    // No person named: the current membership only, and nothing to exchange into.
    let plain = svc
        .authenticate(a.id, ua.id, None, None, "r")
        .await
        .unwrap();
    assert_eq!(svc.my_tenants(&plain).await.unwrap().len(), 1);
    assert!(matches!(
        svc.membership_in(&plain, &b.slug).await,
        Err(DomainError::NotFound {
            resource: "membership"
        })
    ));
}
