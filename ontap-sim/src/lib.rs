//! An ONTAP REST API simulator, for tests, examples and benchmarks of ONTAP clients.
//!
//! `ontap-sim` serves the whole REST API of ONTAP 9.19.1 as the vendored model
//! (`spec/ontap-9.19.1.json`, the document `ontap-resources` is generated from) describes
//! it: every one of its 598 paths and every verb answers, with ONTAP's wire semantics, so
//! that any ONTAP client (not only this workspace's) can run its flows against it. On top
//! of that generic engine, some resources behave as on a cluster:
//!
//! | API | What it adds |
//! | --- | --- |
//! | `/api/cluster/software/download` | a job that **really downloads** the package from `url` (HTTP, or HTTPS without certificate verification), with Basic auth when `username`/`password` are given; a success adds a package |
//! | `/api/cluster/software`, `.../packages` | validation and an **upgrade job** that moves node by node and changes the cluster's version; package deletes |
//! | `/api/cluster` | `name`, `uuid`, `version {full, generation, major, minor}`, `location`, `contact`; a PATCH is a job |
//! | `/api/cluster/jobs[/{uuid}]` | the jobs every asynchronous operation starts, with pause/resume/cancel for downloads |
//! | `/api/svm/svms` | SVM names, defaults, no delete while volumes remain |
//! | `/api/storage/volumes` and `.../snapshots` | volume names (917888), sizes, defaults, `space` kept from `size`; snapshots under their volume |
//!
//! Every request needs a login: HTTP Basic credentials, a bearer token, or a TLS client
//! certificate (see [Logins](#logins)). It listens on HTTPS with a self-signed
//! certificate generated at start (for `localhost`, `127.0.0.1` and `::1`, or the names
//! given to [`certificate_names`](SimulatorBuilder::certificate_names)), or on plain
//! HTTP. A newcomer's first GETs find a realistic cluster (see
//! [The default cluster](#the-default-cluster)).
//!
//! # As a library
//!
//! Start it in-process on an ephemeral loopback port, point a client at
//! [`Simulator::base_url`], stop it with [`Simulator::shutdown`] (or drop it):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use std::time::Duration;
//! use ontap_sim::{PackageServer, Simulator};
//!
//! let packages = PackageServer::start([("ontap-9.16.1-image.tgz", vec![0u8; 64 * 1024])], None::<(&str, &str)>).await?;
//! let sim = Simulator::builder()
//!     .credentials("admin", "netapp1!")
//!     .tls(true)                                   // the default: HTTPS, self-signed
//!     .job_retention(Duration::from_secs(300))     // the default, as on ONTAP
//!     .download_rate(Some(1024 * 1024))            // bytes per second, so progress shows
//!     .cluster_version("9.15.1")                   // the default
//!     .upgrade_duration(Duration::from_secs(2))    // an upgrade, node by node
//!     .job_duration(Duration::from_millis(100))    // create/modify/delete jobs
//!     .seed_jobs(25)                               // finished jobs for the collection
//!     .seed_volumes(1_000)                         // vol00001... in SVM vs0
//!     .start()
//!     .await?;
//! assert!(sim.base_url().starts_with("https://127.0.0.1:"));
//! let trust_this = sim.certificate_pem();          // Some(PEM) with TLS on
//! assert!(trust_this.is_some());
//! // ... POST {base_url}/api/cluster/software/download {"url": packages.url("ontap-9.16.1-image.tgz")} ...
//! // ... PATCH {base_url}/api/cluster/software {"version": "9.16.1"} ...
//! let sent = sim.requests();                       // what the client sent, secrets masked
//! # let _ = sent;
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! [`PackageServer`] is the package server for the download: a static file server on
//! plain HTTP, with optional Basic authentication.
//!
//! # As a binary
//!
//! The binary and its command-line dependencies (clap, tracing-subscriber) come with the
//! `cli` feature; the library needs neither:
//!
//! ```text
//! cargo run -p ontap-sim --features cli -- --help     # in this repository
//! cargo install ontap-sim --features cli              # from crates.io
//! ```
//!
//! ```text
//! ontap-sim [--listen 127.0.0.1:8443] [--username admin] [--password netapp1!] [--http]
//!           [--cert-out cert.pem] [--job-retention 300] [--download-rate BYTES_PER_SEC]
//!           [--seed-jobs N] [--seed-volumes N] [--seed-svms N] [--seed-package 9.16.1]...
//!           [--cluster-version 9.15.1] [--next-version 9.16.1] [--job-duration-ms 100]
//!           [--upgrade-duration 10] [--request-log 1000] [--request-log-file PATH]
//!           [--read-timeout 10]
//! ```
//!
//! It prints one line with the base URL and the username, and runs until Ctrl-C.
//! `ontap-sim --help` describes the options. Clients in any language can read what they
//! sent at `GET /sim/requests` (see [Request log](#request-log)), how many connections
//! they opened at `GET /sim/connections` (see
//! [Connection statistics](#connection-statistics)), and get a bearer token at
//! `POST /sim/tokens` (see [Logins](#logins)).
//!
//! # The whole API
//!
//! Each collection of the model has its own store; a singleton (`/api/cluster/web`) is one
//! object, empty until written; records under a parent (`/api/storage/volumes/{volume.uuid}/snapshots`)
//! are kept per parent and go with it when it is deleted.
//!
//! - **Keys** are assigned as ONTAP does: a `uuid` key is generated, an integer key (`id`,
//!   `index`) counts up, a key such as `name` comes from the body (missing: 400 `262212`);
//!   a key `svm.uuid` is found from `svm.name` (an unknown SVM: 400 `2621462`). The
//!   parent's key (and name, where the record carries it) comes from the path; a missing
//!   parent answers 404 code `4` with the parent key as target.
//! - **References** to SVMs and aggregates in a POST body (`svm`, `aggregates`) are
//!   resolved by `uuid` or `name` and answered with both; a reference to nothing is
//!   refused (400 `2621462` for an SVM, `2` for an aggregate).
//! - **Names are unique** within their parent and SVM: a second create with the same
//!   name, or a rename onto it, answers 409 code `1` (target `name`), also while the job
//!   that creates or renames the first still runs. A rename shows in the records below
//!   that carry their parent's name (a volume's snapshots' `volume.name`).
//! - **Asynchronous operations** (those the model marks `x-ntap-async: both`) answer 202
//!   with `{"job": {"uuid", "_links"}}`, and the change happens when the job ends after
//!   [`job_duration`](SimulatorBuilder::job_duration); with `return_timeout` (0..=120)
//!   the request waits for it and answers 201 (POST) or 200 with the same body. The
//!   others answer at once: 201 `{}` for a POST, 200 `{}` for a PATCH or DELETE.
//! - **`Location`** of a create: for a 202, a query on the collection as ONTAP writes it
//!   (`/api/storage/volumes/?name=vol1`); for a 201, the new record's path.
//!   `return_records=true` adds the new record's keys:
//!   `{"num_records": 1, "records": [{"uuid", "name", "_links"}], "job": {...}}`.
//! - **PATCH and DELETE on a collection** need a filter (`?name=old_*`) and answer
//!   `{"jobs": [...], "num_records", "_links"}`, one job per record for asynchronous
//!   operations (202), or `{"num_records"}` (200).
//! - **Actions** (`POST .../restore`, `.../rekey-internal`, ...) check their object exists
//!   and their body, and answer a job or 201 `{}`.
//!
//! ## Validation
//!
//! Bodies and query parameters are checked against the model before anything happens.
//! Every error is an ONTAP body `{"error": {"message", "code" (a string), "target"?}}`.
//! The codes, and where they come from (GS: the error table of NetApp's "Getting started
//! with the ONTAP REST API"; the other sources are named):
//!
//! | Refusal | Status | Code | Evidence |
//! | --- | --- | --- | --- |
//! | unknown body field or query parameter (target: the dotted path) | 400 | `262179` | GS; a cluster's answer in Ansible `netapp.ontap` issue 178 |
//! | a field this verb cannot set (read-only, create-only in a PATCH; target the field) | 400 | `262196` | GS; Trident's response tables; a volume PATCH of `svm.name` |
//! | invalid JSON | 400 | `262199` | GS |
//! | a body that is not an object (an array) | 400 | `262255` | GS |
//! | a value of the wrong type, outside the field's enum or bounds; a bad `fields`, `max_records`, `return_records`, `return_timeout` | 400 | `262197` | GS ("invalid value provided for field"); confirmed for `return_timeout`; inferred for body types and enums |
//! | a missing required value (`name` of a volume or SVM, a key the server cannot assign) | 400 | `262212` | GS |
//! | `order_by` on an unknown or non-simple field | 400 | `262268` | GS |
//! | a name already taken | 409 | `1` | GS |
//! | a key in the path that does not exist (or a purged job) | 404 | `4` (`entry doesn't exist`) | GS |
//! | an unknown path | 404 | `3` (`API not found`) | GS |
//! | a method the path does not have (with `Allow` from the model) | 405 | `3` | GS |
//! | volume name not `[A-Za-z_][A-Za-z0-9_]*` (at most 203) | 400 | `917888` | the volume POST's documented codes |
//! | `svm` names no SVM | 400 | `2621462` | the SVM-scoped POSTs' documented codes |
//! | volume `size` outside 20 MiB..=100 TiB | 400 | `262197` | GS |
//!
//! A request without a valid login gets 401 with an **empty body** and
//! `WWW-Authenticate: Basic realm="ONTAP"`, or `Bearer error="invalid_token"` when it
//! carried a bearer token that is expired, revoked or unknown (see [Logins](#logins)). No request can crash the
//! simulator or get a plain-text rejection (except what hyper refuses itself, see
//! [Protocol](#protocol)).
//!
//! ## Collections
//!
//! Every collection answers `{"records", "num_records", "_links": {"self", "next"?}}`:
//!
//! - `fields`: every field the model gives the records (an unset one is simply absent),
//!   `*`, `**` (the same here), `a.b` for nested fields, `a.{b,c}` groups, `!x` to leave a
//!   field out (`fields=!space` is everything but `space`), comma lists. The keys, `name`
//!   and `_links` are always there; without `fields` a collection returns only them, a
//!   GET of one record returns every field it has.
//! - `max_records=N` pages; `_links.next.href` (also a `Link: <...>; rel="next"` header)
//!   carries an opaque `start.<key>=...` cursor (plus `start.<field>=...` per `order_by`
//!   field) and every other parameter. The cursor names the first record of the next
//!   page, never a position, so paging is stable: each record exactly once, in order,
//!   even while records are created and deleted between pages.
//! - `return_records=false` counts only (`num_records`, no `records`).
//! - `order_by=<field> [asc|desc][,<field> [asc|desc]]...` on any simple field: numbers
//!   compare as numbers, strings ignoring case, absent values first, the key breaks ties.
//!   Without `order_by`, records come in key order.
//! - Filters `field=value` on any simple field, nested ones as `svm.name` or
//!   `aggregates.name` (any array element matches): `*` wildcards, `!` (not), `|` (or),
//!   `<`, `>`, `<=`, `>=`, `a..b` (inclusive range), `null` (the field is not set) and
//!   `!null`; numbers compare as numbers, strings ignore case; several filters must all
//!   match.
//! - `X-Dot-SVM-Name` (or `X-Dot-SVM-UUID`) limits a collection whose records belong to
//!   an SVM to that SVM's, as ONTAP's SVM tunnelling does.
//!
//! ## The default cluster
//!
//! `data/cluster.json` holds the cluster every simulator starts with, checked against
//! the model: `sim-cluster`, two nodes (`sim-cluster-01`, `sim-cluster-02`), an aggregate
//! per node (`aggr1`, `aggr2`), disks, ports `e0a`..`e0d` per node in the `Cluster` and
//! `Default` broadcast domains and IPspaces, cluster-management, node-management,
//! cluster and data interfaces, routes, service policies, the data SVM `vs0` with NFS and
//! its default export policy, licenses, schedules and snapshot policies.
//! [`seed_svms`](SimulatorBuilder::seed_svms) and
//! [`seed_volumes`](SimulatorBuilder::seed_volumes) add more.
//!
//! ## Protocol
//!
//! - **Content type**: `application/hal+json` unless the client's `Accept` names only
//!   other types (`application/json`); `*/*` and no `Accept` get it, as ONTAP's default.
//!   Bodies are 2-space-indented JSON, keys (`uuid`, `name`) first.
//! - A trailing slash is the same path (`/api/storage/volumes/?name=vol1`).
//! - Request heads must arrive within 10 s and bodies must not stall for 30 s
//!   ([`read_timeout`](SimulatorBuilder::read_timeout)); a URI over 8 KiB answers 414 and
//!   header fields over 64 KiB 431, with ONTAP bodies.
//! - **Jobs** carry `uuid`, `description`, `state`, `message`, `code` (integer),
//!   `start_time`, `end_time` (RFC 3339 with a numeric offset, e.g.
//!   `2024-11-26T19:46:42+00:00`), `svm {name, uuid, _links}`, `node {name}`,
//!   `error {message, code (string), arguments}` on failure, and `_links.self`. A job GET
//!   without `fields` returns every field.
//! - **Purge**: a finished job disappears after the retention time (300 s by default),
//!   then answers 404 code `4`. Seeded jobs count their retention from the start.
//!
//! ## Software: download, packages, validation, upgrade
//!
//! - **Download job**: description `POST /api/cluster/software/download`; state `queued`
//!   then `running` (message with a percentage and byte counts when the server sends
//!   `Content-Length`, bytes only otherwise), then `success` (message `success`, code 0) or
//!   `failure`. The package body is streamed: only its size, SHA-256 and file name (the
//!   last URL path segment) are kept. The package's **version is read from the file
//!   name**: the first dotted version in it (`ontap-9.16.1-image.tgz` → `9.16.1`,
//!   `9.15.1P3_q_image.tgz` → `9.15.1P3`), else NetApp's undotted spelling
//!   (`9171_q_image.tgz` → `9.17.1`, `96P3_q_image.tgz` → `9.6P3`, `9161P2_q_image.tgz` →
//!   `9.16.1P2`), else, for a name with no version (NetApp's `http://server/package`),
//!   the [`next_version`](SimulatorBuilder::next_version) (by default the release after
//!   the one the cluster runs: 9.15.1 → 9.16.1). The undotted spelling is a run of 2 to 4
//!   digits starting with `9` (touching no letter, an optional `RCn`/`Pn`/`Dn` after it):
//!   one digit after the `9` is the major alone (`96` → 9.6: releases up to 9.8 had no
//!   third number), two are a one-digit major and the minor (`991` → 9.9.1, `911` →
//!   9.1.1), three a two-digit major and the minor (`9101` → 9.10.1, `9111` → 9.11.1,
//!   `9171` → 9.17.1). The minor is one digit and every two-digit major has one, so `911`
//!   is never 9.11 (which NetApp writes `9111`). The package then appears in
//!   `/api/cluster/software/packages` and [`Simulator::packages`].
//!   `GET /api/cluster/software/download` says `not_started` (code 10551384) before any
//!   download, `running` / "Package download in progress" / 10551382 while one runs or is
//!   paused (the state has no `paused` value), then `success` (code 0) or `failure` with
//!   the job's message and code.
//! - **Download codes**: bad URL syntax → POST 400 `39387137` (target `url`); a scheme
//!   other than http/https/ftp → POST 400 `39387138`; a URL without a file name → POST 400
//!   `10551885`; missing `url` → POST 400 code `2` (target `url`); a POST while a download
//!   is queued, running or paused → POST 400 `10551357` ("Cannot perform an update when a
//!   previous update is still in progress", listed in the POST's documented error codes);
//!   package server unreachable, HTTP 404 or any other non-2xx answer, a broken or short
//!   transfer → job `failure` with code `10551381`
//!   (and the same in `error.code`); a package whose file name or version is already in
//!   the repository → job `failure` `10551327`, detected after the transfer, when the
//!   package is processed; exceeding the download time limit (one hour by default) → job
//!   `failure` `10551383`.
//! - **Package delete**: `DELETE /api/cluster/software/packages/{version}` → 202, a job
//!   (`DELETE /api/cluster/software/packages/<version>`) that removes it; an unknown
//!   version → 404 code `4`; the package an upgrade is installing → 400 `10551347`
//!   ("Package delete failed since an update is in progress", from the documented codes
//!   of that DELETE).
//! - **Validation**: `PATCH /api/cluster/software?validate_only=true {"version"}` → 202, a
//!   job (`PATCH /api/cluster/software`) that succeeds and fills `validation_results`
//!   (`[{update_check, status, issue {message}, action {message}}]`: the "Manual checks"
//!   warning ONTAP always reports); the version does not change.
//! - **Upgrade**: `PATCH /api/cluster/software {"version"}` → 202, a job that stays
//!   `running` for [`upgrade_duration`](SimulatorBuilder::upgrade_duration) (10 s by
//!   default): a tenth of pre-update checks, then per node "Installing software image ..."
//!   and "Rebooting node ..." messages, each node's `nodes[].version`, `update_details`
//!   and `status_details` (`{name, state, node, issue {message, code}, start_time,
//!   end_time}`) changing as it goes; `/api/cluster/software` shows `state` `in_progress`
//!   and `pending_version` meanwhile. On success `version` (and `/api/cluster`
//!   `version.full`, `generation`, `major`, `minor`) is the new one, `state` `completed`,
//!   `pending_version` gone. `skip_warnings` (true/false) and `stabilize_minutes` (1..=60,
//!   in the query as documented, or in the body) are accepted.
//! - **Upgrade refusals** (400, no job): a version not in the repository → `10551325`
//!   ("Package does not exist on the system", from the package DELETE's documented codes;
//!   target `version`); a version not newer than the running one → code `2` (target
//!   `version`); a PATCH (validation or upgrade) while an upgrade runs → `10551357`, the
//!   download's "previous update is still in progress" code; a version that is no ONTAP
//!   version → code `2`.
//!
//! ## Request log
//!
//! [`Simulator::requests`] returns the last 1,000 requests
//! ([`request_log`](SimulatorBuilder::request_log) changes that) as [`RecordedRequest`]s
//! (`method`, `path`, `query`, `body` as JSON, the login it made as a [`Login`] and the
//! time it arrived since the start), recorded on arrival, before faults and the refusal of
//! requests without a login; the values of fields and query parameters named like
//! `password` or `passphrase` read `*********`, and no token or `Authorization` header is
//! ever recorded. From outside the process, with the same credentials:
//! `GET /sim/requests` answers them as a JSON array, `DELETE /sim/requests` answers them
//! and empties the log; [`request_log_file`](SimulatorBuilder::request_log_file) (the
//! binary's `--request-log-file`) appends each as a JSON line.
//!
//! ## Connection statistics
//!
//! [`Simulator::connections`] counts the TCP connections the simulator accepted, the
//! ones open now and the most open at once ([`ConnectionStats`]), so that a test can check
//! that a client reuses its connections. From outside the process, with the same
//! credentials: `GET /sim/connections` answers `{"accepted", "open", "peak_open"}`,
//! `DELETE /sim/connections` answers the same and resets `accepted` to 0 and `peak_open`
//! to the connections open then. As for `/sim/requests`, no fault applies to them, they
//! are not recorded, a query parameter answers 400 `262179` and another method 405.
//!
//! ## Logins
//!
//! A request logs in with any one of these; the request log records which
//! ([`RecordedRequest::auth`], in this order when several hold):
//!
//! - **A client certificate** (ONTAP's `cert` method), with
//!   [`client_certificate_login`](SimulatorBuilder::client_certificate_login) and TLS:
//!   the simulator has its own CA ([`Simulator::client_ca_pem`]) and issues certificates
//!   ([`Simulator::issue_client_certificate`]). A connection whose certificate names the
//!   configured user (subject CN) needs no `Authorization` header; a certificate for
//!   another user logs in nothing, and one from another CA fails the TLS handshake.
//! - **A bearer token** (an OAuth 2.0 access token): `Authorization: Bearer <token>`
//!   with a token from [`Simulator::issue_token`] or `POST /sim/tokens` (Basic
//!   credentials, optional body `{"expires_in": <seconds>}`, answers 201
//!   `{"access_token", "token_type": "Bearer", "expires_in"}`; the lifetime defaults to
//!   [`token_lifetime`](SimulatorBuilder::token_lifetime), an hour). An expired, revoked
//!   ([`Simulator::revoke_tokens`]) or unknown token gets 401 with
//!   `WWW-Authenticate: Bearer error="invalid_token"`.
//! - **HTTP Basic** with the configured [`credentials`](SimulatorBuilder::credentials).
//!
//! The login is decided when the request's head arrives: a token that expires while a
//! [`Fault::latency`] delays the request still counts. `/sim/requests` and
//! `/sim/connections` take any of them; `/sim/tokens` only Basic. No fault applies to the
//! `/sim` endpoints and they are not recorded.
//!
//! ## Job actions
//!
//! `PATCH /api/cluster/jobs/{uuid}?action=`, body `{}` or empty, answers 200 `{}`: a
//! download job supports all three. `pause` stops reading from the package server (the
//! transfer really stalls) and shows state `paused`; `resume` continues; `cancel` ends
//! the job as `failure` (code 10551381, message saying it was cancelled) before the PATCH
//! answers. Jobs that support no actions (seeded jobs, create/modify/delete jobs, software
//! jobs) answer `458783` for pause/resume and `458784` for cancel; a finished download job
//! `458762`; pausing a paused job `458776`; resuming a job that is not paused `458771`; an
//! unknown action 400 code `2` (target `action`); no action, 200 (nothing to do).
//!
//! # Where it deliberately differs from ONTAP
//!
//! - FTP URLs are accepted at POST time (as on ONTAP) but the job fails with 10551381
//!   saying FTP is not implemented. HTTPS package URLs are fetched without certificate
//!   verification.
//! - A package's version comes from its file name, not from the image's contents: a file
//!   name without one (`image.tgz`, `package`) gets the
//!   [`next_version`](SimulatorBuilder::next_version); an undotted version is read by the
//!   rule above, for generation 9 only.
//! - Upgrades only go up, and validation warnings never block one (`skip_warnings` is
//!   accepted and checked, but changes nothing). `PATCH /api/cluster/software?action=`
//!   (pause, resume, cancel of an upgrade) answers 400 code `2`. A package that is the
//!   running version can be deleted.
//! - The codes where ONTAP's documentation names none: "not newer than the running
//!   version", "SVM still has volumes", an unknown aggregate, an invalid SVM or snapshot
//!   name and a PATCH or DELETE on a collection without a filter use code `2`; a POST of
//!   `/api/cluster` answers 409 code `1` (the cluster exists). A value of the wrong type
//!   or outside an enum uses `262197`, inferred from the code's description (no real
//!   answer was found). A missing parent answers 404 code `4`, where the snapshot GET
//!   documents `918235` for an unknown volume.
//! - The model does not say when fields were introduced: every field of 9.19.1 is
//!   accepted whatever [`cluster_version`](SimulatorBuilder::cluster_version) says.
//! - Nested references (`svm`, `aggregates`, `volume`) carry no `_links`, and a `self` link
//!   never keeps a trailing slash of the request.
//! - Field order: the keys `uuid` and `name` first, then the model's order, which is
//!   alphabetical (ONTAP's own order is not in the model).
//! - `return_timeout` never cuts a collection GET short (it is always fast).
//!   `fields=*` and `fields=**` are the same (the model marks no expensive fields).
//! - The engine's resources keep what they are given and nothing more happens: a LIF
//!   created on a port does not change the port, a new volume takes no space from its
//!   aggregate, an export rule grants no access. Only the behaviours listed above act.
//! - The jobs and the software download are served by their own handlers, and so are
//!   the writes of `/api/cluster` (`name`, `location`, `contact` only), of
//!   `/api/cluster/software` and of one package: `PATCH` by query on `/api/cluster/jobs`
//!   answers from the engine's own (empty) store, and a `DELETE` by query on the packages
//!   removes their records without the files behind them.
//! - Names are unique per parent and SVM for every resource; ONTAP's rules vary by
//!   resource (some names are unique per cluster, some not at all).
//! - `X-Dot-SVM-Name` / `X-Dot-SVM-UUID` scope collection GETs only; they do not stand in
//!   for `svm` in POST bodies, and an unknown SVM simply matches no record.
//! - hyper answers a request it cannot parse itself, with an empty body: a malformed
//!   request line or header, a URI over 64 KiB, more than 100 header fields, a head over
//!   256 KiB.
//! - The CLI passthrough (`GET /api/private/cli/{command}`) runs no command: it
//!   answers no records.
//! - The POST never answers 500 for `return_timeout` > 0 (a known ONTAP bug).
//!
//! # Fault injection
//!
//! Every request first consults the active [`Fault`]s (added with
//! [`SimulatorBuilder::fault`] or [`Simulator::inject`]): latency, a forced status with an
//! ONTAP body (e.g. 503, or 429 with `Retry-After`, or the "temporarily locked" 409 of
//! [`Fault::locked`]), a raw body (e.g. a proxy's HTML page), a dropped connection, or a
//! truncated body.
//!
//! # Performance
//!
//! A job GET takes a read lock on the job map only while it serializes the job into bytes
//! (no lock is held across an await), the auth check compares the header with a
//! precomputed value, the request log copies only the method and the path of a GET, and
//! accepted sockets use `TCP_NODELAY`. `benches/job_get.rs` measures it
//! (`cargo bench -p ontap-sim --bench job_get`). A collection page reads its store under
//! one read lock; paging in key order reads only the page, ordering by another field
//! sorts the matching records for each page (a few milliseconds for 10,000 volumes in a
//! release build). A page is written straight into one buffer, reserved after its first
//! record, with the field names quoted once per model and strings escaped eight bytes at
//! a time: the bytes serde_json's pretty writer would write (`tests/golden.rs` pins them),
//! about 1 ms for 1,000 volumes with `fields=*`.
//!
//! Records are kept compact: objects are slices of (interned field name, value) pairs and
//! strings of up to 22 bytes sit inside their 24-byte value. `benches/records.rs`
//! (`cargo bench -p ontap-sim --bench records`) seeds one million volumes and measures
//! the memory each takes (about 1,016 bytes, resident) and the time to count and page
//! them.

