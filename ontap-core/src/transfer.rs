//! What is not JSON: a file uploaded in a multipart form, streamed as it is read
//! ([`Upload`]: a software package, a volume file's data), and a volume file's contents
//! read by byte range from a multipart answer ([`VolumeFile`]).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use http::Method;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::connection::{HostConnection, Streamed};
use crate::error::Error;
use crate::job::PollOptions;
use crate::request::{Query, RequestSpec, encode_component};
use crate::response::Response;

/// How much of a file is read at a time to be sent.
const CHUNK: usize = 64 << 10;

/// The most ONTAP reads or writes of a volume file in one request: 1 MB.
pub const MAX_FILE_RANGE: u64 = 1 << 20;

/// Called with the bytes of the file sent so far.
pub type UploadProgress = Arc<dyn Fn(u64) + Send + Sync>;

/// One file sent to the cluster in a multipart form (`multipart/form-data`), streamed:
/// it is read a piece at a time as the request goes out, never whole into memory. The
/// software package upload is `Upload::post("/cluster/software/upload")` (the form's
/// field `file`, ONTAP's and NetApp's client's); a volume file's data is
/// [`VolumeFile::write`]. The request is sent once, never retried (its body is gone once
/// read), within the handle's deadline and time-out
/// ([`HostConnection::with_timeout`] for a large file); the job its answer names is
/// waited for.
///
/// ```no_run
/// # async fn run(conn: ontap_core::HostConnection) -> Result<(), ontap_core::Error> {
/// use std::time::Duration;
/// use ontap_core::Upload;
/// let patient = conn.with_timeout(Duration::from_secs(3600));
/// let response = Upload::post("/cluster/software/upload")
///     .on_progress(|sent| eprintln!("{sent} bytes sent"))
///     .send_file(&patient, "/images/ontap-9.16.1-image.tgz")
///     .await?;
/// println!("{:?}", response.job_status().map(|s| &s.state));
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct Upload {
    method: Method,
    path: String,
    query: Query,
    field: String,
    file_name: Option<String>,
    progress: Option<UploadProgress>,
    poll: bool,
    poll_options: PollOptions,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("field", &self.field)
            .field("file_name", &self.file_name)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

impl Upload {
    fn new(method: Method, path: &str) -> Upload {
        Upload {
            method,
            path: path.to_owned(),
            query: Query::new(),
            field: "file".to_owned(),
            file_name: None,
            progress: None,
            poll: true,
            poll_options: PollOptions::default(),
        }
    }

    /// A `POST` of the form to `path` (below `/api`).
    pub fn post(path: &str) -> Upload {
        Upload::new(Method::POST, path)
    }

    /// A `PATCH` of the form to `path` (below `/api`).
    pub fn patch(path: &str) -> Upload {
        Upload::new(Method::PATCH, path)
    }

    /// The form field that holds the file (`file` unless set).
    pub fn field(mut self, name: &str) -> Upload {
        self.field = name.to_owned();
        self
    }

    /// The file name the form gives (by default the file's own name, or the field's).
    pub fn file_name(mut self, name: &str) -> Upload {
        self.file_name = Some(name.to_owned());
        self
    }

    /// The query parameters (`byte_offset`, `return_timeout`, ...).
    pub fn query(mut self, query: Query) -> Upload {
        self.query = query;
        self
    }

    /// Called as the file goes out, with the bytes sent so far.
    pub fn on_progress(mut self, progress: impl Fn(u64) + Send + Sync + 'static) -> Upload {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Whether the job the answer names is waited for (true by default).
    pub fn poll(mut self, poll: bool) -> Upload {
        self.poll = poll;
        self
    }

    /// How that job is waited for.
    pub fn poll_options(mut self, options: PollOptions) -> Upload {
        self.poll_options = options;
        self
    }

    /// Sends the file at `path`, read as it goes out.
    pub async fn send_file(&self, conn: &HostConnection, path: impl AsRef<Path>) -> Result<Response, Error> {
        let path = path.as_ref();
        let unreadable = |e: std::io::Error| Error::Config(format!("{} cannot be read: {e}", path.display()));
        let file = tokio::fs::File::open(path).await.map_err(unreadable)?;
        let length = file.metadata().await.map_err(unreadable)?.len();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        self.send(conn, file, Some(length), name).await
    }

    /// Sends what `reader` gives, `length` bytes (the request then says how long it
    /// is; a reader that ends early or goes on is an error of the request).
    pub async fn send_reader<R>(&self, conn: &HostConnection, reader: R, length: u64) -> Result<Response, Error>
    where
        R: AsyncRead + Send + Unpin + 'static,
    {
        self.send(conn, reader.take(length), Some(length), None).await
    }

    /// Sends `data`, held in memory.
    pub async fn send_bytes(&self, conn: &HostConnection, data: Bytes) -> Result<Response, Error> {
        let length = data.len() as u64;
        self.send(conn, std::io::Cursor::new(data), Some(length), None).await
    }

    async fn send<R>(
        &self,
        conn: &HostConnection,
        reader: R,
        length: Option<u64>,
        own_name: Option<String>,
    ) -> Result<Response, Error>
    where
        R: AsyncRead + Send + Unpin + 'static,
    {
        let name = self
            .file_name
            .clone()
            .or(own_name)
            .unwrap_or_else(|| self.field.clone());
        let boundary = format!("ontap-rs-{:016x}", rand_u64());
        let head = Bytes::from(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n",
            quoted(&self.field),
            quoted(&name)
        ));
        let tail = Bytes::from(format!("\r\n--{boundary}--\r\n"));
        let total = length.map(|n| head.len() as u64 + n + tail.len() as u64);
        let sent = Arc::new(AtomicU64::new(0));
        let progress = self.progress.clone();
        let file = stream::unfold(reader, |mut reader| async move {
            let mut chunk = vec![0u8; CHUNK];
            match reader.read(&mut chunk).await {
                Ok(0) => None,
                Ok(n) => {
                    chunk.truncate(n);
                    Some((Ok::<Bytes, std::io::Error>(Bytes::from(chunk)), reader))
                }
                Err(e) => Some((Err(e), reader)),
            }
        })
        .map(move |chunk| {
            if let (Ok(bytes), Some(progress)) = (&chunk, &progress) {
                progress(sent.fetch_add(bytes.len() as u64, Ordering::Relaxed) + bytes.len() as u64);
            }
            chunk
        });
        let body: BoxStream<'static, Result<Bytes, std::io::Error>> = stream::once(async { Ok(head) })
            .chain(file)
            .chain(stream::once(async { Ok(tail) }))
            .boxed();
        let spec = RequestSpec::new(self.method.clone(), &self.path, &self.query);
        let streamed = Streamed {
            body: crate::transport::Body::from_stream(body),
            content_type: format!("multipart/form-data; boundary={boundary}"),
            length: total,
        };
        let mut response = conn.send_streamed(&spec, streamed).await?;
        crate::verbs::wait_for_started_job(conn, &mut response, self.poll, &self.poll_options).await?;
        Ok(response)
    }
}

/// A text for a quoted parameter of `Content-Disposition`: `"` and line breaks escaped.
fn quoted(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace(['\r', '\n'], " ")
}

/// A value for a boundary that no file is likely to hold.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// A file of a volume, read and written by byte range (`/storage/volumes/{uuid}/files/{path}`):
/// its contents travel in multipart forms, not JSON, at most [`MAX_FILE_RANGE`] a request.
///
/// ```no_run
/// # async fn run(conn: ontap_core::HostConnection) -> Result<(), ontap_core::Error> {
/// use futures::TryStreamExt;
/// use ontap_core::VolumeFile;
/// let file = VolumeFile::new("1cd8a442-86d1-11e0-ae1c-123478563412", "logs/app.log");
/// file.create(&conn, ontap_core::bytes::Bytes::from_static(b"hello ")).await?;
/// file.write(&conn, 6, ontap_core::bytes::Bytes::from_static(b"world")).await?;
/// assert_eq!(&file.read(&conn, 0, 11).await?[..], b"hello world");
/// let mut whole = file.read_all(&conn, 0);
/// while let Some(piece) = whole.try_next().await? {
///     println!("{} bytes", piece.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeFile {
    volume: String,
    path: String,
}

