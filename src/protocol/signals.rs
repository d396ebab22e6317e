//! SIGTERM and SIGINT, the two ways a container is asked to stop: `http` mode drains its steps on them,
//! a running trigger finishes the event in flight and saves its state.

/// Resolves on the first SIGTERM (what `docker stop` sends) or SIGINT (Ctrl-C). Listening replaces
/// the default action (ending the process), so a caller must stop by itself once this resolves.
pub(crate) async fn stop_requested() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            eprintln!("ERROR: cannot listen for SIGINT: {error}");
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate() => {}
    }
}

#[cfg(unix)]
async fn terminate() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            terminate.recv().await;
        }
        Err(error) => {
            eprintln!("ERROR: cannot listen for SIGTERM: {error}");
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(not(unix))]
async fn terminate() {
    std::future::pending::<()>().await;
}