#![warn(missing_docs)]

mod auth;
mod collection;
mod download;
mod engine;
mod error;
mod faults;
mod handlers;
mod http;
mod inventory;
mod jobs;
mod json;
mod package_server;
mod requests;
mod server;
mod software;
mod state;
mod storage;
mod svms;
mod util;
mod version;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

pub use auth::{ClientCertificate, Login};
pub use faults::Fault;
pub use package_server::PackageServer;
pub use requests::RecordedRequest;
pub use server::ConnectionStats;

use crate::inventory::{Inventory, Seed};
use crate::requests::RequestLog;
use crate::state::{Config, Shared};
use crate::version::Version;

/// A software package in the simulated cluster's repository: downloaded successfully (or
/// seeded with [`SimulatorBuilder::seed_package`]) and not deleted.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sim = ontap_sim::Simulator::builder().tls(false).seed_package("9.16.1").start().await?;
/// let packages: Vec<ontap_sim::Package> = sim.packages();
/// assert_eq!(packages[0].version, "9.16.1");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Package {
    /// The file name: the last path segment of the URL, percent-decoded.
    pub name: String,
    /// The software version, read from the file name (`ontap-9.16.1-image.tgz` → `9.16.1`).
    pub version: String,
    /// The number of bytes received.
    pub size: u64,
    /// The SHA-256 of the bytes received, as lowercase hex.
    pub sha256: String,
    /// The URL it was downloaded from.
    pub url: String,
}

