//! The private CLI passthrough (`/api/private/cli/...`): an ONTAP command that
//! REST lacks, sent with the verb the caller states, its words as the path.

use futures::stream::{BoxStream, StreamExt};
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument as _;

use crate::connection::HostConnection;
use crate::error::Error;
use crate::job::PollOptions;
use crate::request::{Query, RequestSpec, check_segment, encode_component};
use crate::response::Response;

/// The privilege level a CLI command runs at (`privilege_level`); ONTAP runs
/// it at `admin` when none is given.
///
/// ```
/// use ontap_core::{Cli, PrivilegeLevel};
/// let cli = Cli::get("volume").privilege_level(PrivilegeLevel::Advanced);
/// assert_eq!(cli.request().unwrap().path_and_query(), "/private/cli/volume?privilege_level=advanced");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrivilegeLevel {
    /// The default level.
    Admin,
    /// The commands of `set -privilege advanced`.
    Advanced,
    /// The commands of `set -privilege diagnostic`.
    Diagnostic,
}

impl PrivilegeLevel {
    /// The value ONTAP reads: `admin`, `advanced` or `diagnostic`.
    ///
    /// ```
    /// assert_eq!(ontap_core::PrivilegeLevel::Diagnostic.as_str(), "diagnostic");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            PrivilegeLevel::Admin => "admin",
            PrivilegeLevel::Advanced => "advanced",
            PrivilegeLevel::Diagnostic => "diagnostic",
        }
    }
}

/// One command through ONTAP's private CLI passthrough, for what REST lacks.
///
/// The verb is the caller's, never guessed from the command: a `show` is a
/// GET of the command's object (`volume show` is `Cli::get("volume")`), a
/// `create`, `modify` or `delete` is a POST, PATCH or DELETE of it, and any
/// other command is a POST of all its words (`Cli::post("volume offline")`).
/// The words go in the path (`/api/private/cli/volume/offline`), each encoded;
/// fields, filters and paging go in [`Cli::query`] as for collections, the
/// command's parameters in [`Cli::body`]. A GET is read page by page with
/// [`Cli::rows`]; any verb is sent once with [`Cli::send`], which waits for
/// the job when the answer carries one. Requests are retried only where safe
/// (GET), and secrets in the body (`password` and the like) are masked in
/// errors and logs as in every request.
///
/// ```no_run
/// # async fn run(conn: ontap_core::HostConnection) -> Result<(), ontap_core::Error> {
/// use futures::TryStreamExt;
/// use ontap_core::{Cli, Query};
/// // volume show -vserver vs0 -fields size,state
/// let query = Query::new().fields(["size", "state"]).filter("vserver", "vs0");
/// let rows: Vec<serde_json::Value> = Cli::get("volume").query(query).rows(&conn).try_collect().await?;
/// // volume offline -vserver vs0 -volume vol1
/// Cli::post("volume offline")
///     .body(serde_json::json!({"vserver": "vs0", "volume": "vol1"}))
///     .send(&conn)
///     .await?;
/// # let _ = rows; Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Cli {
    method: Method,
    command: String,
    query: Query,
    body: Option<Value>,
    poll: bool,
    poll_options: PollOptions,
}

impl Cli {
    fn new(method: Method, command: &str) -> Cli {
        Cli {
            method,
            command: command.to_owned(),
            query: Query::new(),
            body: None,
            poll: true,
            poll_options: PollOptions::default(),
        }
    }

    /// A `show`: GET of the command's object (`Cli::get("network interface")`
    /// is `network interface show`).
    pub fn get(command: &str) -> Cli {
        Cli::new(Method::GET, command)
    }

    /// A `create`, or any command that is not a show, modify or delete, with
    /// all its words (`Cli::post("system node reboot")`).
    pub fn post(command: &str) -> Cli {
        Cli::new(Method::POST, command)
    }

    /// A `modify` of the objects the query selects.
    pub fn patch(command: &str) -> Cli {
        Cli::new(Method::PATCH, command)
    }

