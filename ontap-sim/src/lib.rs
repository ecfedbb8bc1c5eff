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
//! | `/api/cluster` | `name`, `uuid`, `version {full, generation, major, minor}`; every field the model lets a PATCH set (`contact`, `dns_domains`, `name_servers`, `timezone`, ...), by a job; `POST` refused (409, the cluster exists) |
//! | `/api/cluster/jobs[/{uuid}]` | the jobs every asynchronous operation starts, with pause/resume/cancel for downloads |
//! | `/api/svm/svms` | SVM names; a new SVM comes with its root volume (`<name>_root`) and login message; no delete while other volumes remain, and a delete takes what the SVM owns |
//! | `/api/storage/volumes` and `.../snapshots` | volume names (917888), sizes, `space` and `autosize` limits kept from `size`; snapshots under their volume |
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
//!     .cluster_version("9.19.1")                   // the default; 9.6 to 9.19.1
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
//!           [--cluster-version 9.19.1] [--next-version 9.16.1] [--job-duration-ms 100]
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
//! - **Bodies** are read as ONTAP reads them: a dotted key is the nested field it names
//!   (`{"svm.name": "vs0", "guarantee.type": "none"}`, as NetApp's documentation names
//!   body fields and Ansible's `netapp.ontap` sends them); a string where the model has a
//!   reference object is the reference by name (`"snapshot_policy": "default"`, which
//!   NetApp-maintained modules send); a list of objects may come field by field
//!   (`"users.name": ["alice", "bob"]` is `"users": [{"name": "alice"}, {"name": "bob"}]`,
//!   as Ansible's `na_ontap_quotas` sends it); numbers and booleans may come as text (`"755"`,
//!   `"true"`), sizes with a unit (`"1GB"`: KB, MB, GB, TB, PB and K, M, G, T, P, powers of
//!   1024, as GS documents for bodies and query parameters).
//! - **Keys** are assigned as ONTAP does: a `uuid` key is generated, an integer key (`id`)
//!   counts up, a key such as `name` comes from the body (missing: 400 `262212`); a key
//!   `svm.uuid` is found from `svm.name` (an unknown SVM: 400 `2621462`). The parent's key
//!   (and name, where the record carries it) comes from the path; a missing parent
//!   answers 404 code `4` with the parent key as target. A path one key short of a record,
//!   with that key in the query, is the record (`DELETE
//!   /api/protocols/cifs/shares/{svm.uuid}?name=projects`, as Ansible's `na_ontap_cifs`
//!   deletes a share).
//! - **Ordered lists** (the resources whose PATCH takes `new_index`: export policy rules,
//!   EMS filter rules, name mappings, CIFS home directory search paths) number their
//!   records from 1 within the list; a new record goes last unless it names its `index`,
//!   and then the records from there to the next free place move down by one;
//!   `PATCH .../{index}?new_index=N` moves a record and the ones between move by one; a
//!   delete leaves a gap (ONTAP's `vserver export-policy rule` documentation).
//! - **References** to SVMs, aggregates and owners in a POST body (`svm`, `aggregates`,
//!   `owner`) are resolved by `uuid` or `name` and answered with both; a reference to
//!   nothing is refused (400 `2621462` for an SVM, `2` for an aggregate). The admin SVM
//!   is named after the cluster (`sim-cluster`): it is no record of `/api/svm/svms`, but
//!   may be named where an SVM is, and owns the cluster's accounts and roles (an account
//!   or role created without `owner` is the cluster's).
//! - **Defaults and the fields that follow from others** are filled in on create from
//!   `data/defaults.json`, each with its evidence (ONTAP's documentation, recorded
//!   bodies, or "inferred"): a volume's `guarantee.type` `volume`, `snapshot_policy`
//!   `default`, `autosize`, snapshot reserve, ...; an SVM's `ipspace` `Default`,
//!   `snapshot_policy`, `language`, protocols off; a schedule's `type` from `cron` or
//!   `interval`; `scope` of snapshot policies and accounts from `svm` / `owner`; an
//!   export rule's `protocols`, `superuser`, `anonymous_user`, ...; a DNS configuration's
//!   `uuid`, which is its SVM's.
//! - **Names are unique** within their parent and SVM: a second create with the same
//!   name, or a rename onto it, answers 409 code `1` (target `name`), also while the job
//!   that creates or renames the first still runs. A rename shows in the records below
//!   that carry their parent's name (a volume's snapshots' `volume.name`).
//! - **Asynchronous operations** (those the model marks `x-ntap-async: both`) answer 202
//!   with `{"job": {"uuid", "_links"}}`, and the change happens when the job ends after
//!   [`job_duration`](SimulatorBuilder::job_duration); with `return_timeout` (0..=120)
//!   the request waits for it and answers 201 (POST) or 200 with the same body. The
//!   others answer at once: 201 `{}` for a POST, 200 `{}` for a PATCH or DELETE.
//!   A create's job is described by the new record's path (`POST
//!   /api/svm/svms/<uuid>`, as a recorded SVM create job); a job on an SVM's object names
//!   the SVM (an SVM create, the new one) and no node.
//! - **`Location`** of a create: for a 202, a query on the collection as ONTAP writes it
//!   (`/api/storage/volumes/?name=vol1`); for a 201, the new record's path.
//!   `return_records=true` adds the new record's keys:
//!   `{"num_records": 1, "records": [{"uuid", "name", "_links"}], "job": {...}}`.
//! - **Record-based creates**: a POST body `{"records": [...]}` creates each record
//!   (GS); all or nothing (the first refusal refuses them all), at once or by one job.
//! - **PATCH and DELETE on a collection** need a filter (`?name=old_*`), or a body
//!   `{"records": [...]}` whose records name their objects by their own keys (a PATCH
//!   record also carries its own changes), as NetApp's Python client sends
//!   `patch_collection(records=...)` and `delete_collection(records=...)`; a record
//!   that names nothing refuses the request (404 code `4`) before anything changes. They
//!   answer `{"jobs": [...], "num_records", "_links"}`, one job per record for
//!   asynchronous operations (202), or `{"num_records"}` (200).
//! - **Actions** (`POST .../restore`, `.../rekey-internal`, ...) check their object exists
//!   and their body, and answer a job or 201 `{}`.
//!
//! ## Validation
//!
//! Bodies and query parameters are checked against the model before anything happens,
//! by one reader for every path (the engine's, the jobs', the download's and the
//! software's). Every error is an ONTAP body `{"error": {"message", "code" (a string),
//! "target"?}}`. The codes, and where they come from (GS: the error table of NetApp's
//! "Getting started with the ONTAP REST API"; the other sources are named; the client
//! and the simulator share one table of them, `ontap_model::codes`):
//!
//! | Refusal | Status | Code | Evidence |
//! | --- | --- | --- | --- |
//! | unknown body field or query parameter (target: the dotted path) | 400 | `262179` | GS; a cluster's answer in Ansible `netapp.ontap` issue 178 |
//! | a field this verb cannot set (read-only, create-only in a PATCH; target the field) | 400 | `262196` | GS; Trident's response tables; a volume PATCH of `svm.name` |
//! | invalid JSON | 400 | `262199` | GS |
//! | a body that is not an object (an array) | 400 | `262255` | GS |
//! | a value of the wrong type, outside the field's enum or bounds; a bad `fields`, `max_records`, `return_records`, `return_timeout` | 400 | `262197` | GS ("invalid value provided for field"); confirmed for `return_timeout`; inferred for body types and enums |
//! | a missing required value (`name` of a volume or SVM, a key the server cannot assign, the download's `url`, the software PATCH's `version`) | 400 | `262212` | GS |
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
//!   `*` (every field but the ones the model lists as expensive for that GET,
//!   `x-ntap-doc-expensive`: `autosize`, `guarantee`, `is_svm_root`, ... of a volume),
//!   `**` (every field), `a.b` for nested fields, `a.{b,c}` groups, `!x` to leave a field
//!   out (`fields=!space` is `*` but `space`), comma lists; an expensive field named comes
//!   back. The keys, `name` (but for a singleton) and `_links` are always there; without
//!   `fields` a collection returns only them, a GET of one record the fields of `*`. The
//!   fields a query filters on come back too.
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
//!   `aggregates.name` (any array element matches), a reference by its name (`volume=vol1`
//!   for `volume.name=vol1`, as Ansible's `na_ontap_qtree` sends): `*` wildcards, `!`
//!   (not), `|` (or), `<`, `>`, `<=`, `>=`, `a..b` (inclusive range), `null` (the field is
//!   not set) and `!null`; numbers compare as numbers, sizes may carry a unit
//!   (`size=>1GB`), strings ignore case; several filters must all match.
//! - A GET of one record or a singleton takes the same parameters: `fields`, filters (a
//!   record they do not match answers 404 code `4`), and `max_records`, `return_records`,
//!   `order_by` and `return_timeout`, checked and otherwise without effect, as ONTAP
//!   accepts them on every GET (NetApp's Python client sends the query of a create's
//!   `Location` on every later GET of the record: `GET .../{uuid}?fields=*&name=vol1`).
//! - `X-Dot-SVM-Name` (or `X-Dot-SVM-UUID`) limits a collection whose records belong to
//!   an SVM to that SVM's, as ONTAP's SVM tunnelling does.
//!
//! ## The default cluster
//!
//! `data/cluster.json` holds the cluster every simulator starts with, checked against
//! the model: `sim-cluster`, two nodes (`sim-cluster-01`, `sim-cluster-02`), an aggregate
//! per node (`aggr1`, `aggr2`), disks, ports `e0a`..`e0d` per node in the `Cluster` and
//! `Default` broadcast domains and IPspaces, cluster-management, node-management,
//! cluster and data interfaces, routes, service policies, the data SVM `vs0` with NFS, its
//! default export policy and its root volume `vs0_root`, licenses, schedules and snapshot
//! policies, and what every cluster has built in: the accounts `admin` and `autosupport`
//! of the cluster and `vsadmin` of `vs0` (NetApp's ontap-automation documentation lists
//! these three on a new cluster), the built-in roles of the cluster (`admin`,
//! `autosupport`, `backup`, `none`, `readonly`, `snaplock`) and of `vs0` (`vsadmin`,
//! `vsadmin-backup`, `vsadmin-protocol`, `vsadmin-readonly`, `vsadmin-snaplock`,
//! `vsadmin-volume`), one login message for the cluster and one per SVM under the SVM's
//! UUID (NetApp's login messages documentation), the cluster's server certificate and
//! AutoSupport settings. Node root volumes are not listed, as on ONTAP.
//! [`seed_svms`](SimulatorBuilder::seed_svms) and
//! [`seed_volumes`](SimulatorBuilder::seed_volumes) add more.
//!
//! ## Protocol
//!
//! - **Content type**: `application/hal+json` unless the client's `Accept` names only
//!   other types (`application/json`); `*/*` and no `Accept` get it, as ONTAP's default.
//!   With `application/json` the answers carry no `_links` but a page's `next`, as ONTAP
//!   documents. Bodies are 2-space-indented JSON, keys (`uuid`, `name`) first.
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
//! - A release older than 9.19.1 ([`cluster_version`](SimulatorBuilder::cluster_version))
//!   serves the model cut down by its `x-ntap-introduced` markers, which come from
//!   NetApp's Python client release by release: a marker the client got late (such as
//!   the software download's `state`, `message` and `code`, marked 9.17 but documented
//!   since 9.7) makes the simulator refuse what that release had; parts without a marker
//!   are always served; no path that a release had and a later one removed is served.
//!   Where a record's own key came later than its path (a DNS configuration's `uuid`,
//!   9.13, at `/name-services/dns/{uuid}` since 9.6), an older release stores the record
//!   under the field the defaults copy the key from (`svm.uuid`: the path then named the
//!   SVM, as ONTAP 9.8's reference writes it, `/name-services/dns/{svm.uuid}`).
//! - Nested references (`svm`, `aggregates`, `volume`) carry no `_links`, and a `self` link
//!   never keeps a trailing slash of the request.
//! - Field order: the keys `uuid` and `name` first, then the model's order, which is
//!   alphabetical (ONTAP's own order is not in the model).
//! - `return_timeout` never cuts a collection GET short (it is always fast).
//! - The engine's resources keep what they are given and nothing more happens: a LIF
//!   created on a port does not change the port, a new volume takes no space from its
//!   aggregate, an export rule grants no access. Only the behaviours listed above act.
//! - The jobs and the software download are served by their own handlers, and so are
//!   the writes of `/api/cluster/software` and of one package: `PATCH` by query on
//!   `/api/cluster/jobs` answers from the engine's own (empty) store, and a `DELETE` by
//!   query on the packages removes their records without the files behind them.
//! - Where ONTAP's answer is not known, the simulator's is inferred and said so: a GET of
//!   one record whose filters do not match it answers 404 code `4`; the job of a create
//!   is described by the new record's path for every resource (recorded for SVMs; an
//!   older documented snapshot job showed the `Location` query instead); the defaults
//!   marked "inferred" in `data/defaults.json`; the privileges of the built-in roles (not
//!   kept) and the applications of the `autosupport` account (none).
//! - A record-based create answers one job without a `results` link (GS documents
//!   `_links.results` and `GET <collection>?job_results_uuid=...`) and takes no
//!   `continue_on_failure`: it is all or nothing.
//! - A list kept inline in a record and the collection of the same objects are apart:
//!   an export policy's `rules` and `/protocols/nfs/export-policies/{policy.id}/rules`,
//!   an igroup's `initiators` and `.../igroups/{igroup.uuid}/initiators`; on ONTAP they
//!   are the same objects.
//! - An ordered list's records come in the order of their keys as text (`10` before `2`)
//!   unless `order_by=index` asks for numbers.
//! - Sizes take the unit letters alone too (`1G`); GS documents `KB` to `PB` only.
//! - The cluster's DNS (`PATCH /api/cluster {"dns_domains", "name_servers"}`) is not
//!   listed in `/api/name-services/dns` with `scope` `cluster`, as ONTAP lists it.
//! - A CIFS share's `path` is not checked against the SVM's namespace, and an SVM needs
//!   no CIFS server for its shares.
//! - Qtree ids count up across the cluster, and no volume lists its qtree 0; ONTAP
//!   numbers qtrees from 1 per volume beside the volume's own qtree 0. `vs0`'s default
//!   export policy has one rule (ONTAP creates it empty), so that NFS clients of the
//!   default cluster can mount.
//! - Paths the model does not have answer 404 code `3`, among them
//!   `/api/private/support/alerts`, which NetApp's tools read on some releases.
//! - Names are unique per parent and SVM for every resource; ONTAP's rules vary by
//!   resource (some names are unique per cluster, some not at all).
//! - `X-Dot-SVM-Name` / `X-Dot-SVM-UUID` scope collection GETs only; they do not stand in
//!   for `svm` in POST bodies, and an unknown SVM simply matches no record.
//! - hyper answers a request it cannot parse itself, with an empty body: a malformed
//!   request line or header, a URI over 64 KiB, more than 100 header fields, a head over
//!   256 KiB.
//! - The CLI passthrough (`/api/private/cli/{command}`) answers a documented set of
//!   `show` commands from the simulator's own records with the CLI's field names
//!   (`version`, `cluster`, `node`, `vserver`, `volume`, `network interface`, `job`: see
//!   the `cli` module for each field's REST source and its evidence) and `volume create`
//!   as a job; any other `show` answers no records, any other command 405. `job show`'s
//!   field names, and the mappings its module marks inferred, are not confirmed by a
//!   cluster's answer.
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
mod builder;
mod cli;
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
mod simulator;
mod software;
mod state;
mod storage;
mod svms;
mod transfer;
mod util;
mod version;

pub use auth::{ClientCertificate, Login};
pub use builder::SimulatorBuilder;
pub use faults::Fault;
pub use package_server::PackageServer;
pub use requests::RecordedRequest;
pub use server::ConnectionStats;
pub use simulator::Simulator;

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
