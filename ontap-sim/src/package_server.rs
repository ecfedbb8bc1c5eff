//! A tiny static file server for software packages (plain HTTP on loopback).

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::auth::{BasicAuth, unauthorized};

/// Serves a fixed set of files over plain HTTP on `127.0.0.1` (an ephemeral port), to be
/// the package server a simulated software download fetches from.
///
/// `GET /<name>` answers the file with its `Content-Length`; unknown names answer 404;
/// when Basic credentials are set, a request without them or with wrong ones answers 401.
/// It stops on [`PackageServer::shutdown`] or, without waiting, when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use ontap_sim::PackageServer;
///
/// let server = PackageServer::start(
///     [("image.tgz", vec![7u8; 1024])],
///     Some(("web", "secret")),
/// )
/// .await?;
/// assert!(server.url("image.tgz").starts_with("http://127.0.0.1:"));
/// assert!(server.url("image.tgz").ends_with("/image.tgz"));
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct PackageServer {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Files {
    files: HashMap<String, Bytes>,
    auth: Option<BasicAuth>,
}

impl PackageServer {
    /// Starts serving `files` (name → content) on `127.0.0.1:0`, optionally requiring HTTP
    /// Basic authentication with `basic_auth` = (username, password).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = ontap_sim::PackageServer::start([("a.tgz", b"abc".to_vec())], None::<(&str, &str)>).await?;
    /// # let _ = server;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start<I, N, B, U, P>(files: I, basic_auth: Option<(U, P)>) -> io::Result<PackageServer>
    where
        I: IntoIterator<Item = (N, B)>,
        N: Into<String>,
        B: Into<Bytes>,
        U: AsRef<str>,
        P: AsRef<str>,
    {
        let files = Arc::new(Files {
            files: files.into_iter().map(|(n, b)| (n.into(), b.into())).collect(),
            auth: basic_auth.map(|(u, p)| BasicAuth::new(u.as_ref(), p.as_ref())),
        });
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = listener.local_addr()?;
        let router = Router::new().fallback(serve_file).with_state(files);
        let (tx, mut rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(shutdown).await {
                tracing::warn!(error = %e, "package server stopped");
            }
        });
        Ok(PackageServer {
            addr,
            shutdown: tx,
            task: Some(task),
        })
    }

    /// The URL of a file: `http://127.0.0.1:PORT/<name>` (the name is used as given).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = ontap_sim::PackageServer::start([("a.tgz", b"abc".to_vec())], None::<(&str, &str)>).await?;
    /// assert_eq!(server.url("a.tgz"), format!("http://{}/a.tgz", server.addr()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn url(&self, name: &str) -> String {
        format!("http://{}/{}", self.addr, name.trim_start_matches('/'))
    }

    /// The address it listens on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = ontap_sim::PackageServer::start(Vec::<(String, Vec<u8>)>::new(), None::<(&str, &str)>).await?;
    /// assert!(server.addr().ip().is_loopback());
    /// # Ok(())
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and waits for the server task to end (open transfers are given a
    /// moment to finish, as in graceful shutdown).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = ontap_sim::PackageServer::start(Vec::<(String, Vec<u8>)>::new(), None::<(&str, &str)>).await?;
    /// server.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for PackageServer {
    fn drop(&mut self) {
        // Graceful: the server stops accepting and closes each connection after its
        // current response (or when its client goes away).
        self.shutdown.send_replace(true);
    }
}

async fn serve_file(State(files): State<Arc<Files>>, req: Request) -> Response {
    if let Some(auth) = &files.auth
        && !auth.check(req.headers())
    {
        return unauthorized();
    }
    let status_only = |status: StatusCode| {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = status;
        r
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return status_only(StatusCode::METHOD_NOT_ALLOWED);
    }
    let name = req.uri().path().trim_start_matches('/');
    let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
    match files.files.get(name.as_ref()) {
        Some(bytes) => {
            let mut r = Response::new(Body::from(bytes.clone()));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/octet-stream"),
            );
            r
        }
        None => status_only(StatusCode::NOT_FOUND),
    }
}
