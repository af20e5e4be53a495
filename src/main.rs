//! The `xieshang` binary: parses the command line and runs the chosen command.

mod bench;

use clap::Parser;
use xieshang::{
    cli::{Cli, Command},
    commands,
    commands::{GrantRequest, TokenRequest},
    config::{AuthConfig, DatabaseConfig, LogConfig, NotifyConfig, ServerConfig},
    records_cli, server, telemetry,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xieshang: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let telemetry = telemetry::init(&LogConfig::from_env()?)?;
    let outcome = run_command(cli).await;
    // Off the async runtime: the exporter's flush blocks.
    tokio::task::spawn_blocking(move || telemetry.shutdown()).await?;
    outcome
}

async fn run_command(cli: Cli) -> anyhow::Result<()> {
    let database = DatabaseConfig::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let server = ServerConfig::from_env(database.is_embedded())?;
            server::serve(
                database,
                server,
                AuthConfig::from_env()?,
                NotifyConfig::from_env()?,
            )
            .await
        }
        Command::Migrate => commands::migrate(&database).await,
        Command::Seed {
            divisions,
            reset,
            no_demo,
            scale,
            fraction,
        } => commands::seed(&database, &divisions, reset, !no_demo, &scale, fraction).await,
        Command::Token {
            role,
            region,
            member,
            ttl,
            subject,
        } => {
            let request = TokenRequest {
                role,
                region,
                member,
                ttl,
                subject,
            };
            commands::token(&database, &AuthConfig::from_env()?, &request).await
        }
        Command::Grant {
            issuer,
            subject,
            role,
            region,
            member,
        } => {
            let request = GrantRequest {
                issuer,
                subject,
                role,
                region,
                member,
            };
            commands::grant(&database, &request).await
        }
        Command::Bench { runs, year } => {
            bench::command(&database, bench::BenchOptions { runs, year }).await
        }
        Command::Audit { action } => commands::audit(&database, action).await,
        Command::ExportSchema { output } => commands::export_schema(output.as_deref()),
        Command::Import {
            kind,
            file,
            region,
            dry_run,
        } => {
            let kind = records_cli::kind(&kind)?;
            records_cli::import(&database, kind, &file, region, dry_run).await
        }
        Command::Export {
            kind,
            region,
            output,
        } => records_cli::export(&database, records_cli::kind(&kind)?, &region, &output).await,
        Command::Template { kind, output } => {
            records_cli::template(records_cli::kind(&kind)?, &output)
        }
    }
}
