//! When a running trigger must stop: on SIGTERM or SIGINT, or when the orchestrator drops the terminate
//! flag file (protocol reference §3.6, runtime 6.5.0+ `trigger.py`).
//!
//! The flag is never deleted here: the orchestrator owns it, and a container whose flag is up is one
//! being retired, so a trigger started in it should stop at once too.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::watch;

/// How often the flag file is looked for while the trigger waits.
const FLAG_CHECK: Duration = Duration::from_millis(200);

#[derive(Debug)]
pub(crate) struct Stop {
    signalled: watch::Receiver<Option<i32>>,
    flag: PathBuf,
}

impl Stop {
    /// Hears the process's stop signals (see `signals`) and watches `flag`.
    pub(crate) fn listen(flag: PathBuf) -> Stop {
        Stop {
            signalled: crate::protocol::signals::subscribe(),
            flag,
        }
    }

    /// Whether a stop has been asked for.
    pub(crate) fn requested(&self) -> bool {
        self.signalled.borrow().is_some() || self.flag.exists()
    }

    /// Resolves once a stop is asked for.
    pub(crate) async fn wait(&self) {
        let mut signalled = self.signalled.clone();
        loop {
            if self.requested() {
                return;
            }
            tokio::select! {
                // A closed channel means the listener is gone; the flag still counts.
                changed = signalled.changed() => if changed.is_err() {
                    tokio::time::sleep(FLAG_CHECK).await;
                },
                () = tokio::time::sleep(FLAG_CHECK) => {}
            }
        }
    }

    /// Waits `duration`; `false` if a stop was asked for first.
    pub(crate) async fn sleep(&self, duration: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(duration) => !self.requested(),
            () = self.wait() => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_flag_file_stops_a_wait() {
        let dir = std::env::temp_dir().join(format!("stop-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let flag = dir.join("terminate_trigger.flag");
        let _ = std::fs::remove_file(&flag);
        let stop = Stop::listen(flag.clone());
        assert!(!stop.requested());
        assert!(stop.sleep(Duration::from_millis(10)).await, "no stop yet");
        std::fs::write(&flag, b"").unwrap();
        assert!(
            !stop.sleep(Duration::from_secs(30)).await,
            "the flag ends the sleep early"
        );
        assert!(stop.requested());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
