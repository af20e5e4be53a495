//! The command line: `serve` (the default), `migrate`, `seed`, `export-schema`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// xieshang (协商): GraphQL service for the CPPCC consultation platforms.
#[derive(Debug, Parser)]
#[command(name = "xieshang", version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, load start-up data into an empty one, and serve HTTP.
    Serve,
    /// Apply pending schema migrations and exit.
    Migrate,
    /// Load the real divisions and the demo data set into the database.
    Seed {
        /// Which divisions to load: `zhejiang` (102 regions) or `china` (3,209).
        #[arg(long, default_value = "zhejiang")]
        divisions: String,
        /// Drop every table first (all data is lost).
        #[arg(long)]
        reset: bool,
        /// Load the divisions only, without the demo data set.
        #[arg(long)]
        no_demo: bool,
    },
    /// Print the GraphQL schema (SDL), or write it to a file.
    ExportSchema {
        /// File to write instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}
