//! The plugin binary: everything lives in the library so the CLI, the HTTP server and the tests share one
//! code path; this file only turns the library's answer into the process exit status.

fn main() {
    std::process::exit(anomali_threatstream::run(std::env::args_os()));
}
