//! Reading a collection page by page ([`Page`]): one request a page, the
//! next one read ahead, its `next` links followed until they end, repeat
//! (remembered in a bounded window), leave `/api/` or bring only empty pages.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::marker::PhantomData;
use std::ops::Range;

use futures::future::{BoxFuture, FutureExt};
use futures::stream::{self, BoxStream, StreamExt};
use http::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use tracing::Instrument as _;

#[cfg(doc)]
use super::ResourceExt;
use super::operation_span;
use crate::connection::HostConnection;
use crate::error::Error;
use crate::hal::Links;
use crate::request::{self, Query, RequestSpec};
use crate::resource::Resource;
use crate::response::Response;

/// One page of a collection, as [`ResourceExt::get_pages`] reads it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<R> {
    /// The page's records, decoded, in the server's order; empty when the
    /// query says `return_records=false`.
    pub records: Vec<R>,
    /// The page's `num_records`, as the server sent it: how many records
    /// the page holds, or with `return_records=false`, how many objects
    /// match.
    pub num_records: Option<u64>,
    /// The page's `_links.next.href`, as the server wrote it; `None` on the
    /// last page. The stream follows it, unless it ends there with an
    /// error ([`Error::UnexpectedLink`], [`Error::EmptyPages`]) or the link
    /// repeats.
    pub next: Option<String>,
}

/// How many of the last `next` links a collection stream remembers to see
/// a loop: a cycle of at most this many pages is caught.
const REMEMBERED_LINKS: usize = 1024;

/// The last [`REMEMBERED_LINKS`] links, as 64-bit hashes: a window, so its
/// memory is bounded however many pages a collection has.
struct RecentLinks {
    hasher: RandomState,
    order: VecDeque<u64>,
    set: HashSet<u64>,
    capacity: usize,
}

impl RecentLinks {
    fn new(capacity: usize) -> Self {
        RecentLinks {
            hasher: RandomState::new(),
            order: VecDeque::with_capacity(capacity.min(64)),
            set: HashSet::with_capacity(capacity.min(64)),
            capacity: capacity.max(1),
        }
    }

    /// Remembers `link`; false when it is one of the remembered ones.
    fn insert(&mut self, link: &str) -> bool {
        let hash = self.hasher.hash_one(link);
        if !self.set.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.set.remove(&oldest);
        }
        true
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.order.len()
    }
}

/// A page being read ahead, on its own task; dropping it stops the read.
struct Prefetch {
    task: tokio::task::JoinHandle<Result<Response, Error>>,
    conn: HostConnection,
    spec: RequestSpec,
}

impl Prefetch {
    fn start(conn: &HostConnection, spec: RequestSpec) -> Prefetch {
        let task = {
            let (conn, spec) = (conn.clone(), spec.clone());
            tokio::spawn(async move { conn.execute(&spec).await }.in_current_span())
        };
        Prefetch {
            task,
            conn: conn.clone(),
            spec,
        }
    }

