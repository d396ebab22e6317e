//! SIGTERM and SIGINT, the two ways a container is asked to stop.
//!
//! `http` mode drains its steps on them (`stop_requested`). `run` hears them from its first moment
//! (`listen`), on a thread of its own: the step's one thread may be busy for a while (reading a large
//! message, checking a long input), and a stop must neither be missed nor left to the signal's
//! default, which ends a trigger with no event. What a stop does depends on where the step is, which
//! the pipeline says with `on_stop`:
//!
//! - `Note`: the stop is only noted; a running trigger stops by itself at its next step (finishing the
//!   event in flight and saving its state), and a step that is finishing prints its event;
//! - `Answer`: a trigger still starting (its message checked, its first reads) has delivered and saved
//!   nothing, so it ends at once with the stop event;
//! - `Exit`: any other step (an action, a task) ends as the signal's default would, exit 128 + the
//!   signal, as it always has.
//!
//! A stop that came while the step was not yet known (its message still on its way) is acted on as
//! soon as the pipeline says which it is.

use std::sync::{Mutex, Once, OnceLock, PoisonError};

use tokio::sync::watch;

/// The two signals' numbers, for the exit status of a step they end (128 + the number).
const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

/// Resolves on the first SIGTERM (what `docker stop` sends) or SIGINT (Ctrl-C), answering with its
/// number. Listening replaces the default action (ending the process), so a caller must stop by
/// itself once this resolves.
pub(crate) async fn stop_requested() -> i32 {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            eprintln!("ERROR: cannot listen for SIGINT: {error}");
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = interrupt => SIGINT,
        () = terminate() => SIGTERM,
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

/// What a stop does at once, on the listening thread (see the module doc).
pub(crate) enum OnStop {
    Note,
    Exit,
    /// Prints the stop event and answers with the exit status.
    Answer(Box<dyn FnOnce() -> i32 + Send>),
}

struct Listener {
    /// What the next stop does; also held while a stop is acted on, so the step cannot change it
    /// (and go on writing) while the stop is printing its event.
    on_stop: Mutex<OnStop>,
    /// The signal, once one came; set while `on_stop` is held.
    stopped: watch::Sender<Option<i32>>,
}

static LISTENER: OnceLock<Listener> = OnceLock::new();

/// Whether `listen` has run: only then does a stop not end the process by itself.
static LISTENING: Once = Once::new();

fn listener() -> &'static Listener {
    LISTENER.get_or_init(|| Listener {
        on_stop: Mutex::new(OnStop::Note),
        stopped: watch::channel(None).0,
    })
}

/// Starts listening for the process (once): from now on SIGTERM and SIGINT are noted rather than
/// ending the process, until the pipeline says otherwise. A failure to listen is said on stderr, and
/// the signals keep their default.
pub(crate) fn listen() {
    LISTENING.call_once(|| {
        listener();
        if let Err(error) = spawn_listener() {
            eprintln!("ERROR: cannot listen for SIGTERM and SIGINT: {error}");
        }
    });
}

/// Whether a stop has come, as a channel a waiting task can watch (one that never fires unless
/// `listen` ran).
pub(crate) fn subscribe() -> watch::Receiver<Option<i32>> {
    listener().stopped.subscribe()
}

/// Says what a stop does from now on; a stop that has come already is acted on now. Without
/// `listen` (as in `http` mode, which drains on stops of its own) this does nothing.
pub(crate) fn on_stop(action: OnStop) {
    if !LISTENING.is_completed() {
        return;
    }
    let listener = listener();
    let mut current = listener.on_stop.lock().unwrap_or_else(PoisonError::into_inner);
    let came = *listener.stopped.borrow();
    match came {
        Some(signal) => act(action, signal),
        None => *current = action,
    }
}

/// The signals are registered here, before the thread starts, so once `listen` returns no stop can
/// take the default; the thread only waits for them.
fn spawn_listener() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let signals = {
        let _context = runtime.enter();
        Signals::register()?
    };
    std::thread::Builder::new()
        .name("stop-signals".to_owned())
        .spawn(move || {
            let signal = runtime.block_on(signals.next());
            stopped(signal);
        })?;
    Ok(())
}

fn stopped(signal: i32) {
    let listener = listener();
    let mut current = listener.on_stop.lock().unwrap_or_else(PoisonError::into_inner);
    listener.stopped.send_replace(Some(signal));
    let action = std::mem::replace(&mut *current, OnStop::Note);
    act(action, signal);
}

/// Runs while `on_stop` is held: an `Answer` or an `Exit` ends the process before anyone else writes.
fn act(action: OnStop, signal: i32) {
    match action {
        OnStop::Note => {}
        OnStop::Exit => std::process::exit(128 + signal),
        OnStop::Answer(answer) => std::process::exit(answer()),
    }
}

#[cfg(unix)]
struct Signals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn register() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    async fn next(mut self) -> i32 {
        tokio::select! {
            _ = self.terminate.recv() => SIGTERM,
            _ = self.interrupt.recv() => SIGINT,
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn register() -> std::io::Result<Signals> {
        Ok(Signals)
    }

    async fn next(self) -> i32 {
        let _ = tokio::signal::ctrl_c().await;
        SIGINT
    }
}