impl VolumeFile {
    /// The file at `path` (relative to the volume's root) of the volume `volume_uuid`.
    pub fn new(volume_uuid: &str, path: &str) -> VolumeFile {
        VolumeFile {
            volume: volume_uuid.to_owned(),
            path: path.trim_start_matches('/').to_owned(),
        }
    }

    /// Its path below `/api`; the file's path is one segment (`/` written `%2F`, `.`
    /// `%2E`, as ONTAP reads it). A dot-segment volume key is refused.
    fn api_path(&self) -> Result<String, Error> {
        crate::request::check_segment("VolumeFile", "volume.uuid", &self.volume)?;
        let path = encode_component(&self.path).replace('.', "%2E");
        Ok(format!(
            "/storage/volumes/{}/files/{path}",
            encode_component(&self.volume)
        ))
    }

    /// Reads `length` bytes (at most [`MAX_FILE_RANGE`]) from `offset`: fewer where the
    /// file ends. One GET, retried as any GET.
    pub async fn read(&self, conn: &HostConnection, offset: u64, length: u64) -> Result<Bytes, Error> {
        if length > MAX_FILE_RANGE {
            return Err(Error::Config(format!(
                "a volume file is read {MAX_FILE_RANGE} bytes at most at a time, not {length}"
            )));
        }
        let query = Query::new().param("byte_offset", offset).param("length", length);
        let spec = RequestSpec::new(Method::GET, &self.api_path()?, &query);
        let reader = conn.with_header("Accept", "multipart/form-data")?;
        let response = reader.execute(&spec).await?;
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        first_part(&content_type, response.body())
            .ok_or_else(|| response.decode_error_text("a multipart/form-data answer with the file's data in a part"))
    }

