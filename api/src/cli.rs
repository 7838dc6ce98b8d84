//! The `peerbro` command line: serve, migrate, seed, schema, token and admin tasks.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use peerbro_domain::RequestContext;
use peerbro_domain::tenancy::{Email, Tenant, TenantSlug};
use peerbro_persistence::Database;

use crate::auth::Authenticator;
use crate::auth::load_keys;
use crate::config::Settings;
use crate::startup::{Application, prepare_database};
use crate::wiring::{Services, authenticator, master_key, services, tenancy_service};
use crate::{graphql, seed, telemetry};

/// peerbro: the backend of Danish peer-support partnerships.
#[derive(Debug, Parser)]
#[command(name = "peerbro", version, about)]
pub struct Cli {
    /// A TOML configuration file (default: ./peerbro.toml if it exists).
    #[arg(long, global = true, env = "PEERBRO_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (migrating, and on SQLite seeding the demo tenants, first).
    Serve,
    /// Apply pending database migrations (through PEERBRO_DATABASE_ADMIN_URL if set).
    Migrate,
    /// Seed data.
    Seed {
        /// The demo tenants `helsingor` and `kobenhavn` (idempotent).
        #[arg(long)]
        demo: bool,
        /// The load benchmark's tenants `bench-01` … and their referrals (idempotent;
        /// `bench/run` runs it).
        #[arg(long, conflicts_with = "demo")]
        bench: bool,
        /// With `--bench`: how many tenants (1 to 99).
        #[arg(long, default_value_t = 10, requires = "bench")]
        tenants: usize,
        /// With `--bench`: how many referrals in all, spread evenly over the tenants.
        #[arg(long, default_value_t = 100_000, requires = "bench")]
        referrals: usize,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Print a token for a user, signed with the local signing key (development and tests).
    Token {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// The user's e-mail.
        #[arg(long)]
        user: String,
        /// Lifetime in seconds (default PEERBRO_JWT_TOKEN_TTL_SECONDS).
        #[arg(long)]
        ttl: Option<u64>,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Deletion on schedule (ADR 0042): closed referrals' free text and citizens inactive for
    /// longer than each tenant's retention.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Key epochs (ADR 0043): status, rotation, retirement past the backup window.
    Keys {
        #[command(subcommand)]
        command: crate::keys::cli::KeysCommand,
    },
    /// A partnership's fixed report for a period, disclosure-controlled, as HTML or CSV.
    Report {
        /// The tenant's slug (default: every tenant; then --out names a folder).
        #[arg(long)]
        tenant: Option<String>,
        /// `YYYY-MM`, `YYYY-QN` or `YYYY`.
        #[arg(long)]
        period: String,
        /// The form.
        #[arg(long, value_enum, default_value = "html")]
        format: crate::reports::cli::Format,
        /// A file (one tenant) or an existing folder (every tenant); default standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Tenant administration (platform operator).
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
}

#[derive(Debug, Subcommand)]
enum RetentionCommand {
    /// Run retention in every tenant now and report what was done.
    Run {
        /// Change nothing; report what a run would do now.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute each tenant's hash chain; exits 1 if an entry was changed or removed.
    Verify {
        /// Only this tenant (default: every tenant).
        #[arg(long)]
        tenant: Option<String>,
        /// Also compare with a signed anchor (from `audit anchor`): exits 1 when a chain
        /// lost entries the anchor saw, or one of them changed.
        #[arg(long)]
        anchor: Option<PathBuf>,
    },
    /// Sign every chain's head (length and newest hash) with the token-signing key and write
    /// it outside the database; run it on a schedule (cron, a systemd timer).
    Anchor {
        /// The file to write (default standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Create a tenant.
    Create {
        /// Short name: a-z, 0-9, '-'.
        #[arg(long)]
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Municipality.
        #[arg(long)]
        municipality: String,
        /// A national partner organisation running the programme across municipalities: its
        /// coordinators read the combined report of the partnerships that opted in.
        #[arg(long)]
        national: bool,
    },
}

/// Runs the command line.
///
/// # Errors
/// Any failure, already phrased for the operator.
pub async fn run() -> anyhow::Result<()> {
    crate::startup::install_crypto_provider();
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Serve => serve(&settings).await,
        Command::Migrate => {
            let _telemetry = telemetry::init(&settings)?;
            prepare_database(&settings, &master_key(&settings)?, true, false).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed {
            bench: true,
            tenants,
            referrals,
            ..
        } => {
            let _telemetry = telemetry::init(&settings)?;
            let db = Database::connect(settings.admin_url(), 10).await?;
            let report = seed::bench(
                &services(&db, &settings, &master_key(&settings)?),
                tenants,
                referrals,
            )
            .await?;
            db.close().await;
            println!(
                "bench seed: {} tenants and {} referrals created",
                report.tenants, report.referrals
            );
            Ok(())
        }
        Command::Seed { demo, .. } => {
            anyhow::ensure!(demo, "say what to seed: --demo or --bench");
            let _telemetry = telemetry::init(&settings)?;
            let db = Database::connect(settings.admin_url(), 2).await?;
            let report = seed::demo(&services(&db, &settings, &master_key(&settings)?)).await?;
            db.close().await;
            println!(
                "demo seed: {} tenants, {} organisations, {} users, {} citizens, {} peer workers, \
                 {} offers created",
                report.tenants,
                report.organisations,
                report.users,
                report.citizens,
                report.peers,
                report.offers
            );
            Ok(())
        }
        Command::Token { tenant, user, ttl } => {
            existing_database(&settings)?;
            let token = mint(&settings, &tenant, &user, ttl).await?;
            println!("{token}");
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { tenant, anchor },
        } => {
            existing_database(&settings)?;
            crate::audit_anchor::cli::verify(&settings, tenant.as_deref(), anchor.as_deref()).await
        }
        Command::Audit {
            command: AuditCommand::Anchor { out },
        } => {
            existing_database(&settings)?;
            crate::audit_anchor::cli::anchor(&settings, out.as_deref()).await
        }
        Command::Retention {
            command: RetentionCommand::Run { dry_run, json },
        } => {
            existing_database(&settings)?;
            crate::retention::run(&settings, dry_run, json).await
        }
        Command::Keys { command } => {
            existing_database(&settings)?;
            crate::keys::cli::run(&settings, command).await
        }
        Command::Report {
            tenant,
            period,
            format,
            out,
        } => {
            existing_database(&settings)?;
            let run = crate::reports::cli::ReportRun {
                tenant: tenant.as_deref(),
                period: &period,
                format,
                out: out.as_deref(),
            };
            crate::reports::cli::run(&settings, &run).await
        }
        Command::Tenant {
            command:
                TenantCommand::Create {
                    slug,
                    name,
                    municipality,
                    national,
                },
        } => {
            existing_database(&settings)?;
            let slug = TenantSlug::parse(&slug)?;
            let mut tenant = Tenant::new(slug, &name, &municipality)?;
            if national {
                tenant.national = true;
            }
            let db = Database::connect(settings.admin_url(), 2).await?;
            let vault = crate::wiring::vault(&settings, &master_key(&settings)?);
            tenancy_service(&db, &vault).create_tenant(&tenant).await?;
            db.close().await;
            println!("{}", tenant.id);
            Ok(())
        }
    }
}

/// Refuses, before anything is created, a command that needs a database that is not there: on
/// the embedded default a missing SQLite file means the command runs outside the data folder
/// (it would otherwise create an empty database and new keys, then fail).
fn existing_database(settings: &Settings) -> anyhow::Result<()> {
    if let Some(file) = settings.sqlite_file()
        && !file.exists()
    {
        anyhow::bail!(
            "no database at {}: run this command in the folder where `peerbro serve` keeps \
             its data (the one holding peerbro.db), run `peerbro serve` or `peerbro migrate` \
             there first, or set PEERBRO_DATABASE_URL",
            file.display()
        );
    }
    Ok(())
}

async fn mint(
    settings: &Settings,
    tenant: &str,
    user: &str,
    ttl: Option<u64>,
) -> anyhow::Result<String> {
    // Refuse before touching the database when there is nothing to sign with.
    anyhow::ensure!(
        load_keys(settings)?.encoding_key().is_some(),
        "no signing key is configured: set PEERBRO_JWT_PRIVATE_KEY_FILE (the embedded SQLite \
         default uses its development key)"
    );
    let master = master_key(settings)?;
    let db = Database::connect(&settings.database_url, 2).await?;
    let services = services(&db, settings, &master);
    let auth = authenticator(settings, &services, &master)?;
    let token = mint_with(
        &services,
        &auth,
        tenant,
        user,
        ttl.unwrap_or(settings.jwt_token_ttl_seconds),
    )
    .await;
    db.close().await;
    token
}

/// A token for `user` of `tenant`, from an authenticator that can sign.
async fn mint_with(
    services: &Services,
    auth: &Authenticator,
    tenant: &str,
    user: &str,
    ttl: u64,
) -> anyhow::Result<String> {
    let tenancy = &services.tenancy;
    let slug = TenantSlug::parse(tenant)?;
    let tenant = tenancy
        .find_tenant_by_slug(&slug)
        .await?
        .with_context(|| format!("no tenant with slug {tenant}"))?;
    let email = Email::parse(user)?;
    let user = tenancy
        .find_user_by_email(&RequestContext::system(tenant.id), &email)
        .await?
        .context("no user with that e-mail in the tenant")?;
    let identity = user.idp_subject.as_ref().map(|s| s.as_str());
    auth.mint(tenant.id, user.id, None, identity, ttl)
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let telemetry = telemetry::init(settings)?;
    let app = Application::build(settings).await?;
    let port = app.port();
    let host = settings.listen.ip();
    tracing::info!(port, "listening");
    println!("peerbro is listening on http://{host}:{port}");
    if settings.graphiql {
        println!("GraphiQL: http://{host}:{port}/graphql");
    }
    println!("OpenAPI:  http://{host}:{port}/api/v1/openapi.json");
    if settings.seeds_demo() && app.state().auth.can_mint() {
        // The running server's own authenticator: no second key load, no second warning.
        let state = app.state();
        match mint_with(
            &state.services,
            &state.auth,
            "helsingor",
            "admin@helsingor.demo",
            12 * 3600,
        )
        .await
        {
            Ok(token) => println!(
                "Demo token (admin@helsingor.demo, 12 h); paste into GraphiQL's headers as\n  \
                 {{\"Authorization\": \"Bearer {token}\"}}"
            ),
            Err(err) => tracing::warn!(error = %err, "could not mint the demo token"),
        }
    }
    let result = app.run_until_stopped(true).await;
    telemetry.shutdown();
    let report = result?;
    if report.cut > 0 {
        anyhow::bail!(
            "{} request(s) were cut unanswered when the shutdown grace period \
             (PEERBRO_SHUTDOWN_TIMEOUT_SECONDS) ended",
            report.cut
        );
    }
    Ok(())
}
