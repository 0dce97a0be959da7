//! `gongkai keys`: create, list and revoke the API keys of the HTTP API's write and admin
//! routes (`DATA/keys.json`, see [`gongkai_archive::keys`]).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use gongkai_archive::keys::{KeyInfo, KeyStore, Scope};

/// Manage API keys.
#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: KeysCommand,
}

/// `gongkai keys` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it (once) on the last line of stdout.
    ///
    /// Clients send it as `Authorization: Bearer KEY`. Only its SHA-256 is stored (in
    /// `DATA/keys.json`, readable by its owner only): the key cannot be shown again, so store
    /// it now. The line before it names the key's id, name and scope; the key itself is alone
    /// on the last line, e.g. `gongkai keys create --scope write | tail -n 1`.
    Create {
        /// What the key may do.
        #[arg(long, value_name = "SCOPE", value_parser = scope_parser())]
        scope: Scope,
        /// A name to find and revoke it by: 1-64 characters, unique among keys not revoked
        /// [default: key-<hex digits of its id>].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// List keys (id, name, scope, created, revoked); never the secrets.
    ///
    /// Revoked keys are listed too, with the time they were revoked; oldest first.
    List {
        /// Print a JSON array of {id, name, scope, created, revoked} instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by name or id.
    ///
    /// A running server refuses the key from its next request on (401). Revoked keys stay
    /// listed; a revoked key's name may be given to a new key.
    Revoke {
        /// The key's id (`k_` and 12 hex digits, as `list` shows) or its name.
        #[arg(value_name = "NAME_OR_ID")]
        name_or_id: String,
    },
}

/// `--scope write|admin`, with each value explained in `--help`.
fn scope_parser() -> impl TypedValueParser<Value = Scope> {
    PossibleValuesParser::new([
        PossibleValue::new(Scope::Write.as_str())
            .help("The write routes: adding, updating and withdrawing documents"),
        PossibleValue::new(Scope::Admin.as_str())
            .help("The admin routes, and everything a write key may"),
    ])
    .try_map(|value| value.parse::<Scope>())
}

/// Runs `gongkai keys …` on the keys of `data_dir`.
pub fn run(data_dir: &Path, args: KeysArgs) -> Result<ExitCode> {
    let store = KeyStore::open(data_dir);
    let mut out = std::io::stdout().lock();
    match args.command {
        KeysCommand::Create { scope, name } => {
            let (info, secret) = store.create(name.as_deref(), scope)?;
            writeln!(
                out,
                "created key {} ({}, scope {}) in {}; store it now, it is not shown again",
                info.id,
                info.name,
                info.scope,
                store.path().display()
            )?;
            writeln!(out, "{secret}")?;
        }
        KeysCommand::List { json } => {
            let keys = store.list()?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&keys)?)?;
            } else if keys.is_empty() {
                writeln!(
                    out,
                    "no API keys in {} (create one with `gongkai keys create --scope write`)",
                    store.path().display()
                )?;
            } else {
                print_table(&mut out, &keys)?;
            }
        }
        KeysCommand::Revoke { name_or_id } => {
            let info = store.revoke(&name_or_id)?;
            writeln!(
                out,
                "revoked key {} ({}, scope {}) at {}",
                info.id,
                info.name,
                info.scope,
                info.revoked.as_deref().unwrap_or("now")
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One key a line; the name last, so that wide (Chinese) names need no padding.
fn print_table(out: &mut dyn Write, keys: &[KeyInfo]) -> std::io::Result<()> {
    const TIME: usize = "2026-01-01T00:00:00Z".len();
    let id = keys.iter().map(|k| k.id.len()).max().unwrap_or(0).max(2);
    writeln!(
        out,
        "{:id$}  {:5}  {:TIME$}  {:TIME$}  NAME",
        "ID", "SCOPE", "CREATED", "REVOKED"
    )?;
    for key in keys {
        writeln!(
            out,
            "{:id$}  {:5}  {:TIME$}  {:TIME$}  {}",
            key.id,
            key.scope.as_str(),
            key.created,
            key.revoked.as_deref().unwrap_or("-"),
            key.name
        )?;
    }
    Ok(())
}
