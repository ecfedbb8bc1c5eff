//! Actions (`POST <object>/<action>`), generated from the model as methods of their
//! resource, against the simulator: a certificate signed with an argument the model
//! does not type, a key manager restored and migrated, and an action a release lacks.
#![cfg(feature = "full")]

use std::time::Duration;

use crate::common::simulated;
use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::{Cluster, SecurityCertificate, SecurityKeyManager, SecurityKeyManagerOnboard};
use ontap::{CallOptions, Error, Query, Release};
use ontap_sim::Simulator;
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(120);

fn sent(sim: &Simulator, path: &str) -> Vec<Option<serde_json::Value>> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .map(|r| r.body)
        .collect()
}

#[tokio::test]
async fn a_certificate_is_signed_with_an_untyped_argument() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        let certs: Vec<SecurityCertificate> = SecurityCertificate::get_collection(&conn, Query::new())
            .try_collect()
            .await
            .unwrap();
        let ca = certs.first().expect("the simulator has certificates");
        let uuid = ca.uuid.clone().unwrap();
        let csr = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBIjAN\n-----END CERTIFICATE REQUEST-----\n";
        let answer = ca
            .sign(
                &conn,
                json!({"signing_request": csr, "hash_function": "sha256"}),
                CallOptions::default(),
            )
            .await
            .expect("signed");
        assert!(answer.status().is_success());
        assert_eq!(
            sent(&sim, &format!("/api/security/certificates/{uuid}/sign")),
            [Some(json!({"signing_request": csr, "hash_function": "sha256"}))]
        );
        // A body that is not a JSON object is refused before any request.
        let err = ca.sign(&conn, json!("x"), CallOptions::default()).await.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_key_manager_action_sends_the_typed_body_and_waits_for_its_job() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        let mut km = SecurityKeyManager {
            onboard: Some(SecurityKeyManagerOnboard {
                passphrase: Some("a passphrase of 32 characters ok".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        km.post(&conn).await.expect("an onboard key manager");
        let uuid = km.uuid.clone().expect("its uuid");
        // restore takes no argument; its job is waited for.
        let answer = km
            .restore(&conn, SecurityKeyManager::default(), CallOptions::default())
            .await
            .unwrap();
        let path = format!("/api/security/key-managers/{uuid}/restore");
        assert_eq!(sent(&sim, &path), [Some(json!({}))]);
        if answer.job().is_some() {
            assert!(answer.job_status().is_some(), "the job was waited for");
        }
        // The typed body: the fields a POST takes, the keys left in the path.
        let typed = SecurityKeyManager {
            uuid: Some(uuid.clone()),
            policy: Some("IKEv2".into()),
            ..Default::default()
        };
        km.migrate(&conn, typed, CallOptions::default()).await.unwrap();
        assert_eq!(
            sent(&sim, &format!("/api/security/key-managers/{uuid}/migrate")),
            [Some(json!({"policy": "IKEv2"}))]
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn an_action_the_release_lacks_is_refused_unsent() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder().cluster_version("9.16.1")).await;
        let err = Cluster::default()
            .mediator_ping(&conn, json!({}), CallOptions::default())
            .await
            .unwrap_err();
        match err {
            Error::Unsupported { what, since, .. } => {
                assert_eq!(what, "`mediator-ping` action");
                assert_eq!(since, Release::new(9, 17, 0));
            }
            other => panic!("{other:?}"),
        }
        assert!(sent(&sim, "/api/cluster/mediator-ping").is_empty());
    })
    .await
    .unwrap();
}
