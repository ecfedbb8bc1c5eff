//! An SVM with a data interface: the SVM created (or found), an IP interface
//! in it with an address and netmask, placed on a home node and either a
//! broadcast domain (ONTAP picks the port) or a home port, then the SVM's
//! interfaces listed.
//!
//! With no arguments it runs against a simulator started in-process (SVM
//! `svm_demo`, address 192.0.2.50/24 on the first node, broadcast domain
//! `Default`). Against a real cluster:
//!
//! ```text
//! cargo run --example svm_with_interface --features network -- --host cluster.example.com \
//!     --username admin --password '...' --svm svm1 --ip 10.0.0.50 --netmask 24 \
//!     --home-node cluster1-01 --home-port e0d --insecure
//! ```
//!
//! The idiom to copy: typed resources with nested references
//! (`SvmReference`, `NodeReference`, ...) that name objects by name; `find`
//! to reuse what exists; the first record of a `get_collection` stream; a
//! `Query` with `fields` for what the listing prints. The simulator
//! keeps the interface as given: it assigns no port from the broadcast
//! domain, checks no address and reports no operational `state`.

mod common;

use std::process::ExitCode;

use clap::Parser;
use common::{BoxError, ClusterArgs, Target};
use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::{
    BroadcastDomainSvm, IpInfo, IpInterface, IpInterfaceLocation, IpServicePolicyReference, Node, NodeReference,
    PortReference, Svm, SvmReference,
};
use ontap::{CallOptions, Order, Query};

/// Create an SVM and a data interface on an ONTAP cluster (or on a simulator
/// started in-process when no host is given).
#[derive(Debug, Parser)]
#[command(name = "svm_with_interface")]
struct Args {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// The SVM (created unless it exists).
    #[arg(long, default_value = "svm_demo")]
    svm: String,
    /// The interface's address.
    #[arg(long, default_value = "192.0.2.50")]
    ip: String,
    /// The netmask: a length (24) or dotted (255.255.255.0).
    #[arg(long, default_value = "24")]
    netmask: String,
    /// The home node (by default the first node of the cluster).
    #[arg(long)]
    home_node: Option<String>,
    /// The home port on that node; without it ONTAP picks one of the broadcast domain.
    #[arg(long)]
    home_port: Option<String>,
    /// The broadcast domain, when no home port is given.
    #[arg(long, default_value = "Default")]
    broadcast_domain: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run(Args::parse()).await.map(|_| ()))
}

/// Runs the flow; returns the SVM's interfaces as listed at the end (and the
/// target, whose simulator lives on with it).
async fn run(args: Args) -> Result<(Vec<IpInterface>, Target), BoxError> {
    let target = Target::new(args.cluster, |sim| sim).await?;
    let conn = &target.conn;
    let svm_ref = SvmReference {
        name: Some(args.svm.clone()),
        ..Default::default()
    };

    // 1. The SVM: its create is a job, waited for.
    if Svm::find(conn, Query::new().filter("name", &args.svm)).await?.is_none() {
        let mut svm = Svm {
            name: Some(args.svm.clone()),
            comment: Some("created by the svm_with_interface example".into()),
            ..Default::default()
        };
        svm.post_with(conn, CallOptions::default().hydrate(true)).await?;
        println!("Created SVM {} ({})", args.svm, svm.uuid.as_deref().unwrap_or("?"));
    }

    // 2. The home node: as given, or the first node the cluster lists.
    let home_node = match args.home_node {
        Some(name) => name,
        None => {
            let by_name = Query::new().fields(["name"]).order_by("name", Order::Asc);
            let mut nodes = Node::get_collection(conn, by_name);
            let first = nodes.try_next().await?.and_then(|n| n.name);
            first.ok_or("the cluster lists no node")?
        }
    };

    // 3. The interface, unless one has the address already.
    let name = format!("{}_data1", args.svm);
    let with_address = Query::new().filter("ip.address", &args.ip);
    if IpInterface::find(conn, with_address).await?.is_none() {
        let node = NodeReference {
            name: Some(home_node.clone()),
            ..Default::default()
        };
        let mut location = IpInterfaceLocation {
            home_node: Some(node),
            ..Default::default()
        };
        match &args.home_port {
            Some(port) => {
                let on = Node {
                    name: Some(home_node.clone()),
                    ..Default::default()
                };
                let port = PortReference {
                    name: Some(port.clone()),
                    node: Some(on),
                    ..Default::default()
                };
                location.home_port = Some(port);
            }
            None => {
                let domain = BroadcastDomainSvm {
                    name: Some(args.broadcast_domain.clone()),
                    ..Default::default()
                };
                location.broadcast_domain = Some(domain);
            }
        }
        let mut interface = IpInterface {
            name: Some(name.clone()),
            svm: Some(svm_ref),
            ip: Some(IpInfo {
                address: Some(args.ip.clone()),
                netmask: Some(args.netmask.clone()),
                ..Default::default()
            }),
            location: Some(location),
            service_policy: Some(IpServicePolicyReference {
                name: Some("default-data-files".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        interface.post(conn).await?;
        println!("Created interface {name} ({})", interface.uuid.unwrap_or_default());
    }

    // 4. The SVM's interfaces, as the library prints a resource.
    let query = Query::new()
        .filter("svm.name", &args.svm)
        .fields(["name", "ip", "state", "location"]);
    let interfaces: Vec<IpInterface> = IpInterface::get_collection(conn, query).try_collect().await?;
    for interface in &interfaces {
        println!("{interface}");
    }
    Ok((interfaces, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_offline_run_creates_the_svm_and_its_interface() {
        let args = Args::try_parse_from(["svm_with_interface", "--timeout", "30"]).unwrap();
        let (interfaces, target) = run(args).await.expect("the offline flow succeeds");
        let conn = &target.conn;
        let svm = Svm::find(conn, Query::new().filter("name", "svm_demo")).await.unwrap();
        assert!(svm.is_some(), "the SVM is there");
        let mut nodes = Node::get_collection(conn, Query::new().order_by("name", Order::Asc));
        let first_node = nodes.try_next().await.unwrap().unwrap().name;
        assert_eq!(interfaces.len(), 1, "{interfaces:?}");
        let lif = &interfaces[0];
        assert_eq!(lif.name.as_deref(), Some("svm_demo_data1"));
        let ip = lif.ip.clone().unwrap();
        assert_eq!(
            (ip.address.as_deref(), ip.netmask.as_deref()),
            (Some("192.0.2.50"), Some("24"))
        );
        let home = lif.location.clone().unwrap().home_node.unwrap().name;
        assert_eq!(home, first_node);
        // The interface is the SVM's, and no other SVM's listing has it.
        let in_vs0 = IpInterface::count_collection(
            conn,
            Query::new()
                .filter("svm.name", "vs0")
                .filter("ip.address", "192.0.2.50"),
        );
        assert_eq!(in_vs0.await.unwrap(), 0);
    }
}