    async fn answer(&mut self) -> Result<Response, Error> {
        match (&mut self.task).await {
            Ok(answer) => answer,
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            // Cancelled: the runtime that ran the task shut down. A GET can
            // be sent again, here.
            Err(_) => self.conn.execute(&self.spec).await,
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A page's `_links`, read before its records so that the next page can be
/// asked for while they are decoded; of the records, only where each lies.
#[derive(Deserialize)]
struct PageHead<'a> {
    #[serde(default, borrow)]
    records: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    num_records: Option<u64>,
    #[serde(rename = "_links", default)]
    links: Option<Links>,
}

/// A page as read: its answer, where each of its records lies in the body, and
/// its count and `next` link. Its records are decoded when asked for: all at
/// once ([`RawPage::decode`]), or one at a time as a stream takes them, so that
/// a page in memory is its body, not its records (a volume with every field is
/// some 10 KB as a struct and 0.7 KB as JSON).
pub(crate) struct RawPage {
    response: Response,
    /// Each record's bytes in the body, in order.
    spans: Vec<Range<usize>>,
    num_records: Option<u64>,
    next: Option<String>,
}

impl RawPage {
    /// The record at `index`, decoded.
    fn record<T: DeserializeOwned>(&self, index: usize) -> Result<T, Error> {
        let bytes = &self.response.body()[self.spans[index].clone()];
        serde_json::from_slice(bytes).map_err(|source| self.response.decode_error(source))
    }

    /// The page with its records decoded.
    fn decode<T: DeserializeOwned>(self) -> Result<Page<T>, Error> {
        let records = (0..self.spans.len())
            .map(|index| self.record(index))
            .collect::<Result<_, _>>()?;
        Ok(Page {
            records,
            num_records: self.num_records,
            next: self.next,
        })
    }
}

/// Where a collection stream stands between two pages.
struct PageState {
    conn: HostConnection,
    /// The next page, not asked for yet (the first one).
    next: Option<RequestSpec>,
    /// The next page, being read.
    ahead: Option<Prefetch>,
    /// Why the stream ends after the page just yielded: its `next` link
    /// is not followed.
    stop: Option<Error>,
    seen: RecentLinks,
    /// Empty pages read in a row, each with a `next` link.
    empty_in_row: u32,
    max_empty: u32,
    /// The first page's path and query, for the error.
    first: String,
    /// `ontap.operation` of the whole stream: each page is read in it.
    span: tracing::Span,
    /// `return_records=false`: pages carry no `records`.
    records_optional: bool,
    /// The release guard's check, run before the first page is read.
    unchecked: Option<BoxFuture<'static, Result<(), Error>>>,
    /// The collection's path template, for every page's span.
    route: Option<String>,
}

/// The pages of a collection, one request each, their records not decoded yet.
///
/// `R` gives the path, the release guard's table and the span.
pub(super) fn pages<R: Resource>(conn: HostConnection, query: Query) -> BoxStream<'static, Result<RawPage, Error>> {
    let first = request::collection_path_with(&R::default(), &query)
        .map(|path| RequestSpec::new(Method::GET, &path, &query).with_route(request::collection_route::<R>()));
    let first = match first {
        Ok(spec) => spec,
        Err(err) => return stream::once(async move { Err(err) }).boxed(),
    };
    let span = operation_span::<R>("get_collection", || request::collection_path(&R::default()));
    let guard = {
        let (conn, query) = (conn.clone(), query.clone());
        async move { crate::guard::check::<R>(&conn, crate::guard::Op::Collection, &query, None).await }.boxed()
    };
    pages_from(conn, first, &query, span, Some(guard))
}

/// The pages that `first` (a GET whose query is `query`) begins, read in
/// `span`, after `guard` when there is one.
pub(crate) fn pages_from(
    conn: HostConnection,
    first: RequestSpec,
    query: &Query,
    span: tracing::Span,
    guard: Option<BoxFuture<'static, Result<(), Error>>>,
) -> BoxStream<'static, Result<RawPage, Error>> {
    let mut seen = RecentLinks::new(REMEMBERED_LINKS);
    seen.insert(first.path_and_query());
    let route = first.route().map(str::to_owned);
    let state = PageState {
        span,
        conn,
        first: first.path_and_query().to_owned(),
        next: Some(first),
        ahead: None,
        stop: None,
        seen,
        empty_in_row: 0,
        max_empty: query.get_max_empty_pages().max(1),
        records_optional: query.get("return_records") == Some("false"),
        unchecked: guard,
        route,
    };
    stream::try_unfold(state, |state| {
        let span = state.span.clone();
        next_page(state).instrument(span)
    })
    .boxed()
}

