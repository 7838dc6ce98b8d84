//! The `peerbro` binary.

/// mimalloc in place of glibc's allocator: a GraphQL list allocates for every field of every
/// row, and glibc's `malloc`/`free` were about a fifth of the server's CPU on the 50-row list;
/// with mimalloc the list answers about a sixth more requests (docs/performance.md, ADR 0022).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
