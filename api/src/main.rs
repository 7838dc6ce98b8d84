//! The `peerbro` binary.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match peerbro_api::cli::run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("peerbro: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
