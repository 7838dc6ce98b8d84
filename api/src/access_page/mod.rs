//! A citizen's whole record as a readable Danish page that prints well (the right of access,
//! art. 15): one section per kind of record, codes given in Danish where the platform knows
//! them. Every text is escaped: names, reasons and feedback are what people typed.

mod html;
mod peer;

use peerbro_domain::privacy::access::CitizenExport;

use self::html::{close_page, escape, label, open_page, or_dash, passage, table, when};
pub use self::peer::peer_page;

/// The page.
#[must_use]
pub fn citizen_page(export: &CitizenExport) -> String {
    let c = &export.citizen;
    let mut out = String::with_capacity(8192);
    open_page(&mut out, &export.partnership, export.generated_at);
    let profile = vec![
        vec!["Navn".to_owned(), or_dash(c.name.as_deref())],
        vec!["Kontakt".to_owned(), or_dash(c.contact.as_deref())],
        vec![
            "Fødselsår".to_owned(),
            c.birth_year
                .map_or_else(|| "–".to_owned(), |y| y.to_string()),
        ],
        vec!["Kommune".to_owned(), escape(&c.municipality)],
        vec!["Kom til os".to_owned(), label(&c.origin)],
        vec!["Registreret".to_owned(), when(c.registered_at)],
        vec!["Pseudonym i statistik".to_owned(), escape(&c.pseudonym)],
    ];
    table(&mut out, "Dig", &["", ""], &profile);
    let consents: Vec<Vec<String>> = export
        .consents
        .iter()
        .map(|k| {
            vec![
                when(k.at),
                label(&k.purpose),
                if k.given { "givet" } else { "trukket tilbage" }.to_owned(),
                label(&k.evidence),
                k.text_version
                    .map_or_else(|| "–".to_owned(), |v| format!("version {v}")),
            ]
        })
        .collect();
    table(
        &mut out,
        "Samtykker",
        &["Hvornår", "Til", "", "Hvordan", "Tekst"],
        &consents,
    );
    for text in &export.consent_texts {
        passage(
            &mut out,
            &format!(
                "Samtykketekst: {}, version {} (fra {})",
                label(&text.purpose),
                text.version,
                when(text.published_at)
            ),
            &text.text,
        );
    }
    for r in &export.referrals {
        let moves: Vec<Vec<String>> = r
            .moves
            .iter()
            .map(|m| vec![when(m.at), label(&m.action), or_dash(m.feedback.as_deref())])
            .collect();
        let head = vec![
            vec!["Henvist af".to_owned(), escape(&r.referred_by)],
            vec!["Modtaget".to_owned(), when(r.submitted_at)],
            vec!["Status".to_owned(), label(&r.state)],
            vec!["Begrundelse".to_owned(), or_dash(r.reason.as_deref())],
            vec![
                "Ønsket tilbud".to_owned(),
                or_dash(r.requested_offer.as_deref()),
            ],
            vec!["Tilbud".to_owned(), or_dash(r.assigned_offer.as_deref())],
        ];
        table(&mut out, "Henvisning", &["", ""], &head);
        table(
            &mut out,
            "Forløbet trin for trin",
            &["Hvornår", "Hvad", "Besked"],
            &moves,
        );
    }
    if export.referrals.is_empty() {
        table(&mut out, "Henvisninger", &[], &[]);
    }
    let rows: Vec<Vec<String>> = export
        .enrolments
        .iter()
        .map(|e| vec![escape(&e.offer), label(&e.status), when(e.since)])
        .collect();
    table(
        &mut out,
        "Pladser på forløb",
        &["Forløb", "Status", "Siden"],
        &rows,
    );
    let rows: Vec<Vec<String>> = export
        .attendance
        .iter()
        .map(|a| {
            vec![
                escape(&a.offer),
                a.session.to_string(),
                a.date.format("%d.%m.%Y").to_string(),
                if a.present {
                    "til stede"
                } else {
                    "fraværende"
                }
                .to_owned(),
            ]
        })
        .collect();
    table(&mut out, "Fremmøde", &["Forløb", "Gang", "Dato", ""], &rows);
    let rows: Vec<Vec<String>> = export
        .meetings
        .iter()
        .map(|m| {
            vec![
                m.date.format("%d.%m.%Y").to_string(),
                m.minutes.to_string(),
                label(&m.form),
                label(&m.status),
            ]
        })
        .collect();
    table(
        &mut out,
        "Møder med din peer",
        &["Dato", "Minutter", "Form", "Status"],
        &rows,
    );
    let rows: Vec<Vec<String>> = export
        .questionnaires
        .iter()
        .map(|q| {
            let answers: Vec<String> = q.answers.iter().map(u8::to_string).collect();
            vec![
                escape(&q.instrument),
                label(&q.point),
                when(q.answered_at),
                answers.join(", "),
            ]
        })
        .collect();
    table(
        &mut out,
        "Spørgeskemaer",
        &["Skema", "Måling", "Besvaret", "Svar"],
        &rows,
    );
    let rows: Vec<Vec<String>> = export
        .studies
        .iter()
        .map(|s| {
            vec![
                escape(&s.study),
                s.version.to_string(),
                if s.given {
                    "deltager"
                } else {
                    "trukket tilbage"
                }
                .to_owned(),
                when(s.at),
            ]
        })
        .collect();
    table(
        &mut out,
        "Forskning",
        &["Undersøgelse", "Informationsbrev", "", "Hvornår"],
        &rows,
    );
    close_page(&mut out, &export.look_ups);
    out
}
