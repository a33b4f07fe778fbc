use clap::Parser;
use tracing_subscriber::EnvFilter;

#[actix_web::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let cli = api::cli::Cli::parse();
    if let Err(error) = api::cli::run(cli).await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