/// Settings of a [`Simulator`]; created by [`Simulator::builder`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// let sim = ontap_sim::Simulator::builder()
///     .credentials("admin", "secret")
///     .tls(false)
///     .job_retention(Duration::from_secs(5))
///     .seed_jobs(3)
///     .start()
///     .await?;
/// assert!(sim.base_url().starts_with("http://"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct SimulatorBuilder {
    username: String,
    password: String,
    tls: bool,
    listen: SocketAddr,
    retention: Duration,
    download_rate: Option<u64>,
    download_time_limit: Duration,
    seed_jobs: usize,
    seed_svms: usize,
    seed_volumes: usize,
    seed_packages: Vec<String>,
    cluster_version: String,
    job_duration: Duration,
    upgrade_duration: Duration,
    next_version: Option<String>,
    request_log: usize,
    faults: Vec<Fault>,
    server: server::Options,
    client_certificate_login: bool,
    token_lifetime: Duration,
    certificate_names: Option<Vec<String>>,
}

/// The ONTAP version a simulator runs unless told otherwise.
const DEFAULT_VERSION: &str = "9.15.1";

impl Default for SimulatorBuilder {
    fn default() -> Self {
        SimulatorBuilder {
            username: "admin".to_owned(),
            password: "netapp1!".to_owned(),
            tls: true,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            retention: Duration::from_secs(300),
            download_rate: None,
            download_time_limit: Duration::from_secs(3600),
            seed_jobs: 0,
            seed_svms: 0,
            seed_volumes: 0,
            seed_packages: Vec::new(),
            cluster_version: DEFAULT_VERSION.to_owned(),
            job_duration: Duration::from_millis(100),
            upgrade_duration: Duration::from_secs(10),
            next_version: None,
            request_log: 1000,
            faults: Vec::new(),
            server: server::Options::default(),
            client_certificate_login: false,
            token_lifetime: Duration::from_secs(3600),
            certificate_names: None,
        }
    }
}

