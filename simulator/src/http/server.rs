//! The simulator's own thread and runtime, for the API and the dispatcher
//! receiver alike.
//!
//! Owning a runtime (rather than borrowing the caller's) lets plain `#[test]`
//! functions and `#[tokio::test]` ones use the simulator alike, and keeps a
//! blocked test from starving the server.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::rt::{Read, Write};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::http::response::Response;

/// Returned to hyper to make it close the connection without answering.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose by a simulator fault")
    }
}

impl std::error::Error for DropConnection {}

/// What answers each request: the API's routes, or the dispatcher receiver.
pub(crate) type Service = Arc<dyn Fn(Request<Incoming>) -> Answer + Send + Sync>;
pub(crate) type Answer = Pin<Box<dyn Future<Output = Result<Response, DropConnection>> + Send>>;

/// Two workers: enough to serve a slow fault and a fresh request at once on
/// a two-core CI machine.
const WORKERS: usize = 2;

pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

impl Running {
    /// Stops accepting, drops every open connection and waits for the thread.
    pub(crate) fn stop(self) {
        // An Err means the loop already ended, which is the goal anyway.
        let _ = self.shutdown.send(());
        let _ = self.thread.join();
    }
}

/// Binds before returning, so the address is known and connectable at once.
pub(crate) fn spawn(service: Service, port: u16, tls: Option<TlsAcceptor>) -> io::Result<Running> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .thread_name("threatstream-simulator")
        .enable_all()
        .build()?;
    let (shutdown, stopped) = oneshot::channel();
    let thread = std::thread::Builder::new()
        .name("threatstream-simulator".into())
        .spawn(move || runtime.block_on(accept_loop(listener, service, tls, stopped)))?;
    Ok(Running { addr, shutdown, thread })
}

async fn accept_loop(
    listener: std::net::TcpListener,
    service: Service,
    tls: Option<TlsAcceptor>,
    mut stopped: oneshot::Receiver<()>,
) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve(stream, Arc::clone(&service), tls.clone()));
                }
                // Usually out of file descriptors: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

async fn serve(stream: TcpStream, service: Service, tls: Option<TlsAcceptor>) {
    let _ = stream.set_nodelay(true);
    match tls {
        None => serve_http(TokioIo::new(stream), service).await,
        Some(acceptor) => {
            // A failed handshake (say, a client that does not trust the
            // certificate) concerns only that client.
            if let Ok(stream) = acceptor.accept(stream).await {
                serve_http(TokioIo::new(stream), service).await;
            }
        }
    }
}

async fn serve_http<I>(io: I, service: Service)
where
    I: Read + Write + Unpin + Send + 'static,
{
    let service = service_fn(move |request| service(request));
    // Errors here are a client hanging up or a DropConnection fault; either
    // way the connection is finished and nothing else is affected.
    let _ = http1::Builder::new().serve_connection(io, service).await;
}
