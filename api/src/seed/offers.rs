//! Demo offers: a course with sessions and enrolments, a café with headcounts.

use peerbro_domain::RequestContext;
use peerbro_domain::page::PageRequest;
use peerbro_domain::privacy::Purpose;

/// Every evening 18:00–22:00 on the Danish clock: the demo chat's hours.
fn evenings() -> anyhow::Result<peerbro_domain::chat::OpeningHours> {
    let at = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
    let slots = (0u8..7)
        .filter_map(|d| chrono::Weekday::try_from(d).ok())
        .map(|weekday| peerbro_domain::chat::Slot {
            weekday,
            opens: at(18),
            closes: at(22),
        })
        .collect();
    Ok(peerbro_domain::chat::OpeningHours::new(slots)?)
}

/// Offers of every kind, run by the NGO: an open-access course facilitated by two active
/// peers starting next week, a recovery café, one-to-one accompaniment and an online chat open every evening.
pub(super) async fn seed_offers(
    services: &crate::wiring::Services,
    system: &RequestContext,
    org_ids: &[peerbro_domain::ids::OrganisationId],
) -> anyhow::Result<usize> {
    use peerbro_domain::offers::{CourseSchedule, NewOffer, OfferFilter, OfferType};
    use peerbro_domain::people::{PeerFilter, PeerStatus};
    let offers = &services.offers;
    let page = PageRequest::first_page();
    if !offers
        .list(system, &OfferFilter::default(), &page)
        .await?
        .items
        .is_empty()
    {
        return Ok(0);
    }
    let Some(&ngo) = org_ids.get(3) else {
        anyhow::bail!("demo organisations missing");
    };
    let active = services
        .peers
        .peers(
            system,
            PeerFilter {
                status: Some(PeerStatus::Active),
                ..PeerFilter::default()
            },
            &page,
            Purpose::Administration,
        )
        .await?;
    let facilitators: Vec<_> = active.items.iter().take(2).map(|p| p.id).collect();
    let next_week = chrono::Utc::now()
        .date_naive()
        .checked_add_days(chrono::Days::new(7))
        .unwrap_or(chrono::NaiveDate::MAX);
    let plain = |offer_type, title: &str, location: Option<&str>| NewOffer {
        organisation_id: ngo,
        offer_type,
        title: title.to_owned(),
        location: location.map(str::to_owned),
        online: location.is_none(),
        capacity: None,
        facilitators: vec![],
        schedule: None,
        open_access: false,
    };
    let mut created = 0;
    for new in [
        NewOffer {
            capacity: Some(12),
            facilitators,
            // Citizens of the demo can enrol themselves from the citizen app.
            open_access: true,
            schedule: Some(CourseSchedule {
                start_date: next_week,
                weekday: chrono::Weekday::Tue,
                start_time: chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
                session_count: 10,
                session_minutes: 120,
            }),
            ..plain(
                OfferType::GroupCourse,
                "Recovery-kursus: Mit liv, mine mål",
                Some("Frivilligcentret, mødelokale 2"),
            )
        },
        plain(
            OfferType::RecoveryCafe,
            "Recovery-café",
            Some("Bibliotekets café, torsdage 14-16"),
        ),
        plain(
            OfferType::OneToOne,
            "Følgeskab med en peer",
            Some("Efter aftale"),
        ),
        plain(OfferType::AnonymousChat, "Anonym chat om aftenen", None),
    ] {
        let offer = offers.create(system, new).await?;
        if offer.offer_type == OfferType::AnonymousChat {
            services
                .chat
                .set_hours(system, offer.id, evenings()?)
                .await?;
        }
        created += 1;
    }
    Ok(created)
}
