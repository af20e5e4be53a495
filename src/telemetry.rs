//! Structured logs through `tracing`: human-readable text by default, JSON for log shippers.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogConfig;

/// Installs the global subscriber.
pub fn init(config: &LogConfig) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&config.filter)
        .map_err(|error| anyhow::anyhow!("XIESHANG_LOG={:?}: {error}", config.filter))?;
    let registry = tracing_subscriber::registry().with(filter);
    if config.json {
        registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init()?;
    } else {
        registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init()?;
    }
    Ok(())
}
