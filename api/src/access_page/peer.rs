//! A peer worker's whole record as a readable Danish page.

use peerbro_domain::privacy::peer_access::PeerExport;

use super::html::{close_page, escape, label, open_page, or_dash, table, when};

fn hours(tenths: i32) -> String {
    format!("{},{}", tenths / 10, tenths % 10)
}

fn day(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// The page.
#[must_use]
pub fn peer_page(export: &PeerExport) -> String {
    let p = &export.peer;
    let mut out = String::with_capacity(8192);
    open_page(&mut out, &export.partnership, export.generated_at);
    let profile = vec![
        vec!["Navn".to_owned(), or_dash(p.name.as_deref())],
        vec!["Kontakt".to_owned(), or_dash(p.contact.as_deref())],
        vec!["Som".to_owned(), label(&p.kind)],
        vec!["Status".to_owned(), label(&p.status)],
        vec!["Organisation".to_owned(), escape(&p.organisation)],
        vec!["Sprog".to_owned(), escape(&p.languages.join(", "))],
        vec!["Tilbud".to_owned(), escape(&p.offer_types.join(", "))],
        vec!["Forløb ad gangen".to_owned(), p.max_matches.to_string()],
        vec!["Registreret".to_owned(), when(p.registered_at)],
    ];
    table(&mut out, "Dig", &["", ""], &profile);
    let rows: Vec<Vec<String>> = export
        .employment
        .iter()
        .map(|e| {
            vec![
                escape(&e.organisation),
                hours(e.weekly_hours_tenths),
                day(e.start_on),
                e.end_on.map_or_else(|| "–".to_owned(), day),
            ]
        })
        .collect();
    table(
        &mut out,
        "Ansættelse",
        &["Hos", "Timer om ugen", "Fra", "Til"],
        &rows,
    );
    let rows: Vec<Vec<String>> = export
        .pipeline
        .iter()
        .map(|f| vec![day(f.on), label(&f.kind), escape(&f.what)])
        .collect();
    table(
        &mut out,
        "Samtaler, attester og uddannelse",
        &["Dato", "Hvad", ""],
        &rows,
    );
    let rows: Vec<Vec<String>> = export
        .moves
        .iter()
        .map(|m| {
            vec![
                when(m.at),
                label(&m.from),
                label(&m.to),
                or_dash(m.reason.as_deref()),
            ]
        })
        .collect();
    table(
        &mut out,
        "Din status",
        &["Hvornår", "Fra", "Til", "Begrundelse"],
        &rows,
    );
    let rows: Vec<Vec<String>> = export
        .placements
        .iter()
        .map(|pl| {
            vec![
                escape(&pl.unit),
                escape(&pl.ward),
                day(pl.start_on),
                pl.end_on.map_or_else(|| "–".to_owned(), day),
                hours(pl.weekly_hours_tenths),
            ]
        })
        .collect();
    table(
        &mut out,
        "Udstationering i psykiatrien",
        &["Enhed", "Afsnit", "Fra", "Til", "Timer om ugen"],
        &rows,
    );
    let rows: Vec<Vec<String>> = export
        .supervision
        .iter()
        .map(|s| vec![day(s.held_on), label(&s.format)])
        .collect();
    table(&mut out, "Supervision", &["Dato", "Form"], &rows);
    let rows: Vec<Vec<String>> = export
        .questionnaires
        .iter()
        .map(|q| {
            let answers: Vec<String> = q.answers.iter().map(u8::to_string).collect();
            vec![
                escape(&q.instrument),
                escape(&q.point),
                when(q.answered_at),
                answers.join(", "),
            ]
        })
        .collect();
    table(
        &mut out,
        "Dine spørgeskemaer",
        &["Skema", "Runde", "Besvaret", "Svar"],
        &rows,
    );
    close_page(&mut out, &export.look_ups);
    out
}
