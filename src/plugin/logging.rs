//! Logging for the provider process: JSON lines on stderr in hclog's shape, which go-plugin
//! parses and forwards into Terraform's log (`TF_LOG` / `TF_LOG_PROVIDER`).
//!
//! A custom [`FormatEvent`] is needed because tracing-subscriber's JSON formatter has fixed key
//! names (`timestamp`, `level`, `fields.message`) and an RFC 3339 timestamp of variable
//! precision, while hclog wants `@level` (lower case), `@message`, `@module` and `@timestamp`
//! with exactly 6 fractional digits — otherwise Terraform logs the raw line at debug level.

use serde_json::{Map, Value as Json};
use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// The hclog module name of this provider's lines.
pub const MODULE: &str = "provider.terraform-provider-genesys";

/// The level from `TF_LOG_PROVIDER`, else `TF_LOG` (as Terraform reads them); WARN when unset.
pub fn level_from_env(tf_log_provider: Option<&str>, tf_log: Option<&str>) -> LevelFilter {
    let raw = tf_log_provider
        .filter(|s| !s.is_empty())
        .or(tf_log.filter(|s| !s.is_empty()));
    match raw.map(|s| s.trim().to_ascii_uppercase()).as_deref() {
        Some("TRACE") | Some("JSON") => LevelFilter::TRACE,
        Some("DEBUG") => LevelFilter::DEBUG,
        Some("INFO") => LevelFilter::INFO,
        Some("ERROR") => LevelFilter::ERROR,
        Some("OFF") => LevelFilter::OFF,
        _ => LevelFilter::WARN,
    }
}

/// Installs the stderr JSON subscriber. Call first thing in `main` (nothing may reach stdout).
pub fn init() {
    let level = level_from_env(
        std::env::var("TF_LOG_PROVIDER").ok().as_deref(),
        std::env::var("TF_LOG").ok().as_deref(),
    );
    // Our own crate at the chosen level; libraries (h2, hyper, rustls) at most at WARN.
    let filter = Targets::new()
        .with_default(level.min(LevelFilter::WARN))
        .with_target("tpg", level)
        .with_target("terraform_provider_genesys", level);
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .fmt_fields(JsonFields::new())
        .event_format(HclogFormat);
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(filter)
        .try_init();
}

/// Formats one event as one hclog JSON line.
pub struct HclogFormat;

impl<S, N> FormatEvent<S, N> for HclogFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = Map::new();
        line.insert(
            "@level".into(),
            Json::String(hclog_level(event.metadata().level()).into()),
        );
        line.insert("@message".into(), Json::String(String::new()));
        line.insert("@module".into(), Json::String(MODULE.into()));
        line.insert(
            "@timestamp".into(),
            Json::String(hclog_timestamp(time::OffsetDateTime::now_utc())),
        );
        // Span fields (rpc name, type name), outermost first; JsonFields stored them as JSON text.
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let ext = span.extensions();
                if let Some(fields) = ext.get::<FormattedFields<N>>() {
                    if let Ok(Json::Object(m)) = serde_json::from_str::<Json>(fields.as_str()) {
                        line.extend(m);
                    }
                }
            }
        }
        let mut visitor = FieldVisitor { line: &mut line };
        event.record(&mut visitor);
        let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

fn hclog_level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// Go layout `2006-01-02T15:04:05.000000Z07:00`.
pub fn hclog_timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

struct FieldVisitor<'a> {
    line: &'a mut Map<String, Json>,
}

impl FieldVisitor<'_> {
    fn put(&mut self, field: &Field, value: Json) {
        let key = if field.name() == "message" {
            "@message"
        } else {
            field.name()
        };
        self.line.insert(key.to_string(), value);
    }
}

impl Visit for FieldVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Json::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Json::String(value.to_string()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Json::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Json::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Json::Bool(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(
            field,
            serde_json::Number::from_f64(value)
                .map(Json::Number)
                .unwrap_or(Json::Null),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn timestamp_has_exactly_six_fraction_digits() {
        let t = time::macros::datetime!(2026-01-02 03:04:05.1 UTC);
        assert_eq!(hclog_timestamp(t), "2026-01-02T03:04:05.100000Z");
    }

    #[test]
    fn level_prefers_tf_log_provider() {
        assert_eq!(
            level_from_env(Some("debug"), Some("TRACE")),
            LevelFilter::DEBUG
        );
        assert_eq!(level_from_env(None, Some("TRACE")), LevelFilter::TRACE);
        assert_eq!(level_from_env(Some(""), Some("off")), LevelFilter::OFF);
        assert_eq!(level_from_env(None, None), LevelFilter::WARN);
    }

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_are_hclog_json_with_span_fields() {
        let buf = Buf::default();
        let b2 = buf.clone();
        let sub = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_writer(move || b2.clone())
                .fmt_fields(JsonFields::new())
                .event_format(HclogFormat),
        );
        tracing::subscriber::with_default(sub, || {
            let _g = tracing::info_span!("rpc", tf_rpc = "GetSchema").entered();
            tracing::warn!(count = 3, "hello");
        });
        let out = String::from_utf8(buf.0.lock().expect("lock").clone()).expect("utf8");
        let v: Json = serde_json::from_str(out.trim()).expect("one json line");
        assert_eq!(v["@level"], "warn");
        assert_eq!(v["@message"], "hello");
        assert_eq!(v["@module"], MODULE);
        assert_eq!(v["tf_rpc"], "GetSchema");
        assert_eq!(v["count"], 3);
        let ts = v["@timestamp"].as_str().expect("ts");
        assert_eq!(ts.len(), "2006-01-02T15:04:05.000000Z".len());
    }
}
