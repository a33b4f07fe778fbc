//! The command line: `serve` (default), `migrate`, `clients create`,
//! `openapi`, `verify-audit`, `credit-recompute`.

use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::audit::Actor;
use crate::clients::{new_secret, register_client};
use crate::config::Settings;
use crate::schemas::client::CreateClient;
use crate::startup::{prepare_database, Application};

#[derive(Debug, Parser)]
#[command(name = "henan-safety", version, about = "Henan Work-Safety Service Platform API server")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply pending migrations and reference data, then exit.
    Migrate,
    /// Manage API clients.
    Clients {
        #[command(subcommand)]
        command: ClientsCommand,
    },
    /// Print the OpenAPI document (YAML) to standard output.
    Openapi,
    /// Check the audit trail's hash chain; exit status 1 when it is broken.
    VerifyAudit,
    /// Recompute every credit score from its events and compare with the
    /// stored one; exit status 1 on a difference unless `--fix` stored the
    /// recomputed scores.
    CreditRecompute {
        /// Store the recomputed score where it differs.
        #[arg(long)]
        fix: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Create a client and print its id and secret (shown only once).
    Create {
        #[arg(long)]
        name: String,
        /// admin, regulator, insurer, agency, enterprise or portal.
        #[arg(long)]
        role: String,
        /// Organisation the client acts for (insurer, agency, enterprise).
        #[arg(long)]
        organization: Option<Uuid>,
        /// Jurisdiction of a regulator (GB/T 2260 code; 410000 = province).
        #[arg(long)]
        region: Option<String>,
    },
}

pub type CliResult = Result<(), Box<dyn std::error::Error>>;

pub async fn run(cli: Cli) -> CliResult {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let bind = cli.settings.bind.clone();
            let settings = cli.settings;
            let app = tokio_block(move || Application::build(settings)).await??;
            tracing::info!(bind = %bind, port = app.port(), "serving; docs at /docs/, contract at /api/v1/openapi.json");
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let settings = cli.settings;
            tokio_block(move || prepare_database(&Settings { migrate_on_start: true, ..settings })).await??;
            println!("database is up to date");
        }
        Command::Clients { command: ClientsCommand::Create { name, role, organization, region } } => {
            let settings = cli.settings;
            let body = CreateClient { name, role, organization_id: organization, region_code: region };
            let (secret, hash) = new_secret().map_err(|e| e.to_string())?;
            let client = tokio_block(move || -> Result<_, String> {
                let pool =
                    prepare_database(&Settings { migrate_on_start: true, ..settings }).map_err(|e| e.to_string())?;
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                let actor = Actor::operator();
                conn.transaction(|conn| {
                    let client = register_client(conn, body, hash)?;
                    actor.record(
                        conn,
                        "client.create",
                        "client",
                        &client.id.to_string(),
                        client.region_code.as_ref(),
                    )?;
                    Ok(client)
                })
                .map_err(|e| describe(&e))
            })
            .await??;
            println!("client_id:     {}", client.id);
            println!("client_secret: {secret}");
            println!("role:          {}", client.role.as_str());
            println!("The secret is shown only now. Get a token with:");
            println!(
                "  curl -s -X POST http://{}/api/v1/auth/token -H 'Content-Type: application/json' \\\n    -d '{{\"client_id\":\"{}\",\"client_secret\":\"{secret}\"}}'",
                cli_bind_hint(),
                client.id
            );
        }
        Command::VerifyAudit => {
            let settings = cli.settings;
            let result = tokio_block(move || -> Result<_, String> {
                let pool =
                    prepare_database(&Settings { migrate_on_start: false, ..settings }).map_err(|e| e.to_string())?;
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                persistence::audit::verify_chain(&mut conn).map_err(|e| e.to_string())
            })
            .await??;
            match result.first_broken {
                None => println!("audit chain intact: {} records verified", result.records_checked),
                Some((id, reason)) => {
                    println!(
                        "audit chain BROKEN at record {id}: {reason} ({} records checked)",
                        result.records_checked
                    );
                    std::process::exit(1);
                }
            }
        }
        Command::Openapi => {
            print!("{}", crate::openapi::yaml()?);
        }
        Command::CreditRecompute { fix } => {
            let settings = cli.settings;
            let mismatches = tokio_block(move || -> Result<_, String> {
                let pool =
                    prepare_database(&Settings { migrate_on_start: false, ..settings }).map_err(|e| e.to_string())?;
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                let now = crate::clock::now();
                let today = domain::time::cst_date(now);
                // recompute_all commits a chunk of organisations per transaction itself.
                crate::credit::recompute_all(&mut conn, today, fix, now).map_err(|e| describe(&e))
            })
            .await??;
            for m in &mismatches {
                println!("organisation {}: stored {:?}, recomputed {:?}", m.organization_id, m.stored, m.computed);
            }
            match (mismatches.len(), fix) {
                (0, _) => println!("credit scores agree with their events"),
                (n, true) => println!("{n} stored scores recomputed and stored"),
                (n, false) => {
                    println!("{n} stored scores differ from their events (run with --fix to store them)");
                    std::process::exit(1);
                }
            }
        }
    }
    Ok(())
}

fn cli_bind_hint() -> String {
    std::env::var("HSP_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into())
}

/// A validation failure in words for the terminal.
fn describe(error: &crate::error::ApiError) -> String {
    let fields: Vec<String> =
        error.field_errors().iter().map(|f| format!("{}: {} ({})", f.field, f.message, f.code)).collect();
    if fields.is_empty() {
        error.to_string()
    } else {
        fields.join("; ")
    }
}

async fn tokio_block<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, std::io::Error> {
    actix_web::rt::task::spawn_blocking(work).await.map_err(|e| std::io::Error::other(e.to_string()))
}
