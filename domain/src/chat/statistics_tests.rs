use chrono::NaiveDate;
use uuid::Uuid;

use super::*;
use crate::context::{Actor, Role};
use crate::ids::{OfferId, UserId};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn contact(
    offer: OfferId,
    month: &str,
    waited: Option<i64>,
    talked: Option<i64>,
    end: ChatEnd,
) -> Contact {
    Contact {
        offer,
        month: day(month),
        waited_seconds: waited,
        talked_seconds: talked,
        end,
    }
}

#[test]
fn months_sum_contacts_waits_bands_and_duty_per_offer() {
    let (a, b) = (
        OfferId::from_uuid(Uuid::from_u128(1)),
        OfferId::from_uuid(Uuid::from_u128(2)),
    );
    let (p, q) = (
        UserId::from_uuid(Uuid::from_u128(7)),
        UserId::from_uuid(Uuid::from_u128(8)),
    );
    let contacts = [
        contact(
            a,
            "2026-11-01",
            Some(30),
            Some(4 * 60),
            ChatEnd::CitizenLeft,
        ),
        contact(a, "2026-11-01", Some(90), Some(5 * 60), ChatEnd::PeerEnded),
        contact(
            a,
            "2026-11-01",
            Some(600),
            Some(59 * 60 + 59),
            ChatEnd::Blocked,
        ),
        contact(a, "2026-11-01", Some(10), Some(60 * 60), ChatEnd::PeerEnded),
        contact(a, "2026-11-01", None, None, ChatEnd::Expired),
        contact(b, "2026-12-01", None, None, ChatEnd::CitizenLeft),
    ];
    let periods = [
        DutyPeriod {
            offer: a,
            month: day("2026-11-01"),
            peer: p,
            seconds: 3600,
        },
        DutyPeriod {
            offer: a,
            month: day("2026-11-01"),
            peer: p,
            seconds: 1800,
        },
        DutyPeriod {
            offer: a,
            month: day("2026-11-01"),
            peer: q,
            seconds: 900,
        },
        DutyPeriod {
            offer: a,
            month: day("2026-10-01"),
            peer: q,
            seconds: 7200,
        },
    ];
    let months = summarise(&contacts, &periods);
    assert_eq!(months.len(), 3, "{months:?}");
    let october = &months[0];
    assert_eq!(
        (october.month, october.contacts, october.peers_on_duty),
        (day("2026-10-01"), 0, 1)
    );
    assert!((october.duty_hours - 2.0).abs() < 1e-9);
    let november = &months[1];
    assert_eq!(november.offer, Some(a));
    assert_eq!(
        (
            november.contacts,
            november.taken,
            november.not_taken,
            november.blocked
        ),
        (5, 4, 1, 1)
    );
    // Waits 10, 30, 90, 600: the median by nearest rank is the second, the 90th the fourth.
    assert_eq!(november.median_wait_seconds, Some(30));
    assert_eq!(november.p90_wait_seconds, Some(600));
    // 4 min: under 5; 5 min: 5–15; 59:59: 30–60; 60 min: longer.
    assert_eq!(november.duration_bands, [1, 1, 0, 1, 1]);
    assert_eq!(november.peers_on_duty, 2);
    assert!(
        (november.duty_hours - 1.8).abs() < 1e-9,
        "{}",
        november.duty_hours
    );
    let december = &months[2];
    assert_eq!(
        (december.offer, december.contacts, december.taken),
        (Some(b), 1, 0)
    );
    assert_eq!(december.median_wait_seconds, None);
}

struct Fixed(Vec<Contact>);

#[async_trait]
impl ChatStatisticsStore for Fixed {
    async fn contacts(
        &self,
        _: TenantId,
        from: NaiveDate,
        to: NaiveDate,
        _: Option<OfferId>,
    ) -> DomainResult<Vec<Contact>> {
        Ok(self
            .0
            .iter()
            .filter(|c| c.month >= from && c.month <= to)
            .copied()
            .collect())
    }
    async fn duty_periods(
        &self,
        _: TenantId,
        _: NaiveDate,
        _: NaiveDate,
        _: Option<OfferId>,
    ) -> DomainResult<Vec<DutyPeriod>> {
        Ok(Vec::new())
    }
}

fn ctx(role: Role) -> RequestContext {
    let actor = Actor::new(
        UserId::from_uuid(Uuid::from_u128(4)),
        std::collections::BTreeSet::from([role]),
        None,
    );
    RequestContext::user(TenantId::from_uuid(Uuid::from_u128(3)), actor, "t")
}

#[tokio::test]
async fn coordinators_read_at_most_two_years() {
    let a = OfferId::from_uuid(Uuid::from_u128(1));
    let stats = ChatStatistics::new(Arc::new(Fixed(vec![
        contact(a, "2026-11-01", Some(1), Some(1), ChatEnd::PeerEnded),
        contact(a, "2024-11-01", Some(1), Some(1), ChatEnd::PeerEnded),
    ])));
    let read = |role, from: &str, to: &str| {
        let stats = stats.clone();
        let (from, to) = (day(from), day(to));
        async move { stats.months(&ctx(role), from, to, None).await }
    };
    let peer = read(Role::Peer, "2026-11-01", "2026-11-30").await;
    assert!(matches!(peer, Err(DomainError::Forbidden(_))), "{peer:?}");
    let got = read(Role::Coordinator, "2026-11-15", "2026-11-15")
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    // 24 months is the limit; 25 is refused.
    let two_years = read(Role::TenantAdmin, "2024-12-01", "2026-11-30")
        .await
        .unwrap();
    assert_eq!(two_years.len(), 1);
    for (from, to) in [("2024-11-01", "2026-11-01"), ("2026-11-01", "2026-10-31")] {
        let refused = read(Role::Coordinator, from, to).await;
        assert!(
            matches!(refused, Err(DomainError::Validation { .. })),
            "{from}..{to}: {refused:?}"
        );
    }
}