    /// A `delete` of the objects the query selects.
    pub fn delete(command: &str) -> Cli {
        Cli::new(Method::DELETE, command)
    }

    /// The query: `fields`, filters (`vserver=vs0`), `max_records`, other
    /// parameters.
    pub fn query(mut self, query: Query) -> Cli {
        self.query = query;
        self
    }

    /// The privilege level to run at.
    pub fn privilege_level(mut self, level: PrivilegeLevel) -> Cli {
        self.query.push("privilege_level", level.as_str());
        self
    }

    /// The command's parameters, as a JSON object of CLI names.
    pub fn body(mut self, body: Value) -> Cli {
        self.body = Some(body);
        self
    }

    /// Whether [`Cli::send`] waits for a job the answer names (true by default).
    pub fn poll(mut self, poll: bool) -> Cli {
        self.poll = poll;
        self
    }

    /// How a job is waited for.
    pub fn poll_options(mut self, options: PollOptions) -> Cli {
        self.poll_options = options;
        self
    }

    /// The request this command sends. A command without words, or with a
    /// word that is a dot segment, is refused ([`Error::Config`],
    /// [`Error::InvalidKey`]).
    ///
    /// ```
    /// let spec = ontap_core::Cli::post("system node reboot").request().unwrap();
    /// assert_eq!(spec.path_and_query(), "/private/cli/system/node/reboot");
    /// assert!(ontap_core::Cli::get("  ").request().is_err());
    /// assert!(ontap_core::Cli::get("volume ..").request().is_err());
    /// ```
    pub fn request(&self) -> Result<RequestSpec, Error> {
        let mut path = String::from("/private/cli");
        for word in self.command.split_whitespace() {
            check_segment("CLI", "command", word)?;
            path.push('/');
            path.push_str(&encode_component(word));
        }
        if path == "/private/cli" {
            return Err(Error::Config("a CLI command needs at least one word".into()));
        }
        let spec = RequestSpec::new(self.method.clone(), &path, &self.query);
        Ok(match &self.body {
            Some(body) => spec.with_body(body.clone()),
            None => spec,
        })
    }

    fn span(&self) -> tracing::Span {
        tracing::debug_span!("ontap.operation", resource = "CLI", verb = %self.method, command = %self.command)
    }

    /// The rows of a GET, page by page, as the collections read them (the
    /// next page read ahead, `_links.next` followed, loops and empty pages
    /// stopped), each decoded into `T` (`serde_json::Value`, or a type of
    /// your own with the CLI's field names). Another verb is [`Error::Config`].
    pub fn rows<T: DeserializeOwned + Send + 'static>(
        &self,
        conn: &HostConnection,
    ) -> BoxStream<'static, Result<T, Error>> {
        let first = match self.request() {
            Ok(_) if self.method != Method::GET => Err(Error::Config(format!(
                "rows read a CLI show (GET); `{}` is a {}: use send",
                self.command, self.method
            ))),
            other => other,
        };
        let first = match first {
            Ok(first) => first,
            Err(err) => return futures::stream::once(async move { Err(err) }).boxed(),
        };
        crate::verbs::records(crate::verbs::pages_from(
            conn.clone(),
            first,
            &self.query,
            self.span(),
            None,
        ))
    }

    /// Sends the command once (a GET may be retried as any GET), and with
    /// [`Cli::poll`] on, waits for the job its answer names; a job that does
    /// not succeed is an error, as for the verbs of resources. The answer's
    /// body is in the [`Response`] (`records`, `num_records`, `cli_output`...).
    pub async fn send(&self, conn: &HostConnection) -> Result<Response, Error> {
        let spec = self.request()?;
        async {
            let mut response = conn.execute(&spec).await?;
            crate::verbs::wait_for_started_job(conn, &mut response, self.poll, &self.poll_options).await?;
            Ok(response)
        }
        .instrument(self.span())
        .await
    }
}
