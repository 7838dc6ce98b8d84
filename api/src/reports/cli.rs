//! `peerbro report`: a partnership's report (or every partnership's) for a period, written as
//! HTML or CSV, with a progress bar on the terminal — a year over many tenants takes a while.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use peerbro_domain::RequestContext;
use peerbro_domain::reports::{Period, ReportStep};
use peerbro_domain::tenancy::TenantSlug;
use peerbro_persistence::Database;

use crate::config::Settings;
use crate::wiring::{master_key, services};

/// The forms `peerbro report` writes.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    /// A printable HTML page with charts.
    Html,
    /// CSV, one figure per line.
    Csv,
}

/// What to report.
#[derive(Debug)]
pub struct ReportRun<'a> {
    /// One tenant's slug, or every tenant.
    pub tenant: Option<&'a str>,
    /// `YYYY-MM`, `YYYY-QN` or `YYYY`.
    pub period: &'a str,
    /// The form.
    pub format: Format,
    /// A file (one tenant) or a folder (every tenant); standard output when none.
    pub out: Option<&'a Path>,
}

/// Runs the reports, writing each where `run.out` says.
///
/// # Errors
/// An unknown tenant or period, a database or file failure.
pub async fn run(settings: &Settings, run: &ReportRun<'_>) -> anyhow::Result<()> {
    let db = Database::connect(&settings.database_url, 2).await?;
    let services = services(&db, settings, &master_key(settings)?);
    let period = Period::parse(run.period, services.reports.today())?;
    let tenants = match run.tenant {
        Some(slug) => vec![
            services
                .tenancy
                .find_tenant_by_slug(&TenantSlug::parse(slug)?)
                .await?
                .with_context(|| format!("no tenant with slug {slug}"))?,
        ],
        None => services.tenancy.all_tenants().await?,
    };
    anyhow::ensure!(
        run.tenant.is_some() || run.out.is_some_and(Path::is_dir),
        "for every tenant, --out must name an existing folder (one file per tenant)"
    );
    let steps = 4 * tenants.len() as u64;
    let bar = ProgressBar::new(steps);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let extension = match run.format {
        Format::Html => "html",
        Format::Csv => "csv",
    };
    for tenant in &tenants {
        let slug = tenant.slug.as_str().to_owned();
        let ctx = RequestContext::system(tenant.id);
        let progress = |step: ReportStep| {
            bar.set_message(format!("{slug}: {step:?}"));
            bar.inc(1);
        };
        let report = services.reports.report(&ctx, period, &progress).await?;
        let text = match run.format {
            Format::Html => crate::reports::to_html(&report, &tenant.name),
            Format::Csv => crate::reports::to_csv(&report)?,
        };
        let target: Option<PathBuf> = match (run.tenant, run.out) {
            (_, None) => None,
            (Some(_), Some(file)) => Some(file.to_owned()),
            (None, Some(dir)) => Some(dir.join(format!("{slug}-{}.{extension}", period.label()))),
        };
        match target {
            Some(path) => std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => {
                use std::io::Write as _;
                std::io::stdout().write_all(text.as_bytes())?;
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    eprintln!(
        "peerbro: {} report(s) for {} written",
        tenants.len(),
        period.label()
    );
    db.close().await;
    Ok(())
}