impl SimulatorBuilder {
    /// The Basic credentials every request must carry (default `admin` / `netapp1!`).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().credentials("admin", "secret");
    /// # let _ = b;
    /// ```
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.username = username.into();
        self.password = password.into();
        self
    }

    /// HTTPS with a self-signed certificate generated at start (`true`, the default), or
    /// plain HTTP (`false`).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().tls(false);
    /// # let _ = b;
    /// ```
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`: an ephemeral loopback port).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().listen("127.0.0.1:0".parse().unwrap());
    /// # let _ = b;
    /// ```
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// How long a finished job stays before it is purged (default 300 s, as on ONTAP).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().job_retention(std::time::Duration::from_secs(2));
    /// # let _ = b;
    /// ```
    pub fn job_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Throttles package downloads to this many bytes per second, so that progress and
    /// pause are visible (default `None`: as fast as the package server sends).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().download_rate(Some(256 * 1024));
    /// # let _ = b;
    /// ```
    pub fn download_rate(mut self, bytes_per_sec: Option<u64>) -> Self {
        self.download_rate = bytes_per_sec;
        self
    }

    /// The longest a download may take before its job fails with 10551383 (default one
    /// hour, as on ONTAP). Paused time counts.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().download_time_limit(std::time::Duration::from_secs(60));
    /// # let _ = b;
    /// ```
    pub fn download_time_limit(mut self, limit: Duration) -> Self {
        self.download_time_limit = limit;
        self
    }

    /// Creates `n` synthetic finished jobs at start (various descriptions; every fifth one,
    /// index 4, 9, ..., failed). They support no actions.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().seed_jobs(100);
    /// # let _ = b;
    /// ```
    pub fn seed_jobs(mut self, n: usize) -> Self {
        self.seed_jobs = n;
        self
    }

    /// Creates `n` SVMs `vs1` ... `vsN` at start, besides `vs0` which always exists.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().seed_svms(3);
    /// # let _ = b;
    /// ```
    pub fn seed_svms(mut self, n: usize) -> Self {
        self.seed_svms = n;
        self
    }

    /// Creates `n` volumes `vol00001` ... in SVM `vs0` at start (sizes 1 to 100 GiB, on
    /// `aggr1` and `aggr2` in turn; every 50th offline, every 50th from the 25th restricted,
    /// every 10th with a comment). Seeding 10,000 takes a few tens of milliseconds.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().seed_volumes(10_000);
    /// # let _ = b;
    /// ```
    pub fn seed_volumes(mut self, n: usize) -> Self {
        self.seed_volumes = n;
        self
    }

    /// Puts a package of this version in the repository at start, as if it had been
    /// downloaded (file `<version>_image.tgz`, empty), so that an upgrade can start at once.
    /// An invalid version makes [`SimulatorBuilder::start`] fail.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().seed_package("9.16.1");
    /// # let _ = b;
    /// ```
    pub fn seed_package(mut self, version: impl Into<String>) -> Self {
        self.seed_packages.push(version.into());
        self
    }

    /// The ONTAP version the cluster runs at start (default `9.15.1`). An invalid version
    /// makes [`SimulatorBuilder::start`] fail.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().cluster_version("9.14.1");
    /// # let _ = b;
    /// ```
    pub fn cluster_version(mut self, version: impl Into<String>) -> Self {
        self.cluster_version = version.into();
        self
    }

    /// How long a create, modify or delete job runs (volumes, snapshots, SVMs, package
    /// deletes, validations); default 100 ms. A quarter of it `queued`, the rest `running`.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().job_duration(std::time::Duration::from_millis(10));
    /// # let _ = b;
    /// ```
    pub fn job_duration(mut self, duration: Duration) -> Self {
        self.job_duration = duration;
        self
    }

    /// How long a software upgrade runs, from the PATCH to the new version (default 10 s):
    /// a tenth for the pre-update checks, then per node an install and a reboot.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().upgrade_duration(std::time::Duration::from_millis(300));
    /// # let _ = b;
    /// ```
    pub fn upgrade_duration(mut self, duration: Duration) -> Self {
        self.upgrade_duration = duration;
        self
    }

    /// The version a downloaded package gets when its file name has none, such as
    /// NetApp's own `http://server/package` (a real cluster reads it from the image). By
    /// default it is the release after the one the cluster runs when the download ends
    /// (9.15.1 → 9.16.1; 9.16.1 once upgraded → 9.17.1). A package of a version already in
    /// the repository fails with 10551327. An invalid version makes
    /// [`SimulatorBuilder::start`] fail.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().tls(false).next_version("9.17.1").start().await?;
    /// // POST /api/cluster/software/download {"url": "http://server/package"}
    /// // adds a package of version 9.17.1.
    /// # let _ = sim;
    /// let bad = ontap_sim::Simulator::builder().next_version("next").start().await;
    /// assert_eq!(bad.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # Ok(())
    /// # }
    /// ```
    pub fn next_version(mut self, version: impl Into<String>) -> Self {
        self.next_version = Some(version.into());
        self
    }

    /// How many of the last requests [`Simulator::requests`] keeps (default 1,000; 0 keeps
    /// none and skips the recording).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().request_log(0);
    /// # let _ = b;
    /// ```
    pub fn request_log(mut self, capacity: usize) -> Self {
        self.request_log = capacity;
        self
    }

    /// Adds a fault active from the start (see [`Fault`]).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().fault(ontap_sim::Fault::status(503).times(1));
    /// # let _ = b;
    /// ```
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// How long the simulator waits for a request: its request line and headers must all
    /// arrive within this time (default 10 s), and its body may never pause longer
    /// (default 30 s between two pieces). Sets both; `Duration::ZERO` turns both off.
    ///
    /// Late headers close the connection, after a 408 with an ONTAP error body
    /// (`{"error": {"message", "code": "2"}}`) when part of a request had arrived; a late
    /// body gets that 408 and the connection closes. The header clock (hyper's) also runs
    /// while a keep-alive connection waits for its next request, so a connection idle
    /// that long is closed too, without an answer.
    ///
    /// Other transport limits, not configurable: a request target over 8 KiB gets 414 and
    /// header fields over 64 KiB together 431, both with an ONTAP body. A request hyper
    /// cannot parse (a malformed request line, more than 100 header fields, a URI over
    /// 65,534 bytes) gets hyper's own answer, with an empty body.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use tokio::io::{AsyncReadExt, AsyncWriteExt};
    /// let sim = ontap_sim::Simulator::builder()
    ///     .tls(false)
    ///     .read_timeout(std::time::Duration::from_millis(200))
    ///     .start()
    ///     .await?;
    /// let mut conn = tokio::net::TcpStream::connect(sim.addr()).await?;
    /// conn.write_all(b"GET /api/clus").await?; // and nothing more
    /// let mut answer = String::new();
    /// conn.read_to_string(&mut answer).await?; // the server closes it
    /// assert!(answer.starts_with("HTTP/1.1 408 "));
    /// # Ok(())
    /// # }
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.server.read_timeout(timeout);
        self
    }

    /// Also appends every request to this file (created if missing, opened by
    /// [`SimulatorBuilder::start`]), one compact JSON line each: `{"method", "path",
    /// "query", "body", "auth", "at_ms"}` with secrets masked, as [`RecordedRequest`] and
    /// `GET /sim/requests` show it. A line is written before its request is answered,
    /// whatever [`request_log`](SimulatorBuilder::request_log) keeps (even 0).
    ///
    /// # Errors
    /// [`SimulatorBuilder::start`] fails when the file cannot be opened for appending.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let path = std::env::temp_dir().join(format!("ontap-sim-doc-{}.jsonl", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let sim = ontap_sim::Simulator::builder().tls(false).request_log_file(&path).start().await?;
    /// reqwest::Client::new()
    ///     .get(format!("{}/api/cluster", sim.base_url()))
    ///     .basic_auth(sim.username(), Some(sim.password()))
    ///     .send()
    ///     .await?;
    /// let line: serde_json::Value = serde_json::from_str(std::fs::read_to_string(&path)?.trim())?;
    /// assert_eq!(line["path"], "/api/cluster");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn request_log_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.server.request_log_file = Some(path.into());
        self
    }

    /// Lets clients log in with a TLS client certificate, as ONTAP's `cert` authentication
    /// method does (default `false`; only with [`tls`](SimulatorBuilder::tls) on).
    ///
    /// At start the simulator creates its own CA ([`Simulator::client_ca_pem`]) and its
    /// TLS server asks every client for a certificate signed by it. Sending one is
    /// optional: a client without one connects as before and logs in with Basic
    /// credentials or a token. A certificate that the CA did not sign fails the TLS
    /// handshake. [`Simulator::issue_client_certificate`] makes certificates: one whose
    /// subject CN is the configured [`username`](Simulator::username) logs in every
    /// request of its connection without an `Authorization` header; one for any other
    /// name logs in nothing (the request still needs valid Basic credentials or a valid
    /// token, else it gets 401).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use rustls::pki_types::pem::PemObject as _;
    /// use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    ///
    /// let sim = ontap_sim::Simulator::builder().client_certificate_login(true).start().await?;
    /// let issued = sim.issue_client_certificate(sim.username()).expect("the login is on");
    ///
    /// // A client that trusts the simulator's certificate and presents the issued one.
    /// let mut roots = rustls::RootCertStore::empty();
    /// roots.add(CertificateDer::from_pem_slice(sim.certificate_pem().unwrap().as_bytes())?)?;
    /// let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    /// let tls = rustls::ClientConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()?
    ///     .with_root_certificates(roots)
    ///     .with_client_auth_cert(
    ///         vec![CertificateDer::from_pem_slice(issued.certificate_pem.as_bytes())?],
    ///         PrivateKeyDer::from_pem_slice(issued.private_key_pem.as_bytes())?,
    ///     )?;
    /// let client = reqwest::Client::builder().tls_backend_preconfigured(tls).build()?;
    ///
    /// // No Authorization header: the certificate is the login.
    /// let r = client.get(format!("{}/api/cluster", sim.base_url())).send().await?;
    /// assert_eq!(r.status(), 200);
    /// let login = sim.requests().pop().and_then(|r| r.auth);
    /// assert_eq!(login, Some(ontap_sim::Login::Certificate { user: "admin".into() }));
    /// # Ok(())
    /// # }
    /// ```
    pub fn client_certificate_login(mut self, on: bool) -> Self {
        self.client_certificate_login = on;
        self
    }

    /// How long a token from `POST /sim/tokens` stays valid when the request names no
    /// `expires_in` (default one hour, 3,600 s). See [`Simulator::issue_token`].
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().token_lifetime(std::time::Duration::from_secs(60));
    /// # let _ = b;
    /// ```
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// The names the server certificate is for (its subject alternative names, host names
    /// or IP addresses), in place of the default ones (`localhost`, `127.0.0.1`, `::1` and
    /// the listening address). The certificate is still self-signed, and its subject CN
    /// is the first name, as in the certificate an ONTAP cluster generates for itself.
    ///
    /// A cluster's own certificate often names the cluster, not the address a client
    /// connects to: `["cluster1.example.invalid"]` gives such a certificate, which a
    /// client that verifies host names refuses for `127.0.0.1` even when it trusts the
    /// certificate. A client that pins the certificate
    /// ([`Simulator::certificate_sha256`]) can still connect.
    ///
    /// # Errors
    /// [`SimulatorBuilder::start`] fails (`InvalidInput`) when a name is neither an IP
    /// address nor a valid DNS name (one wildcard label in front, `*.cluster1.example`,
    /// is allowed).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let sim = ontap_sim::Simulator::builder()
    ///     .certificate_names(["cluster1.example.invalid"])
    ///     .start()
    ///     .await?;
    /// // Trusting the certificate is not enough: it does not name 127.0.0.1.
    /// let cert = reqwest::Certificate::from_pem(sim.certificate_pem().unwrap().as_bytes())?;
    /// let client = reqwest::Client::builder().tls_certs_only([cert]).build()?;
    /// assert!(client.get(format!("{}/api/cluster", sim.base_url())).send().await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn certificate_names(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.certificate_names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Binds the address, generates the certificate (with TLS), seeds the cluster and the
    /// jobs and starts serving on the current tokio runtime.
    ///
    /// # Errors
    /// An invalid [`cluster_version`](SimulatorBuilder::cluster_version) or
    /// [`seed_package`](SimulatorBuilder::seed_package) version (`InvalidInput`), binding
    /// the address, generating the certificate or building the TLS settings.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// # let _ = sim;
    /// let bad = ontap_sim::Simulator::builder().cluster_version("nine").start().await;
    /// assert_eq!(bad.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(self) -> io::Result<Simulator> {
        let parse = |v: &str| {
            Version::parse(v.trim()).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("\"{v}\" is not an ONTAP version such as 9.16.1"),
                )
            })
        };
        let version = parse(&self.cluster_version)?;
        let packages = self
            .seed_packages
            .iter()
            .map(|v| parse(v))
            .collect::<io::Result<Vec<_>>>()?;
        let transport = self.server.open()?;
        let listener = tokio::net::TcpListener::bind(self.listen).await?;
        let addr = listener.local_addr()?;
        let started = Instant::now();
        let client_ca = if self.tls && self.client_certificate_login {
            Some(auth::ClientCa::new()?)
        } else {
            None
        };
        let (tls, certificate_pem, certificate_sha256) = if self.tls {
            let tls = server::self_signed_tls(addr.ip(), self.certificate_names.as_deref(), client_ca.as_ref())?;
            (
                Some(tls.acceptor),
                Some(tls.certificate_pem),
                Some(tls.certificate_sha256),
            )
        } else {
            (None, None, None)
        };
        let engine = build_engine(self.seed_svms, self.seed_volumes)?;
        let cluster_uuid = engine.uuids.next_uuid();
        let cluster_svm_uuid = inventory::ADMIN_SVM_UUID.to_owned();
        let cluster_name = "sim-cluster".to_owned();
        let node_names = ["sim-cluster-01".to_owned(), "sim-cluster-02".to_owned()];
        let inventory = Inventory::new(
            &Seed {
                cluster_name: &cluster_name,
                cluster_uuid,
                version,
                nodes: [&node_names[0], &node_names[1]],
                packages: &packages,
            },
            &engine,
        )
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.message))?;
        let (data_svm_name, data_svm_uuid) = engine
            .find_by_name(svms::PATH, "vs0")
            .map(|d| {
                let text = |k: &str| {
                    d.get(k)
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                (text("name"), text("uuid"))
            })
            .unwrap_or_default();
        let logins = auth::Logins::new(&self.username, &self.password, client_ca, self.token_lifetime);
        let shared = Arc::new(Shared {
            config: Config {
                username: self.username,
                password: self.password,
                retention: self.retention,
                download_rate: self.download_rate,
                download_time_limit: self.download_time_limit,
                cluster_name,
                node_names,
                cluster_svm_uuid,
                job_duration: self.job_duration,
                upgrade_duration: self.upgrade_duration,
                next_version: self.next_version.as_deref().map(parse).transpose()?,
            },
            jobs: jobs::JobStore::default(),
            engine,
            download: Mutex::new(download::DownloadStatus::default()),
            inventory: inventory::Locked::new(inventory),
            requests: RequestLog::new(self.request_log, started),
            logins,
            connections: server::Connections::default(),
            faults: faults::Faults::default(),
            http: download::http_client()?,
            tasks: Mutex::new(JoinSet::new()),
        });
        for f in self.faults {
            shared.faults.add(f);
        }
        jobs::seed(
            &shared.jobs,
            &shared.engine.uuids,
            self.seed_jobs,
            &jobs::SeedContext {
                cluster: &shared.config.cluster_name,
                cluster_svm_uuid: &shared.config.cluster_svm_uuid,
                data_svm_name: &data_svm_name,
                data_svm_uuid: &data_svm_uuid,
                nodes: [&shared.config.node_names[0], &shared.config.node_names[1]],
            },
        );
        shared.spawn(purger(Arc::downgrade(&shared)));

        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{addr}");
        let (shutdown, rx) = watch::channel(false);
        let router = http::router(shared.clone());
        let server = tokio::spawn(server::serve(listener, tls, shared.clone(), router, rx, transport));
        tracing::info!(%base_url, "ontap-sim started");
        Ok(Simulator {
            shared,
            addr,
            base_url,
            certificate_pem,
            certificate_sha256,
            shutdown,
            server: Some(server),
        })
    }
}