/// Reads the next page of a collection stream, and starts the one after.
async fn next_page(mut state: PageState) -> Result<Option<(RawPage, PageState)>, Error> {
    {
        if let Some(err) = state.stop.take() {
            return Err(err);
        }
        if let Some(guard) = state.unchecked.take() {
            guard.await?;
        }
        let mut fetch = match (state.ahead.take(), state.next.take()) {
            (Some(fetch), _) => fetch,
            (None, Some(spec)) => Prefetch::start(&state.conn, spec),
            (None, None) => return Ok(None),
        };
        let response = fetch.answer().await?;
        let PageHead {
            records,
            num_records,
            links,
        } = response.decode_borrowed()?;
        let body = response.body().as_ptr() as usize;
        let spans: Option<Vec<Range<usize>>> = records.map(|records| {
            records
                .iter()
                .map(|raw| {
                    let start = raw.get().as_ptr() as usize - body;
                    start..start + raw.get().len()
                })
                .collect()
        });
        let count = spans.as_ref().map(Vec::len);
        if count.is_none() && !state.records_optional {
            return Err(response.decode_error_text("a collection page without `records`"));
        }
        let href = links.and_then(|links| links.next).map(|link| link.href);
        let next = match href.clone() {
            None => None,
            Some(href) => match RequestSpec::from_href(&href).map(|spec| match &state.route {
                Some(route) => spec.with_route(route.clone()),
                None => spec,
            }) {
                Some(spec) if state.seen.insert(spec.path_and_query()) => {
                    state.empty_in_row = if count.unwrap_or(0) == 0 {
                        state.empty_in_row + 1
                    } else {
                        0
                    };
                    if state.empty_in_row >= state.max_empty {
                        // A new cursor each time, and nothing on any page.
                        state.stop = Some(Error::EmptyPages {
                            path: state.first.clone(),
                            pages: state.empty_in_row,
                            next: href,
                        });
                        None
                    } else {
                        Some(spec)
                    }
                }
                Some(_) => {
                    tracing::warn!(href, "the collection's next link repeats; stopping");
                    None
                }
                None => {
                    // The page's records are good; the stream ends after them.
                    state.stop = Some(Error::UnexpectedLink { href });
                    None
                }
            },
        };
        // The next page is read while this one is decoded and consumed:
        // one page ahead, no more.
        state.ahead = next.map(|spec| Prefetch::start(&state.conn, spec));
        let page = RawPage {
            response,
            spans: spans.unwrap_or_default(),
            num_records,
            next: href,
        };
        Ok(Some((page, state)))
    }
}

/// The pages of a stream of raw pages, each decoded whole.
pub(crate) fn decoded<T: DeserializeOwned + Send + 'static>(
    pages: BoxStream<'static, Result<RawPage, Error>>,
) -> BoxStream<'static, Result<Page<T>, Error>> {
    pages.map(|page| page.and_then(RawPage::decode)).boxed()
}

/// The records of a stream of raw pages, one at a time, in order, each decoded
/// as it is taken; an error ends the stream.
pub(crate) fn records<T: DeserializeOwned + Send + 'static>(
    pages: BoxStream<'static, Result<RawPage, Error>>,
) -> BoxStream<'static, Result<T, Error>> {
    RecordStream {
        pages: Some(pages),
        current: None,
        index: 0,
        record: PhantomData,
    }
    .boxed()
}

/// The records of the page at hand, decoded as they are taken, then those of
/// the next page.
struct RecordStream<T> {
    /// `None` once the stream has ended.
    pages: Option<BoxStream<'static, Result<RawPage, Error>>>,
    current: Option<RawPage>,
    /// The next record of `current`.
    index: usize,
    record: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> futures::Stream for RecordStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(page) = &this.current
                && this.index < page.spans.len()
            {
                let record = page.record(this.index);
                this.index += 1;
                if record.is_err() {
                    this.pages = None;
                    this.current = None;
                }
                return std::task::Poll::Ready(Some(record));
            }
            // The page is done: its body is freed before the next one is waited for.
            this.current = None;
            let Some(pages) = &mut this.pages else {
                return std::task::Poll::Ready(None);
            };
            match std::task::ready!(pages.poll_next_unpin(cx)) {
                Some(Ok(page)) => {
                    this.current = Some(page);
                    this.index = 0;
                }
                Some(Err(err)) => {
                    this.pages = None;
                    return std::task::Poll::Ready(Some(Err(err)));
                }
                None => {
                    this.pages = None;
                    return std::task::Poll::Ready(None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_check_remembers_a_bounded_window_of_links() {
        let mut seen = RecentLinks::new(4);
        for i in 0..10_000 {
            assert!(seen.insert(&format!("/storage/volumes?start={i}")));
            assert!(seen.len() <= 4);
        }
        // The last four repeat; older ones have been forgotten.
        assert!(!seen.insert("/storage/volumes?start=9999"));
        assert!(!seen.insert("/storage/volumes?start=9996"));
        assert!(seen.insert("/storage/volumes?start=9995"));
        assert_eq!(seen.len(), 4);
    }

    #[test]
    fn a_cycle_within_the_window_is_caught() {
        let mut seen = RecentLinks::new(REMEMBERED_LINKS);
        let cycle: Vec<String> = (0..REMEMBERED_LINKS).map(|i| format!("/x?c={i}")).collect();
        assert!(cycle.iter().all(|link| seen.insert(link)));
        assert!(!seen.insert(&cycle[0]));
        assert_eq!(seen.len(), REMEMBERED_LINKS);
    }
}
