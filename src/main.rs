//! The plugin binary: everything lives in the library so the CLI, the HTTP server and the tests share one
//! code path; this file only turns the library's answer into the process exit status.

#[cfg(target_env = "musl")]
mod allocator;

// The static (musl) build's allocator; the glibc build keeps glibc's.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: allocator::Split = allocator::Split;

fn main() {
    std::process::exit(anomali_threatstream::run(std::env::args_os()));
}
