//! Unit tests of `peer.rs`.

use super::*;
use PeerStatus as S;
use PipelineAction as A;

fn volunteer(status: PeerStatus) -> PeerWorker {
    PeerWorker {
        id: PeerId::new(),
        user_id: None,
        kind: PeerKind::Voluntary,
        status,
        name: None,
        contact: None,
        languages: vec![],
        offer_types: BTreeSet::new(),
        max_matches: 2,
        organisation_id: OrganisationId::new(),
        created_at: Utc::now(),
        screenings: vec![],
        certificates: vec![],
        trainings: vec![],
        transitions: vec![],
        employment: None,
    }
}

fn clear(kind: CertificateKind) -> Certificate {
    Certificate {
        kind,
        checked_on: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        result: CertificateResult::Clear,
    }
}

/// Every status × every action: allowed to exactly the listed status, or refused.
#[test]
fn the_transition_table_is_exhaustive() {
    let allowed = [
        (S::Applicant, A::StartScreening, S::Screening),
        (S::Screening, A::StartTraining, S::Training),
        (S::Training, A::Activate, S::Active),
        (S::Active, A::Pause, S::Paused),
        (S::Paused, A::Resume, S::Active),
        (S::Applicant, A::End, S::Ended),
        (S::Screening, A::End, S::Ended),
        (S::Training, A::End, S::Ended),
        (S::Active, A::End, S::Ended),
        (S::Paused, A::End, S::Ended),
    ];
    for &from in PeerStatus::ALL {
        for &action in PipelineAction::ALL {
            let expected = allowed
                .iter()
                .find(|(f, a, _)| *f == from && *a == action)
                .map(|(_, _, to)| *to);
            assert_eq!(next_status(from, action), expected, "{from:?} × {action:?}");
            let mut peer = volunteer(from);
            peer.certificates = REQUIRED_CERTIFICATES.into_iter().map(clear).collect();
            let result = peer.apply(action, None, None, Utc::now());
            match expected {
                Some(to) => {
                    assert!(result.is_ok(), "{from:?} × {action:?}");
                    assert_eq!(peer.status, to);
                    assert_eq!(peer.transitions.len(), 1);
                }
                None => {
                    assert!(
                        matches!(result, Err(DomainError::Conflict(_))),
                        "{from:?} × {action:?}"
                    );
                    assert_eq!(peer.status, from, "a refused move changes nothing");
                    assert!(peer.transitions.is_empty());
                }
            }
        }
    }
}

#[test]
fn a_volunteer_is_not_activated_without_clear_certificates() {
    let mut peer = volunteer(S::Training);
    assert!(matches!(
        peer.apply(A::Activate, None, None, Utc::now()),
        Err(DomainError::Conflict(_))
    ));
    peer.certificates
        .push(clear(CertificateKind::CriminalRecord));
    assert_eq!(
        peer.missing_certificates(),
        vec![CertificateKind::ChildCertificate]
    );
    assert!(peer.apply(A::Activate, None, None, Utc::now()).is_err());
    peer.certificates.push(Certificate {
        result: CertificateResult::NotClear,
        ..clear(CertificateKind::ChildCertificate)
    });
    assert!(
        peer.apply(A::Activate, None, None, Utc::now()).is_err(),
        "not clear"
    );
    peer.certificates
        .push(clear(CertificateKind::ChildCertificate));
    assert!(
        peer.apply(A::Activate, None, None, Utc::now()).is_ok(),
        "the latest check counts"
    );
}

#[test]
fn resuming_also_needs_clear_certificates() {
    let mut peer = volunteer(S::Paused);
    assert!(peer.apply(A::Resume, None, None, Utc::now()).is_err());
}

#[test]
fn hours_and_periods_are_checked() {
    let d = |day| NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
    assert!(Employment::new(OrganisationId::new(), 0.0, d(1), None).is_err());
    assert!(Employment::new(OrganisationId::new(), 49.0, d(1), None).is_err());
    assert!(Employment::new(OrganisationId::new(), 37.0, d(2), Some(d(1))).is_err());
    assert_eq!(
        Employment::new(OrganisationId::new(), 18.5, d(1), Some(d(2)))
            .unwrap()
            .weekly_hours_tenths,
        185
    );
}