    /// The file from `offset` to its end, one range ([`MAX_FILE_RANGE`]) per request,
    /// each read when the stream asks for it: memory holds one range at a time.
    pub fn read_all(&self, conn: &HostConnection, offset: u64) -> BoxStream<'static, Result<Bytes, Error>> {
        let (file, conn) = (self.clone(), conn.clone());
        stream::try_unfold(Some(offset), move |at| {
            let (file, conn) = (file.clone(), conn.clone());
            async move {
                let Some(at) = at else { return Ok(None) };
                let piece = file.read(&conn, at, MAX_FILE_RANGE).await?;
                if piece.is_empty() {
                    return Ok(None);
                }
                let next = (piece.len() as u64 == MAX_FILE_RANGE).then(|| at + MAX_FILE_RANGE);
                Ok(Some((piece, next)))
            }
        })
        .boxed()
    }

    /// Creates the file with `data` (at most [`MAX_FILE_RANGE`]): a `POST` of its path.
    pub async fn create(&self, conn: &HostConnection, data: Bytes) -> Result<Response, Error> {
        self.send(conn, Upload::post(&self.api_path()?), Query::new(), data)
            .await
    }

    /// Writes `data` (at most [`MAX_FILE_RANGE`]) at `offset`, over what is there: a
    /// `PATCH` of its path with `byte_offset`.
    pub async fn write(&self, conn: &HostConnection, offset: u64, data: Bytes) -> Result<Response, Error> {
        let query = Query::new().param("byte_offset", offset);
        self.send(conn, Upload::patch(&self.api_path()?), query, data).await
    }

    async fn send(&self, conn: &HostConnection, upload: Upload, query: Query, data: Bytes) -> Result<Response, Error> {
        if data.len() as u64 > MAX_FILE_RANGE {
            return Err(Error::Config(format!(
                "a volume file is written {MAX_FILE_RANGE} bytes at most at a time, not {}",
                data.len()
            )));
        }
        upload
            .field("data")
            .file_name("data")
            .query(query)
            .send_bytes(conn, data)
            .await
    }
}

/// The data of the first part of a `multipart/form-data` body, if it is one.
fn first_part(content_type: &str, body: &[u8]) -> Option<Bytes> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let start = find(body, delimiter.as_bytes())? + delimiter.len();
    let rest = &body[start..];
    let headers_end = find(rest, b"\r\n\r\n")? + 4;
    let data = &rest[headers_end..];
    let end = find(data, format!("\r\n{delimiter}").as_bytes())?;
    Some(Bytes::copy_from_slice(&data[..end]))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_part_of_a_form_is_its_data() {
        let body = b"--b1\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\nhello\r\n--b1--\r\n";
        assert_eq!(
            first_part("multipart/form-data; boundary=b1", body).as_deref(),
            Some(&b"hello"[..])
        );
        assert_eq!(first_part("application/json", body), None);
        assert_eq!(first_part("multipart/form-data; boundary=b1", b"{}"), None);
    }

    #[test]
    fn a_file_path_is_one_segment() {
        let file = VolumeFile::new("u1", "/logs/app.v1.log");
        assert_eq!(
            file.api_path().unwrap(),
            "/storage/volumes/u1/files/logs%2Fapp%2Ev1%2Elog"
        );
        assert!(VolumeFile::new("..", "a").api_path().is_err());
    }
}
