//! Uploads and file contents against the simulator: a software package uploaded from a
//! file of several MB, streamed with its progress reported, and a volume file written
//! then read back by byte range.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{simulated, volume};
use futures::TryStreamExt;
use ontap::bytes::Bytes;
use ontap::prelude::*;
use ontap::resources::SoftwarePackage;
use ontap::{Error, JobState, MAX_FILE_RANGE, Query, Upload, VolumeFile};
use ontap_sim::Simulator;

const LIMIT: Duration = Duration::from_secs(120);

/// A package file of `size` bytes in a fresh directory.
fn package_file(name: &str, size: usize) -> (tempdir::Dir, std::path::PathBuf) {
    let dir = tempdir::Dir::new();
    let path = dir.0.join(name);
    let data: Vec<u8> = (0..size).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(&path, data).unwrap();
    (dir, path)
}

mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir(pub std::path::PathBuf);

    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!(
                "ontap-transfer-{}-{:?}",
                std::process::id(),
                std::time::SystemTime::now()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Dir(path)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[tokio::test]
async fn a_package_is_uploaded_from_a_file_as_it_is_read() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder().cluster_version("9.15.1")).await;
        let size = 6 * 1024 * 1024 + 123;
        let (_dir, path) = package_file("ontap-9.16.1-image.tgz", size);
        let reports = Arc::new(Mutex::new(Vec::new()));
        let seen = reports.clone();
        let response = Upload::post("/cluster/software/upload")
            .on_progress(move |sent| seen.lock().unwrap().push(sent))
            .send_file(&conn, &path)
            .await
            .expect("uploaded");
        assert_eq!(
            response.job_status().and_then(|s| s.state.clone()),
            Some(JobState::Success)
        );
        // Read and sent a piece at a time (64 KiB), each piece reported.
        let reports = reports.lock().unwrap().clone();
        assert_eq!(reports.last(), Some(&(size as u64)));
        assert!(reports.len() >= size / (64 << 10), "{} reports", reports.len());
        assert!(reports.windows(2).all(|w| w[0] < w[1] && w[1] - w[0] <= 64 << 10));
        // The package is in the repository, versioned from its name, with its size.
        let package = SoftwarePackage::find(&conn, Query::new().filter("version", "9.16.1"))
            .await
            .unwrap()
            .expect("the uploaded package");
        assert_eq!(package.version.as_deref(), Some("9.16.1"));
        let posts: Vec<_> = sim
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == "/api/cluster/software/upload")
            .collect();
        assert_eq!(posts.len(), 1, "sent once");

        // The same package again: its job fails, and the error says why.
        let err = Upload::post("/cluster/software/upload")
            .send_file(&conn, &path)
            .await
            .unwrap_err();
        assert_eq!(err.ontap_code(), Some("10551327"), "{err:?}");
        // A file that cannot be read is refused before any request.
        let err = Upload::post("/cluster/software/upload")
            .send_file(&conn, path.with_extension("missing"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_volume_file_is_written_then_read_back_by_range() {
    tokio::time::timeout(LIMIT, async {
        let (_sim, conn) = simulated(Simulator::builder()).await;
        let mut v = volume("files");
        v.post(&conn).await.unwrap();
        let uuid = v.uuid.clone().unwrap();
        let file = VolumeFile::new(&uuid, "logs/app.v1.log");
        file.create(&conn, Bytes::from_static(b"hello "))
            .await
            .expect("created");
        file.write(&conn, 6, Bytes::from_static(b"world"))
            .await
            .expect("written");
        assert_eq!(&file.read(&conn, 0, 11).await.unwrap()[..], b"hello world");
        assert_eq!(&file.read(&conn, 6, 3).await.unwrap()[..], b"wor");
        assert_eq!(
            &file.read(&conn, 9, 100).await.unwrap()[..],
            b"ld",
            "cut where the file ends"
        );

        // Larger than one range: written range by range, read back whole as a stream.
        let big: Vec<u8> = (0..(2 * MAX_FILE_RANGE as usize + 4321))
            .map(|i| (i % 251) as u8)
            .collect();
        let file = VolumeFile::new(&uuid, "data.bin");
        file.create(&conn, Bytes::copy_from_slice(&big[..MAX_FILE_RANGE as usize]))
            .await
            .unwrap();
        let mut at = MAX_FILE_RANGE as usize;
        while at < big.len() {
            let end = (at + MAX_FILE_RANGE as usize).min(big.len());
            file.write(&conn, at as u64, Bytes::copy_from_slice(&big[at..end]))
                .await
                .unwrap();
            at = end;
        }
        let pieces: Vec<Bytes> = file.read_all(&conn, 0).try_collect().await.unwrap();
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces.concat(), big);

        // Over a range, or a file that does not exist: typed errors.
        let err = file.read(&conn, 0, MAX_FILE_RANGE + 1).await.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        let err = VolumeFile::new(&uuid, "none").read(&conn, 0, 10).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err:?}");
    })
    .await
    .unwrap();
}
