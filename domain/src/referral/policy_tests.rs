//! The referral policy as a table: every role, alone, against each decision.

use std::collections::BTreeSet;

use super::*;
use crate::context::Actor;
use crate::ids::{CitizenId, ReferralId, TenantId, UserId};
use crate::referral::model::ReferralState;

fn ctx(role: Option<Role>, org: Option<OrganisationId>) -> RequestContext {
    let tenant = TenantId::new();
    match role {
        None => RequestContext::anonymous("t"),
        Some(role) => RequestContext::user(
            tenant,
            Actor::new(UserId::new(), BTreeSet::from([role]), org),
            "t",
        ),
    }
}

fn referral(org: OrganisationId) -> Referral {
    Referral {
        id: ReferralId::new(),
        citizen_id: CitizenId::new(),
        referrer_id: UserId::new(),
        referrer_organisation_id: org,
        state: ReferralState::Submitted,
        reason: None,
        submitted_at: chrono::Utc::now(),
        first_contact_at: None,
        assigned_at: None,
        assigned_peer_id: None,
        requested_offer_id: None,
        assigned_offer_id: None,
        outcome: None,
        decline_reason: None,
        feedback: None,
        case_reference: None,
        transitions: Vec::new(),
    }
}

#[test]
fn each_role_gets_exactly_its_decisions() {
    let org = OrganisationId::new();
    let theirs = referral(org);
    let others = referral(OrganisationId::new());
    // (role, organisation, coordinates, submits, follows, sees own org's, sees another's,
    //  moves ACCEPT, moves WITHDRAW)
    type Row = (
        Option<Role>,
        Option<OrganisationId>,
        bool,
        &'static str,
        bool,
        Viewer,
        Viewer,
        &'static str,
        &'static str,
    );
    let table: &[Row] = &[
        (
            None,
            None,
            false,
            "UNAUTHENTICATED",
            false,
            Viewer::Nobody,
            Viewer::Nobody,
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
        ),
        (
            Some(Role::TenantAdmin),
            None,
            true,
            "FORBIDDEN",
            true,
            Viewer::Coordinator,
            Viewer::Coordinator,
            "ok",
            "ok",
        ),
        (
            Some(Role::Coordinator),
            None,
            true,
            "FORBIDDEN",
            true,
            Viewer::Coordinator,
            Viewer::Coordinator,
            "ok",
            "ok",
        ),
        (
            Some(Role::Referrer),
            Some(org),
            false,
            "ok",
            true,
            Viewer::ReferringOrganisation,
            Viewer::Nobody,
            "FORBIDDEN",
            "ok",
        ),
        (
            Some(Role::Referrer),
            None,
            false,
            "CONFLICT",
            false,
            Viewer::Nobody,
            Viewer::Nobody,
            "FORBIDDEN",
            "ok",
        ),
        (
            Some(Role::Citizen),
            None,
            false,
            "FORBIDDEN",
            false,
            Viewer::PossiblyTheCitizen,
            Viewer::PossiblyTheCitizen,
            "FORBIDDEN",
            "ok",
        ),
        (
            Some(Role::Peer),
            None,
            false,
            "FORBIDDEN",
            false,
            Viewer::Nobody,
            Viewer::Nobody,
            "FORBIDDEN",
            "FORBIDDEN",
        ),
        (
            Some(Role::Researcher),
            None,
            false,
            "FORBIDDEN",
            false,
            Viewer::Nobody,
            Viewer::Nobody,
            "FORBIDDEN",
            "FORBIDDEN",
        ),
    ];
    let code = |r: DomainResult<()>| r.err().map_or("ok", |e| e.code());
    for (role, organisation, coordinating, submits, follows, own, other, accept, withdraw) in table
    {
        let c = ctx(*role, *organisation);
        assert_eq!(coordinates(&c), *coordinating, "{role:?}");
        assert_eq!(
            code(submitting_organisation(&c).map(|_| ())),
            *submits,
            "{role:?}"
        );
        assert_eq!(may_follow(&c).is_ok(), *follows, "{role:?}");
        assert_eq!(viewer(&c, &theirs), *own, "{role:?}");
        assert_eq!(viewer(&c, &others), *other, "{role:?}");
        assert_eq!(
            code(mover(&c, ReferralAction::Accept).map(|_| ())),
            *accept,
            "{role:?}"
        );
        assert_eq!(
            code(mover(&c, ReferralAction::Withdraw).map(|_| ())),
            *withdraw,
            "{role:?}"
        );
        assert_eq!(require_coordinator(&c).is_ok(), *coordinating, "{role:?}");
    }
    // A peer records contact and the start (on their own match, which the use case checks),
    // and nothing else.
    let (peer, _) = crate::testing::member(TenantId::new(), &[Role::Peer], None);
    for action in [ReferralAction::RecordContact, ReferralAction::Start] {
        assert_eq!(mover(&peer, action).ok(), Some(Mover::AssignedPeer));
    }
    assert!(mover(&peer, ReferralAction::Complete).is_err());
    // Jobs and the seed act for the system: they coordinate, but never refer.
    let system = RequestContext::system(TenantId::new());
    assert!(coordinates(&system) && require_coordinator(&system).is_ok());
    assert_eq!(viewer(&system, &theirs), Viewer::Coordinator);
    assert_eq!(
        mover(&system, ReferralAction::Accept).ok(),
        Some(Mover::Coordinator)
    );
    assert!(submitting_organisation(&system).is_err());
}
