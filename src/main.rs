//! The plugin binary: everything lives in the library so the CLI, the HTTP server and the tests share one
//! code path; this file only turns the library's answer into the process exit status.

// Server mode spends a large share of each request in malloc/free across threads, where glibc's
// allocator contends on its arenas; mimalloc measured faster there (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(anomali_threatstream::run(std::env::args_os()));
}