/// The engine over the vendored model, with the resources' own rules and the cluster's
/// records: the default cluster (`data/cluster.json`: nodes, aggregates, network, the SVM
/// `vs0`, ...), `extra_svms` more SVMs, and `volumes` volumes in `vs0`.
fn build_engine(extra_svms: usize, volumes: usize) -> io::Result<engine::Engine> {
    use serde_json::json;
    let mut engine = engine::Engine::new(engine::schema::vendored());
    engine.register(inventory::CLUSTER, Box::new(software::Cluster));
    engine.register(svms::PATH, Box::new(svms::Svms));
    engine.register(storage::VOLUMES, Box::new(storage::Volumes));
    engine.register(storage::SNAPSHOTS, Box::new(storage::Snapshots));
    engine::seed::load(&engine, engine::seed::DEFAULT_CLUSTER)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let invalid = |e: error::Refusal| io::Error::new(io::ErrorKind::InvalidData, e.message);
    let svm_res = engine
        .resource(svms::PATH)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "the model has no SVMs"))?;
    for i in 1..=extra_svms {
        let svm = json!({
            "name": format!("vs{i}"),
            "state": "running",
            "subtype": "default",
            "language": "c.utf_8",
            "comment": format!("seeded SVM {i}"),
        });
        engine.seed_with_companions(svm_res, &svm).map_err(invalid)?;
    }
    let reference = |path: &str, name: &str| {
        engine
            .find_by_name(path, name)
            .map(|r| json!({"name": name, "uuid": r.get("uuid")}))
    };
    let vs0 = reference(svms::PATH, "vs0").unwrap_or_else(|| json!({"name": "vs0"}));
    let aggregates: Vec<_> = ["aggr1", "aggr2"]
        .iter()
        .filter_map(|n| reference(storage::AGGREGATES, n))
        .collect();
    storage::seed_volumes(&engine, volumes, &vs0, &aggregates).map_err(invalid)?;
    Ok(engine)
}

