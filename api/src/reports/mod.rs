//! A report's publishable forms: CSV (one figure per line, hidden figures marked) and a
//! printable HTML page with its tables and server-side SVG charts. Both show exactly what the
//! domain's disclosure control published — never a hidden figure.

pub mod chart;
pub mod cli;

use std::fmt::Write as _;

use peerbro_domain::outcomes::{ChangeSummary, PairedChange};
use peerbro_domain::reports::{Cell, Report, Statistic, Table};

use chart::{Bar, bars};

const HIDDEN: &str = "·";

fn cell_text(cell: Cell) -> String {
    match cell {
        Cell::Shown(n) => n.to_string(),
        Cell::Suppressed => HIDDEN.to_owned(),
    }
}

fn shown(cell: Cell) -> Option<f64> {
    match cell {
        #[allow(clippy::cast_precision_loss)] // counts of people
        Cell::Shown(n) => Some(n as f64),
        Cell::Suppressed => None,
    }
}

/// Every figure of `report`, one per CSV line: `section,row,column,value,status` where
/// `status` is `shown` or `suppressed` (then `value` is empty).
///
/// # Errors
/// When the CSV cannot be written (never, into memory).
pub fn to_csv(report: &Report) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["section", "row", "column", "value", "status"])?;
    let mut cell = |section: &str, row: &str, column: &str, c: Cell| match c {
        Cell::Shown(n) => w.write_record([section, row, column, &n.to_string(), "shown"]),
        Cell::Suppressed => w.write_record([section, row, column, "", "suppressed"]),
    };
    for t in &report.tables {
        for (r, row) in t.rows.iter().enumerate() {
            for (c, column) in t.columns.iter().enumerate() {
                cell(t.key, row, column, t.published.cells[r][c])?;
            }
            cell(t.key, row, "TOTAL", t.published.row_totals[r])?;
        }
        for (c, column) in t.columns.iter().enumerate() {
            cell(t.key, "TOTAL", column, t.published.column_totals[c])?;
        }
        cell(t.key, "TOTAL", "TOTAL", t.published.total)?;
    }
    for c in &report.counts {
        cell(c.key, "", "", c.cell)?;
    }
    let mut stat = |key: &str, s: Statistic| match s.value {
        Some(v) => w.write_record([key, "", "", &format!("{v:.2}"), "shown"]),
        None => w.write_record([key, "", "", "", "suppressed"]),
    };
    stat(
        "first-contact-median-hours",
        report.first_contact_median_hours,
    )?;
    stat("first-contact-p90-hours", report.first_contact_p90_hours)?;
    stat("placement-weekly-hours", report.placement_weekly_hours)?;
    let change = &report.chime_change;
    let mut changes: Vec<(String, Option<PairedChange>)> =
        vec![("OVERALL".to_owned(), change.overall)];
    changes.extend(
        change
            .dimensions
            .iter()
            .map(|(d, c)| (d.as_str().to_owned(), *c)),
    );
    for (dimension, c) in changes {
        match c {
            Some(c) => w.write_record([
                "chime-change-to-end",
                &dimension,
                "mean-change",
                &format!("{:.3}", c.mean_change),
                "shown",
            ])?,
            None => w.write_record([
                "chime-change-to-end",
                &dimension,
                "mean-change",
                "",
                "suppressed",
            ])?,
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html_table(out: &mut String, t: &Table) {
    let _ = write!(
        out,
        "<section><h2>{}</h2><table><thead><tr><th></th>",
        escape(t.title)
    );
    for c in &t.columns {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    out.push_str("<th>I alt</th></tr></thead><tbody>");
    for (r, row) in t.rows.iter().enumerate() {
        let _ = write!(out, "<tr><th>{}</th>", escape(row));
        for c in 0..t.columns.len() {
            let _ = write!(out, "<td>{}</td>", cell_text(t.published.cells[r][c]));
        }
        let _ = write!(
            out,
            "<td>{}</td></tr>",
            cell_text(t.published.row_totals[r])
        );
    }
    out.push_str("<tr class=\"total\"><th>I alt</th>");
    for c in &t.published.column_totals {
        let _ = write!(out, "<td>{}</td>", cell_text(*c));
    }
    let _ = write!(
        out,
        "<td>{}</td></tr></tbody></table>",
        cell_text(t.published.total)
    );
    // A table of several rows is charted by its row totals, a one-row table by its columns.
    let (labels, totals) = if t.rows.len() > 1 {
        (&t.rows, &t.published.row_totals)
    } else {
        (&t.columns, &t.published.column_totals)
    };
    let chart: Vec<Bar> = labels
        .iter()
        .zip(totals)
        .map(|(label, c)| Bar {
            label: label.clone(),
            value: shown(*c),
        })
        .collect();
    if chart.len() > 1
        && let Some(svg) = bars(t.title, &chart)
    {
        let _ = write!(out, "<figure class=\"chart\">{svg}</figure>");
    }
    out.push_str("</section>");
}

fn statistic(s: Statistic, unit: &str) -> String {
    match (s.value, s.n) {
        (Some(v), Some(n)) => format!("{v:.1} {unit} (n = {n})"),
        _ => format!("{HIDDEN} (for få til at blive vist)"),
    }
}

fn change_section(out: &mut String, c: &ChangeSummary) {
    out.push_str("<section><h2>Recovery (CHIME): ændring fra start til afslutning</h2>");
    match c.persons {
        None => {
            let _ = write!(
                out,
                "<p>Færre end {} personer med besvarelser ved både start og afslutning: intet vises.</p>",
                c.threshold
            );
        }
        Some(n) => {
            let _ = write!(
                out,
                "<p>{n} personer. Gennemsnitlig ændring med 95 % konfidensinterval og effektstørrelse (d<sub>z</sub>).</p><table><thead><tr><th>Dimension</th><th>n</th><th>Før</th><th>Efter</th><th>Ændring</th><th>95 % KI</th><th>d<sub>z</sub></th></tr></thead><tbody>"
            );
            let mut rows: Vec<(String, Option<PairedChange>)> =
                vec![("Samlet".to_owned(), c.overall)];
            rows.extend(
                c.dimensions
                    .iter()
                    .map(|(d, s)| (d.as_str().to_owned(), *s)),
            );
            for (label, s) in &rows {
                match s {
                    Some(s) => {
                        let _ = write!(
                            out,
                            "<tr><th>{label}</th><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:+.2}</td><td>{:.2} – {:.2}</td><td>{}</td></tr>",
                            s.n,
                            s.mean_before,
                            s.mean_after,
                            s.mean_change,
                            s.ci95_low,
                            s.ci95_high,
                            s.effect_size
                                .map_or_else(|| "–".to_owned(), |d| format!("{d:.2}"))
                        );
                    }
                    None => {
                        let _ = write!(
                            out,
                            "<tr><th>{label}</th><td colspan=\"6\">{HIDDEN}</td></tr>"
                        );
                    }
                }
            }
            out.push_str("</tbody></table>");
            let dims: Vec<Bar> = c
                .dimensions
                .iter()
                .map(|(d, s)| Bar {
                    label: d.as_str().to_owned(),
                    value: s.map(|s| s.mean_change),
                })
                .collect();
            if let Some(svg) = bars("Gennemsnitlig ændring pr. CHIME-dimension", &dims) {
                let _ = write!(out, "<figure class=\"chart\">{svg}</figure>");
            }
        }
    }
    out.push_str("</section>");
}

/// The printable HTML page of `report` for the partnership `tenant_name`.
#[must_use]
pub fn to_html(report: &Report, tenant_name: &str) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"da\"><head><meta charset=\"utf-8\"><title>Rapport {period} – {tenant}</title><style>{STYLE}</style></head><body><header><h1>{tenant}: rapport for {period}</h1><p>Dannet {at}. Tal under {t} og tal, der kan udledes af dem, er skjult ({HIDDEN}).</p></header>",
        period = report.period.label(),
        tenant = escape(tenant_name),
        at = report.generated_at.format("%Y-%m-%d %H:%M UTC"),
        t = report.threshold,
    );
    for t in &report.tables {
        html_table(&mut out, t);
    }
    out.push_str("<section><h2>Nøgletal</h2><table><tbody>");
    for c in &report.counts {
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(c.key),
            cell_text(c.cell)
        );
    }
    let _ = write!(
        out,
        "<tr><th>Tid til første kontakt, median</th><td>{}</td></tr><tr><th>Tid til første kontakt, 90 %-fraktil</th><td>{}</td></tr><tr><th>Ugentlige timer i udstationeringer</th><td>{}</td></tr></tbody></table></section>",
        statistic(report.first_contact_median_hours, "timer"),
        statistic(report.first_contact_p90_hours, "timer"),
        statistic(report.placement_weekly_hours, "timer"),
    );
    change_section(&mut out, &report.chime_change);
    out.push_str("</body></html>");
    out
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#111}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #bbb;padding:.25em .5em;text-align:right}th{text-align:left;background:#f2f2f2}tr.total td{font-weight:bold}figure.chart{margin:.5em 0}section{break-inside:avoid}@media print{body{margin:1cm}}";
