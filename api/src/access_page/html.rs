//! The page's pieces: escaping, Danish names for codes, dates, tables, the head and the
//! look-up history that ends every record's page.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use peerbro_domain::privacy::records::LookUp;

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A stored code in Danish, or the code itself when it has no Danish name here.
pub(crate) fn label(code: &str) -> String {
    let danish = match code {
        // Referral states and moves.
        "SUBMITTED" => "modtaget",
        "ACCEPTED" => "godkendt",
        "ASSIGNED" => "tildelt",
        "IN_CONTACT" => "i kontakt",
        "ACTIVE" => "forløb i gang",
        "COMPLETED" => "afsluttet",
        "ENDED_EARLY" => "afsluttet før tid",
        "NO_CONTACT" => "ingen kontakt opnået",
        "WITHDRAWN" => "trukket tilbage",
        "DECLINED" => "afvist",
        "ACCEPT" => "godkendt",
        "ASSIGN" => "tildelt",
        "REASSIGN" => "tildeles på ny",
        "RECORD_CONTACT" => "første kontakt",
        "START" => "forløbet startede",
        "COMPLETE" => "forløbet blev afsluttet",
        "END_EARLY" => "forløbet sluttede før tid",
        "MARK_NO_CONTACT" => "ingen kontakt",
        "WITHDRAW" => "trukket tilbage",
        "DECLINE" => "afvist",
        "CONSENT_WITHDRAWN" => "afsluttet, samtykke trukket tilbage",
        // Consent purposes and evidence.
        "REFERRAL_PROCESSING" => "behandling af henvisning",
        "CONTACT" => "at blive kontaktet",
        "SHARE_OUTCOME_WITH_REFERRER" => "at henviser får resultatet at vide",
        "OUTCOME_MEASUREMENT" => "måling af recovery (spørgeskemaer)",
        "RESEARCH_PARTICIPATION" => "deltagelse i forskning",
        "VERBAL_TO_REFERRER" => "mundtligt til henviser",
        "WRITTEN" => "skriftligt",
        "DIGITAL" => "digitalt, af dig selv",
        // Enrolments.
        "ENROLLED" => "optaget",
        "WAITLISTED" => "på venteliste",
        // Audit actions and purposes.
        "READ" => "læst",
        "CREATE" => "oprettet",
        "UPDATE" => "ændret",
        "CONSENT" => "samtykke registreret",
        "ERASE" => "slettet",
        "EXPORT" => "udleveret (denne oversigt)",
        "COORDINATION" => "koordinering",
        "REFERRAL_HANDLING" => "behandling af henvisning",
        "PEER_SUPPORT" => "peerstøtte",
        "SUPERVISION" => "supervision",
        "ADMINISTRATION" => "administration",
        "CITIZEN_REQUEST" => "på din anmodning",
        "AUDIT_REVIEW" => "kontrol af logningen",
        "OUTCOME_EVALUATION" => "opfølgning på recovery",
        "RESEARCH" => "forskning",
        // Origins.
        "REFERRAL" => "henvist",
        "SELF_REGISTRATION" => "selv tilmeldt",
        "COORDINATOR" => "registreret af en koordinator",
        // Peers.
        "VOLUNTEER" => "frivillig",
        "PAID" => "lønnet",
        "APPLICANT" => "ansøger",
        "SCREENING" => "samtale",
        "CERTIFICATE" => "attest",
        "TRAINING" => "uddannelse",
        "PAUSED" => "på pause",
        "ENDED" => "stoppet",
        other => return escape(other),
    };
    danish.to_owned()
}

pub(crate) fn when(at: DateTime<Utc>) -> String {
    at.format("%d.%m.%Y %H:%M UTC").to_string()
}

pub(crate) fn or_dash(value: Option<&str>) -> String {
    value.map_or_else(|| "–".to_owned(), escape)
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;\
padding:0 1rem;color:#111}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;\
border-bottom:1px solid #999}table{border-collapse:collapse;width:100%;margin:.5rem 0}\
th,td{text-align:left;border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}\
th{background:#f2f2f2}p{overflow-wrap:anywhere}p.none{color:#555;font-style:italic}@media print{body{margin:0}\
h2{break-after:avoid}tr{break-inside:avoid}}";

/// Writes a table with `head` and `rows` (cells already escaped), or a line saying there is
/// nothing.
pub(crate) fn table(out: &mut String, title: &str, head: &[&str], rows: &[Vec<String>]) {
    let _ = write!(out, "<section><h2>{}</h2>", escape(title));
    if rows.is_empty() {
        out.push_str("<p class=\"none\">Ingen.</p></section>");
        return;
    }
    out.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></section>");
}

/// Writes a text as it was written: escaped, its line breaks kept.
pub(crate) fn passage(out: &mut String, title: &str, text: &str) {
    let _ = write!(
        out,
        "<section><h2>{}</h2><p>{}</p></section>",
        escape(title),
        escape(text).replace('\n', "<br>")
    );
}

/// The page's head and opening.
pub(crate) fn open_page(out: &mut String, partnership: &str, at: DateTime<Utc>) {
    let _ = write!(
        out,
        "<!doctype html><html lang=\"da\"><head><meta charset=\"utf-8\"><title>Dine oplysninger \
         hos {p}</title><style>{STYLE}</style></head><body><h1>Dine oplysninger hos {p}</h1>\
         <p>Udskrevet {at}. Oversigten rummer alt, hvad partnerskabet har registreret om dig, og \
         hvem der har set eller ændret det. Du kan få den samme oversigt som data (JSON).</p>",
        p = escape(partnership),
        at = when(at),
    );
}

/// Who read or changed the data, and the page's end.
pub(crate) fn close_page(out: &mut String, look_ups: &[LookUp]) {
    let rows: Vec<Vec<String>> = look_ups
        .iter()
        .map(|l| {
            vec![
                when(l.at),
                or_dash(l.by.as_deref()),
                l.roles
                    .iter()
                    .map(|r| escape(r))
                    .collect::<Vec<_>>()
                    .join(", "),
                label(&l.action),
                label(&l.purpose),
            ]
        })
        .collect();
    table(
        out,
        "Hvem har set eller ændret dine oplysninger",
        &["Hvornår", "Hvem", "Som", "Hvad", "Formål"],
        &rows,
    );
    out.push_str("</body></html>");
}