/// Removes finished jobs once their retention has passed.
async fn purger(shared: std::sync::Weak<Shared>) {
    loop {
        let Some(s) = shared.upgrade() else { return };
        let retention = s.config.retention;
        s.jobs.purge(retention);
        let tick = (retention / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let now = tokio::time::Instant::now();
        let wake = match s.jobs.next_expiry(retention) {
            Some(t) => tokio::time::Instant::from_std(t).min(now + tick),
            None => now + tick,
        };
        drop(s);
        tokio::time::sleep_until(wake.max(now + Duration::from_millis(1))).await;
    }
}

/// A running simulator. It stops on [`Simulator::shutdown`] or when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sim = ontap_sim::Simulator::builder().credentials("admin", "pw").tls(false).start().await?;
/// println!("ONTAP at {}/api as {}", sim.base_url(), sim.username());
/// sim.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    certificate_pem: Option<String>,
    certificate_sha256: Option<String>,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
}

impl Simulator {
    /// A builder with the defaults: `admin` / `netapp1!`, HTTPS (a certificate for
    /// `localhost` and the loopback addresses), `127.0.0.1:0`, 300 s job retention, no
    /// download throttle, ONTAP 9.15.1 with the default cluster (the SVM `vs0` and no
    /// volumes), no seeded jobs or packages, 100 ms jobs, 10 s upgrades, a 1,000-request
    /// log, no faults, no client certificate login, one-hour tokens.
    ///
    /// ```
    /// let builder = ontap_sim::Simulator::builder();
    /// # let _ = builder;
    /// ```
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// The base URL, without the `/api` suffix: `https://127.0.0.1:PORT` (or `http://`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// assert_eq!(sim.base_url(), format!("https://{}", sim.addr()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// assert!(sim.addr().ip().is_loopback());
    /// # Ok(())
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The username requests must use.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().credentials("root", "pw").start().await?;
    /// assert_eq!(sim.username(), "root");
    /// # Ok(())
    /// # }
    /// ```
    pub fn username(&self) -> &str {
        &self.shared.config.username
    }

