//! The offer policy as a table.

use std::collections::BTreeSet;

use super::*;
use crate::ids::{CitizenId, OfferId, OrganisationId, TenantId};
use crate::offers::model::OfferType;
use crate::referral::ReferralState;

fn ctx(role: Role) -> RequestContext {
    RequestContext::user(
        TenantId::new(),
        Actor::new(UserId::new(), BTreeSet::from([role]), None),
        "t",
    )
}

#[test]
fn staff_decisions_by_role_and_relationship() {
    let facilitator = PeerId::new();
    let stranger = PeerId::new();
    let course = Offer {
        id: OfferId::new(),
        organisation_id: OrganisationId::new(),
        offer_type: OfferType::GroupCourse,
        title: "Kursus".to_owned(),
        location: None,
        capacity: Some(10),
        facilitators: vec![facilitator, PeerId::new()],
        schedule: None,
        open: true,
        open_access: false,
        created_at: chrono::Utc::now(),
    };
    let parties = ReferralParties {
        citizen_id: CitizenId::new(),
        assigned_peer_id: Some(facilitator),
        state: ReferralState::Active,
    };
    let code = |r: DomainResult<()>| r.err().map_or("ok", |e| e.code());
    // (role, own peer, coordinator, course staff, café staff, match staff, match peer)
    let table = [
        (Role::TenantAdmin, None, "ok", "ok", "ok", "ok", "FORBIDDEN"),
        (Role::Coordinator, None, "ok", "ok", "ok", "ok", "FORBIDDEN"),
        (
            Role::Peer,
            Some(facilitator),
            "FORBIDDEN",
            "ok",
            "ok",
            "ok",
            "ok",
        ),
        (
            Role::Peer,
            Some(stranger),
            "FORBIDDEN",
            "FORBIDDEN",
            "ok",
            "NOT_FOUND",
            "NOT_FOUND",
        ),
        (
            Role::Peer,
            None,
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
        ),
        (
            Role::Referrer,
            None,
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
        ),
        (
            Role::Citizen,
            None,
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
        ),
        (
            Role::Researcher,
            None,
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
            "FORBIDDEN",
        ),
    ];
    for (role, own, coordinator, course_s, cafe_s, match_s, match_p) in table {
        let c = ctx(role);
        assert_eq!(code(require_coordinator(&c)), coordinator, "{role:?}");
        assert_eq!(code(course_staff(&c, own, &course)), course_s, "{role:?}");
        assert_eq!(code(cafe_staff(&c, own)), cafe_s, "{role:?}");
        assert_eq!(code(match_staff(&c, own, &parties)), match_s, "{role:?}");
        assert_eq!(
            code(match_peer(own, &parties).map(|_| ())),
            match_p,
            "{role:?}"
        );
        assert!(require_member(&c).is_ok());
        assert_eq!(peer_user(&c).is_some(), role == Role::Peer);
    }
    // Jobs and the seed act for the system: they coordinate.
    let system = RequestContext::system(TenantId::new());
    assert_eq!(code(require_coordinator(&system)), "ok");
    assert_eq!(code(require_member(&system)), "ok");
    assert_eq!(code(course_staff(&system, None, &course)), "ok");
    assert_eq!(peer_user(&system), None);
    let anonymous = RequestContext::anonymous("t");
    assert_eq!(code(require_member(&anonymous)), "UNAUTHENTICATED");
    assert_eq!(code(require_coordinator(&anonymous)), "UNAUTHENTICATED");
}
