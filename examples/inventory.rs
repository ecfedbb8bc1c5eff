//! A cluster inventory: every node, aggregate and volume with its state and
//! capacity, one row each, written to stdout as CSV or JSON lines as the
//! records arrive. Each collection is read with `get_collection`, a stream
//! that holds one page (and the next, read ahead) at a time, so memory stays
//! flat whether the cluster has ten volumes or a hundred thousand.
//!
//! With no arguments it runs against a simulator started in-process, seeded
//! with 250 volumes. Against a real cluster:
//!
//! ```text
//! cargo run --example inventory -- --host cluster.example.com --username admin \
//!     --password '...' --format json --insecure > inventory.jsonl
//! ```
//!
//! The idiom to copy: `get_collection` with a `Query` naming the `fields` the
//! report needs and the page size (`max_records`), read with `try_next` and
//! written out record by record (`write_rows`); never collected into a `Vec`.

mod common;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use common::{BoxError, ClusterArgs, Target};
use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::{Aggregate, Node, Volume};
use ontap::{HostConnection, Query};
use serde::Serialize;

/// Write a cluster's nodes, aggregates and volumes to stdout (from a
/// simulator started in-process when no host is given).
#[derive(Debug, Parser)]
#[command(name = "inventory")]
struct Args {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// The output: CSV with a header, or one JSON object per line.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Records per page read from the cluster.
    #[arg(long, default_value_t = 1000)]
    page_size: u32,
    /// The volumes the in-process simulator is seeded with (without `--host`).
    #[arg(long, default_value_t = 250)]
    simulated_volumes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Csv,
    Json,
}

/// One line of the report. Capacities are in bytes.
#[derive(Debug, Default, Serialize)]
struct Row {
    kind: &'static str,
    name: Option<String>,
    /// The node of an aggregate, the SVM of a volume.
    owner: Option<String>,
    state: Option<String>,
    size: Option<i64>,
    used: Option<i64>,
    available: Option<i64>,
}

impl Row {
    fn write(&self, out: &mut impl Write, format: Format) -> std::io::Result<()> {
        if format == Format::Json {
            serde_json::to_writer(&mut *out, self)?;
            return writeln!(out);
        }
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        let text = |s: &Option<String>| match s.as_deref().unwrap_or_default() {
            s if s.contains([',', '"', '\n']) => format!("\"{}\"", s.replace('"', "\"\"")),
            s => s.to_owned(),
        };
        let (name, owner, state) = (text(&self.name), text(&self.owner), text(&self.state));
        let (size, used, available) = (number(self.size), number(self.used), number(self.available));
        writeln!(out, "{},{name},{owner},{state},{size},{used},{available}", self.kind)
    }
}

/// Streams the records `query` selects, writing each as a row as it arrives.
async fn write_rows<R: Collection>(
    conn: &HostConnection,
    query: Query,
    out: &mut impl Write,
    format: Format,
    row: impl Fn(R) -> Row,
) -> Result<u64, BoxError> {
    let mut records = R::get_collection(conn, query);
    let mut written = 0;
    while let Some(record) = records.try_next().await? {
        row(record).write(out, format)?;
        written += 1;
    }
    Ok(written)
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let result = run(Args::parse(), &mut out).await.and_then(|_| Ok(out.flush()?));
    // A reader that stops early (`| head`) is no failure.
    let closed = |e: &BoxError| e.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
    common::exit(result.or_else(|e| match closed(&e) {
        Some(std::io::ErrorKind::BrokenPipe) => Ok(()),
        _ => Err(e),
    }))
}