    /// The password requests must use.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().credentials("root", "pw").start().await?;
    /// assert_eq!(sim.password(), "pw");
    /// # Ok(())
    /// # }
    /// ```
    pub fn password(&self) -> &str {
        &self.shared.config.password
    }

    /// The self-signed certificate (PEM) when serving HTTPS, so a client can trust it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// assert!(sim.certificate_pem().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    /// let plain = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// assert!(plain.certificate_pem().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn certificate_pem(&self) -> Option<&str> {
        self.certificate_pem.as_deref()
    }

    /// The SHA-256 fingerprint of the server certificate (of its DER), as uppercase hex
    /// pairs joined by `:`, the form `openssl x509 -noout -fingerprint -sha256` prints
    /// after `=`; `None` without TLS. A client that pins certificates compares it with the
    /// certificate it receives.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// let fingerprint = sim.certificate_sha256().unwrap();
    /// assert_eq!(fingerprint.len(), 32 * 3 - 1); // AA:BB:...
    /// assert!(fingerprint.split(':').all(|pair| pair.len() == 2
    ///     && pair.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())));
    /// let plain = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// assert!(plain.certificate_sha256().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn certificate_sha256(&self) -> Option<String> {
        self.certificate_sha256.clone()
    }

    /// The certificate (PEM) of the CA that signs client certificates, with
    /// [`SimulatorBuilder::client_certificate_login`] (and TLS) on; `None` otherwise.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().client_certificate_login(true).start().await?;
    /// assert!(sim.client_ca_pem().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    /// let off = ontap_sim::Simulator::builder().start().await?;
    /// assert!(off.client_ca_pem().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn client_ca_pem(&self) -> Option<&str> {
        self.shared.logins.client_ca.as_ref().map(auth::ClientCa::pem)
    }

    /// A new key and client certificate for `user` (subject CN = `user`), signed by the
    /// simulator's CA, for TLS client authentication (see
    /// [`SimulatorBuilder::client_certificate_login`]). A certificate for the configured
    /// [`username`](Simulator::username) logs in; one for another name is accepted by the
    /// TLS handshake but logs in nothing.
    ///
    /// `None` when the login is off (or TLS is); also, though it does not happen in
    /// practice, when generating the key or signing fails.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().client_certificate_login(true).start().await?;
    /// let admin = sim.issue_client_certificate("admin").unwrap();
    /// let other = sim.issue_client_certificate("monitor").unwrap();
    /// assert_ne!(admin.certificate_pem, other.certificate_pem);
    /// let off = ontap_sim::Simulator::builder().start().await?;
    /// assert!(off.issue_client_certificate("admin").is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn issue_client_certificate(&self, user: &str) -> Option<ClientCertificate> {
        self.shared.logins.client_ca.as_ref()?.issue(user).ok()
    }

    /// A new bearer token (an OAuth 2.0 access token), valid for `lifetime` from now.
    ///
    /// A request with `Authorization: Bearer <token>` logs in while the token is valid.
    /// Once it has expired, after [`Simulator::revoke_tokens`], or for a token the
    /// simulator never issued, the request gets 401 with
    /// `WWW-Authenticate: Bearer error="invalid_token"` and no body. A token is 32 random
    /// bytes in base64url without padding (43 characters). The simulator keeps only its
    /// SHA-256, and the request log records its number
    /// ([`Login::Bearer`]: 1 for the first token issued), never the token.
    ///
    /// # Panics
    /// If the operating system's random number generator fails.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// use std::time::Duration;
    ///
    /// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// let token = sim.issue_token(Duration::from_secs(60));
    /// let r = reqwest::Client::new()
    ///     .get(format!("{}/api/cluster", sim.base_url()))
    ///     .bearer_auth(&token)
    ///     .send()
    ///     .await?;
    /// assert_eq!(r.status(), 200);
    /// assert_eq!(sim.requests()[0].auth, Some(ontap_sim::Login::Bearer { token: 1 }));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # From outside the process
    ///
    /// `POST /sim/tokens` issues one over HTTP, as a token endpoint would, for the Basic
    /// credentials (401 without them; a certificate or a token is not enough). Its body
    /// is empty or `{"expires_in": <seconds>}`; without `expires_in` the token lasts
    /// [`SimulatorBuilder::token_lifetime`] (one hour by default). It answers 201 with
    /// `{"access_token": "...", "token_type": "Bearer", "expires_in": <seconds>}` and
    /// `Cache-Control: no-store`. A body that is not such an object answers 400 (`262199`
    /// for invalid JSON, `262255` for another JSON value, `262179` for another field,
    /// `262197` for an `expires_in` that is not a whole number of seconds), a query
    /// parameter 400 `262179`, another method 405 code `3` (with `Allow: POST`). As for
    /// `/sim/requests`, no fault applies and the request is not recorded.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// let http = reqwest::Client::new();
    /// let r = http
    ///     .post(format!("{}/sim/tokens", sim.base_url()))
    ///     .basic_auth(sim.username(), Some(sim.password()))
    ///     .body(r#"{"expires_in": 300}"#)
    ///     .send()
    ///     .await?;
    /// assert_eq!(r.status(), 201);
    /// let answer: serde_json::Value = serde_json::from_str(&r.text().await?)?;
    /// assert_eq!((answer["token_type"].as_str(), answer["expires_in"].as_u64()), (Some("Bearer"), Some(300)));
    /// let token = answer["access_token"].as_str().unwrap();
    /// let r = http.get(format!("{}/api/cluster", sim.base_url())).bearer_auth(token).send().await?;
    /// assert_eq!(r.status(), 200);
    /// # Ok(())
    /// # }
    /// ```
    pub fn issue_token(&self, lifetime: Duration) -> String {
        match self.shared.logins.tokens.issue(lifetime) {
            Some((token, _)) => token,
            None => panic!("the operating system's random number generator failed"),
        }
    }

    /// Refuses every token issued so far, from now on, as a cluster does once its
    /// authorization server has rotated its signing keys. Tokens issued later are valid
    /// (their numbers keep counting up).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// let token = sim.issue_token(std::time::Duration::from_secs(3600));
    /// sim.revoke_tokens();
    /// let r = reqwest::Client::new()
    ///     .get(format!("{}/api/cluster", sim.base_url()))
    ///     .bearer_auth(&token)
    ///     .send()
    ///     .await?;
    /// assert_eq!(r.status(), 401);
    /// assert_eq!(r.headers()["www-authenticate"], "Bearer error=\"invalid_token\"");
    /// # Ok(())
    /// # }
    /// ```
    pub fn revoke_tokens(&self) {
        self.shared.logins.tokens.revoke_all();
    }

    /// The packages in the repository (downloaded successfully or seeded, and not deleted),
    /// oldest first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// assert!(sim.packages().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn packages(&self) -> Vec<Package> {
        self.shared.inventory.read().package_list()
    }

    /// The ONTAP version the cluster runs now (it changes when an upgrade completes).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().cluster_version("9.14.1").start().await?;
    /// assert_eq!(sim.cluster_version(), "9.14.1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn cluster_version(&self) -> String {
        self.shared.inventory.read().version.as_str().to_owned()
    }

    /// The last requests received (at most [`SimulatorBuilder::request_log`], 1,000 by
    /// default), oldest first, with secrets masked (see [`RecordedRequest`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// let patches = sim.requests().into_iter().filter(|r| r.method == "PATCH").count();
    /// assert_eq!(patches, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.snapshot()
    }

    /// Empties the request log.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// sim.clear_requests();
    /// assert!(sim.requests().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_requests(&self) {
        self.shared.requests.clear();
    }

    /// How many TCP connections the simulator accepted, how many are open now and the most
    /// that were open at once (see [`ConnectionStats`]; `GET /sim/connections` answers the
    /// same over HTTP).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// let stats = sim.connections();
    /// assert_eq!((stats.accepted, stats.open, stats.peak_open), (0, 0, 0));
    /// # Ok(())
    /// # }
    /// ```
    pub fn connections(&self) -> ConnectionStats {
        self.shared.connections.stats()
    }

    /// Activates a fault for the following requests (see [`Fault`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// sim.inject(ontap_sim::Fault::status(429).retry_after(1).times(1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.add(fault);
    }

    /// Removes every active fault.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// sim.inject(ontap_sim::Fault::status(503));
    /// sim.clear_faults();
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Stops accepting connections, closes the open ones (after their current response,
    /// at most 2 s), stops running downloads and waits for the server task to end.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// let addr = sim.addr();
    /// sim.shutdown().await;
    /// assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        self.shared.abort_tasks();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
        self.shared.abort_tasks();
    }
}
