//! The options of a call: an operation's typed query parameters
//! ([`QueryParams`], [`NoParams`]), [`CallOptions`], and the `Call` they
//! become for the request.

use std::time::Duration;

#[cfg(doc)]
use super::ResourceExt;
use crate::job::{JobStatus, PollOptions};
use crate::request::Query;
#[cfg(doc)]
use crate::response::Response;

/// The typed query parameters of one operation: `ontap-codegen` writes a
/// struct of them for each operation that has its own (`validate_only` of
/// `PATCH /cluster/software`, `force` of `DELETE /storage/volumes/{uuid}`),
/// and each verb's marker trait names the struct its operation takes, so a
/// misspelled parameter, or one of another operation, does not compile.
///
/// ```
/// use ontap_core::{Query, QueryParams};
///
/// #[derive(Debug, Clone, Default)]
/// struct Force {
///     force: Option<bool>,
/// }
///
/// impl QueryParams for Force {
///     fn append_to(&self, query: &mut Query) {
///         if let Some(value) = &self.force {
///             query.push("force", value);
///         }
///     }
/// }
///
/// let mut query = Query::new();
/// Force { force: Some(true) }.append_to(&mut query);
/// assert_eq!(query.encode(), "force=true");
/// ```
pub trait QueryParams: std::fmt::Debug + Clone + Default + Send + Sync + 'static {
    /// Adds the parameters that are set to `query`.
    fn append_to(&self, query: &mut Query);
}

/// The parameters of an operation that has none of its own: only the
/// shared ones of [`CallOptions`] (`return_timeout`, ...) apply.
///
/// ```
/// use ontap_core::{NoParams, Query, QueryParams};
/// let mut query = Query::new();
/// NoParams.append_to(&mut query);
/// assert!(query.is_empty());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NoParams;

impl QueryParams for NoParams {
    fn append_to(&self, _: &mut Query) {}
}

/// Options of [`ResourceExt::post_with`], [`ResourceExt::patch_with`],
/// [`ResourceExt::patch_changes_with`], [`ResourceExt::delete_with`] and
/// the bulk verbs, with the Python library's meanings, and the operation's
/// typed query parameters `P` (see [`QueryParams`]); the verb infers `P`,
/// so `CallOptions::default()` fits every call. `post`, `patch`,
/// `patch_changes` and `delete` are their `_with` form with
/// `CallOptions::default()`.
///
/// ```
/// use std::time::Duration;
/// use ontap_core::CallOptions;
/// let options: CallOptions = CallOptions::default()
///     .hydrate(true)
///     .return_timeout(0)
///     .poll_interval(Duration::from_secs(1))
///     .on_progress(|status| println!("{:?}", status.message));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct CallOptions<P = NoParams> {
    hydrate: bool,
    poll: bool,
    poll_options: PollOptions,
    query: Query,
    params: P,
}

impl<P: Default> Default for CallOptions<P> {
    fn default() -> Self {
        CallOptions {
            hydrate: false,
            poll: true,
            poll_options: PollOptions::default(),
            query: Query::new(),
            params: P::default(),
        }
    }
}

impl<P: QueryParams> CallOptions<P> {
    /// Options with the operation's typed query parameters.
    ///
    /// ```
    /// # use ontap_core::{CallOptions, Query, QueryParams};
    /// # #[derive(Debug, Clone, Default)]
    /// # struct SoftwarePatchParams { validate_only: Option<bool> }
    /// # impl QueryParams for SoftwarePatchParams {
    /// #     fn append_to(&self, query: &mut Query) {
    /// #         if let Some(v) = &self.validate_only { query.push("validate_only", v); }
    /// #     }
    /// # }
    /// let options = CallOptions::with(SoftwarePatchParams { validate_only: Some(true) }).return_timeout(0);
    /// assert_eq!(options.query().encode(), "return_timeout=0&validate_only=true");
    /// ```
    pub fn with(params: P) -> Self {
        CallOptions {
            params,
            ..CallOptions::default()
        }
    }

    /// Replaces the typed query parameters.
    pub fn params(mut self, params: P) -> Self {
        self.params = params;
        self
    }

    /// Every query parameter the call sends: the untyped ones, then the
    /// typed ones that are set.
    pub fn query(&self) -> Query {
        let mut query = self.query.clone();
        self.params.append_to(&mut query);
        query
    }
}

impl<P> CallOptions<P> {
    /// After success, GET the object with every field (`fields=*`, which
    /// leaves out only the fields ONTAP calls expensive) and merge them into
    /// `self` (false by default).
    pub fn hydrate(mut self, hydrate: bool) -> Self {
        self.hydrate = hydrate;
        self
    }

    /// Wait for the job the server started (true by default). When false, the
    /// job is in [`Response::job`] for the caller to wait on.
    pub fn poll(mut self, poll: bool) -> Self {
        self.poll = poll;
        self
    }

    /// Time between polls of the job.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_options = self.poll_options.interval(interval);
        self
    }

    /// How long to wait for the job.
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.poll_options = self.poll_options.timeout(timeout);
        self
    }

    /// Called with each new state or message of the job.
    pub fn on_progress(mut self, callback: impl Fn(&JobStatus) + Send + Sync + 'static) -> Self {
        self.poll_options = self.poll_options.on_progress(callback);
        self
    }

    /// Asks the server to hold its answer up to `seconds` (0..=120) for the
    /// job to finish.
    pub fn return_timeout(self, seconds: u32) -> Self {
        self.param("return_timeout", seconds)
    }

    /// Any other query parameter, untyped (for one the model does not list).
    pub fn param(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push(name, value);
        self
    }

    /// The key of an enclosing object that the path needs, when the
    /// resource does not carry it (see [`Query::parent`]).
    pub fn parent(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query = self.query.parent(key, value);
        self
    }
}

/// What a call does around its request, with every query parameter it
/// sends (untyped and typed).
pub(super) struct Call {
    pub(super) hydrate: bool,
    pub(super) poll: bool,
    pub(super) poll_options: PollOptions,
    pub(super) query: Query,
}

impl<P: QueryParams> CallOptions<P> {
    pub(super) fn into_call(self) -> Call {
        let query = self.query();
        Call {
            hydrate: self.hydrate,
            poll: self.poll,
            poll_options: self.poll_options,
            query,
        }
    }
}