/// Writes the report to `out`; returns the rows written (and the target,
/// whose simulator lives on with it).
async fn run(args: Args, out: &mut impl Write) -> Result<(u64, Target), BoxError> {
    let volumes = args.simulated_volumes;
    let target = Target::new(args.cluster, |sim| sim.seed_volumes(volumes)).await?;
    let (conn, format, page) = (&target.conn, args.format, args.page_size);
    let query = |fields: &[&str]| Query::new().fields(fields.iter().copied()).max_records(page);
    if format == Format::Csv {
        writeln!(out, "kind,name,owner,state,size,used,available")?;
    }

    let nodes = query(&["name", "state"]);
    let mut rows = write_rows(conn, nodes, out, format, |node: Node| Row {
        kind: "node",
        state: node.state.map(|s| s.as_str().to_owned()),
        name: node.name,
        ..Default::default()
    })
    .await?;

    let aggregates = query(&["name", "node.name", "state", "space.block_storage"]);
    rows += write_rows(conn, aggregates, out, format, |aggregate: Aggregate| {
        let space = aggregate.space.and_then(|s| s.block_storage).unwrap_or_default();
        Row {
            kind: "aggregate",
            state: aggregate.state.map(|s| s.as_str().to_owned()),
            name: aggregate.name,
            owner: aggregate.node.and_then(|n| n.name),
            size: space.size,
            used: space.used,
            available: space.available,
        }
    })
    .await?;

    let volumes = query(&["name", "svm.name", "state", "space"]);
    rows += write_rows(conn, volumes, out, format, |volume: Volume| {
        let space = volume.space.unwrap_or_default();
        Row {
            kind: "volume",
            state: volume.state.map(|s| s.as_str().to_owned()),
            name: volume.name,
            owner: volume.svm.and_then(|s| s.name),
            size: space.size,
            used: space.used,
            available: space.available,
        }
    })
    .await?;
    Ok((rows, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn report(format: &str) -> (String, Target) {
        let argv = "inventory --page-size 40 --simulated-volumes 100 --format".split(' ');
        let mut out = Vec::new();
        let args = Args::try_parse_from(argv.chain([format])).unwrap();
        let (rows, target) = run(args, &mut out).await.unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines = text.lines().count() as u64;
        assert_eq!(lines, rows + u64::from(format == "csv"), "every row is one line");
        (text, target)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_csv_rows_are_what_the_cluster_holds() {
        let (text, target) = report("csv").await;
        let conn = &target.conn;
        let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(',').collect()).collect();
        let of = |kind: &str| rows.iter().filter(|r| r[0] == kind).count() as u64;
        let held = [
            Node::count_collection(conn, Query::new()).await.unwrap(),
            Aggregate::count_collection(conn, Query::new()).await.unwrap(),
            Volume::count_collection(conn, Query::new()).await.unwrap(),
        ];
        assert_eq!([of("node"), of("aggregate"), of("volume")], held);
        // Each volume's row holds its own SVM, state and space.
        let mut volumes = Volume::get_collection(conn, Query::new().fields(["svm.name", "state", "space"]));
        while let Some(v) = volumes.try_next().await.unwrap() {
            let name = v.name.clone().unwrap();
            let row = rows.iter().find(|r| r[0] == "volume" && r[1] == name).unwrap();
            let space = v.space.unwrap();
            let expected = [space.size, space.used, space.available].map(|n| n.unwrap().to_string());
            assert_eq!(
                (row[2], row[3]),
                (v.svm.unwrap().name.unwrap().as_str(), v.state.unwrap().as_str())
            );
            assert_eq!(row[4..7], expected, "{name}");
        }
        // The volumes were read page by page, not in one answer.
        let (sim, _) = target.simulator.as_ref().unwrap();
        let requests = sim.requests();
        let pages = requests
            .iter()
            .filter(|r| r.method == "GET" && r.path == "/api/storage/volumes");
        assert!(pages.count() >= 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_json_lines_are_what_the_cluster_holds() {
        let (text, target) = report("json").await;
        let rows: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let volumes = Volume::count_collection(&target.conn, Query::new()).await.unwrap();
        assert_eq!(rows.iter().filter(|r| r["kind"] == "volume").count() as u64, volumes);
        let held = Query::new().fields(["node.name", "space.block_storage"]);
        let mut aggregates = Aggregate::get_collection(&target.conn, held);
        while let Some(a) = aggregates.try_next().await.unwrap() {
            let row = rows
                .iter()
                .find(|r| r["kind"] == "aggregate" && r["name"] == a.name.as_deref().unwrap());
            let size = a.space.and_then(|s| s.block_storage).and_then(|b| b.size);
            assert_eq!(row.unwrap()["size"].as_i64(), size);
            assert_eq!(row.unwrap()["owner"].as_str(), a.node.and_then(|n| n.name).as_deref());
        }
    }
}
