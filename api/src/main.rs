use clap::Parser;
use tracing_subscriber::EnvFilter;

#[actix_web::main]
async fn main() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Structured logs for collectors with HSP_LOG_FORMAT=json; readable text otherwise.
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("HSP_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().with_current_span(true).init();
    } else {
        logs.init();
    }
    let cli = api::cli::Cli::parse();
    if let Err(error) = api::cli::run(cli).await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
