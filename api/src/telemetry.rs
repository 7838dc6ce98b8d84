//! Logging and tracing: text or JSON logs, and OpenTelemetry OTLP export of spans when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Spans and events carry ids, codes and timings only,
//! never personal data.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, Settings};

/// Keeps the exporter alive; call [`Telemetry::shutdown`] before exit to flush spans.
#[derive(Debug)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Flushes and stops the OTLP exporter, if any.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(err) = provider.shutdown()
        {
            tracing::warn!(error = %err, "OpenTelemetry shutdown failed");
        }
    }
}

/// Installs the global subscriber.
///
/// # Errors
/// When the log filter does not parse or the OTLP exporter cannot be built.
pub fn init(settings: &Settings) -> anyhow::Result<Telemetry> {
    // sqlx logs every statement at INFO, with values: keep it at WARN whatever is asked.
    let filter = || {
        EnvFilter::try_new(format!(
            "{},sqlx=warn,sea_orm=warn,sea_orm_migration=warn",
            settings.log_level
        ))
    };
    let fmt = match settings.log_format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter()?)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_writer(std::io::stderr)
            .with_filter(filter()?)
            .boxed(),
    };
    let provider = if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() {
        // The blocking HTTP client: the batch exporter runs on its own thread, where the
        // async client panics and spans are lost.
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()?;
        let resource = opentelemetry_sdk::Resource::builder()
            .with_service_name("peerbro")
            .build();
        Some(
            SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(resource)
                .build(),
        )
    } else {
        None
    };
    let otel = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("peerbro"))
            .with_filter(filter().unwrap_or_else(|_| EnvFilter::new("info")))
    });
    tracing_subscriber::registry()
        .with(fmt)
        .with(otel)
        .try_init()?;
    Ok(Telemetry { provider })
}
