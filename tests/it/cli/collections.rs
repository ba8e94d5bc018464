//! `lamin create/list/describe/load/delete collection`, and a query across a collection of
//! parquet files on S3 that reads only the bytes it needs (counted by a TCP relay in front of
//! the S3 server).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use polars::prelude::*;

use super::*;

/// Writes a parquet file with a small `cell`/`score` table and a wide `payload` column of
/// incompressible text that a query on the other columns never needs.
fn write_member(env: &Env, name: &str, seed: u64, scores: &[f64]) -> PathBuf {
    let mut state = seed;
    let payload: Vec<String> = scores
        .iter()
        .map(|_| {
            (0..600_000)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    char::from(b'a' + ((state >> 33) % 26) as u8)
                })
                .collect()
        })
        .collect();
    let cells: Vec<String> = (0..scores.len()).map(|i| format!("{name}-{i}")).collect();
    let mut df = df!("cell" => cells, "score" => scores, "payload" => payload).unwrap();
    let path = env.dir.path().join("in").join(format!("{name}.parquet"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .with_compression(ParquetCompression::Uncompressed)
        .finish(&mut df)
        .unwrap();
    path
}

/// A relay on 127.0.0.1 in front of the test S3 server that counts the bytes the server sends.
struct CountingRelay {
    port: u16,
    received: Arc<AtomicU64>,
}

impl CountingRelay {
    fn start() -> CountingRelay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = lamindb_tests::s3_endpoint()
            .trim_start_matches("http://")
            .to_owned();
        let received = Arc::new(AtomicU64::new(0));
        let counter = received.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let counter = counter.clone();
                let (mut c_read, mut s_write) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c_read, &mut s_write);
                    let _ = s_write.shutdown(std::net::Shutdown::Write);
                });
                let (mut s_read, mut c_write) = (server, client);
                std::thread::spawn(move || {
                    let mut buf = [0u8; 64 * 1024];
                    while let Ok(n) = s_read.read(&mut buf) {
                        if n == 0 || c_write.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        counter.fetch_add(n as u64, Ordering::SeqCst);
                    }
                    let _ = c_write.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        CountingRelay { port, received }
    }
}

fn make_collection(env: &Env) -> (Vec<String>, u64) {
    let mut keys = Vec::new();
    let mut total = 0;
    for (i, scores) in [[1.0, 7.0], [9.0, 2.0], [8.0, 3.0]].iter().enumerate() {
        let name = format!("m{i}");
        let p = write_member(env, &name, i as u64 + 1, scores);
        total += std::fs::metadata(&p).unwrap().len();
        let key = format!("batches/{name}.parquet");
        env.ok(&["save", p.to_str().unwrap(), "--key", &key]);
        keys.push(key);
    }
    (keys, total)
}

both!(collections_from_the_command_line, |backend| {
    let env = Env::new(backend);
    env.init();
    let (keys, _) = make_collection(&env);
    let made = env.json(&[
        "create",
        "collection",
        "batches",
        "--artifact",
        &keys[0],
        "--artifact",
        &keys[1],
        "--description",
        "two batches",
    ]);
    assert_eq!(made["created"], true);
    assert_eq!(made["artifacts"].as_array().unwrap().len(), 2);
    // The same members again: the existing collection, said so.
    let same = env.ok(&[
        "create",
        "collection",
        "batches",
        "--artifact",
        &keys[1],
        "--artifact",
        &keys[0],
    ]);
    assert!(
        same.contains("returning collection with same hash"),
        "{same}"
    );
    // A query's result as members: a new version of the same key.
    let v2 = env.json(&[
        "create",
        "collection",
        "batches",
        "--filter",
        "key__startswith=batches/",
    ]);
    assert_eq!(v2["created"], true);
    assert_eq!(
        &v2["uid"].as_str().unwrap()[..16],
        &made["uid"].as_str().unwrap()[..16]
    );
    let members: Vec<&str> = v2["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    assert_eq!(members, keys.iter().map(String::as_str).collect::<Vec<_>>());

    let listed = env.json(&["list", "collections"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let described = env.ok(&["describe", "collection", "--key", "batches"]);
    assert!(
        described.starts_with("Collection: batches ("),
        "{described}"
    );
    assert!(
        described.contains("version: 2 of 2 (latest)"),
        "{described}"
    );
    assert!(described.contains("Artifacts (3)"), "{described}");

    // Paths of the members, and copies named by their keys.
    let paths = env.ok(&["load", "collection", "--key", "batches"]);
    assert_eq!(paths.lines().count(), 3);
    let out = env.dir.path().join("out");
    env.ok(&[
        "load",
        "collection",
        "--key",
        "batches",
        "--to",
        out.to_str().unwrap(),
    ]);
    assert!(out.join("m2.parquet").exists());
    // One table across the members, narrowed in the scan.
    let rows = env.json(&[
        "load",
        "collection",
        "--key",
        "batches",
        "--columns",
        "cell,score",
        "--where",
        "score__gt=5",
    ]);
    assert_eq!(rows["columns"], serde_json::json!(["cell", "score"]));
    let mut cells: Vec<&str> = rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap())
        .collect();
    cells.sort();
    assert_eq!(cells, ["m0-1", "m1-0", "m2-0"]);
    let bad = env.lamin(&[
        "load",
        "collection",
        "--key",
        "batches",
        "--where",
        "scor__gt=5",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no column 'scor'"));

    // Options that belong to collections are refused elsewhere.
    let out = env.lamin(&["create", "ulabel", "x", "--artifact", &keys[0]]);
    assert!(!out.status.success());
    let out = env.lamin(&["create", "collection", "nothing", "--filter", "key=none"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no artifact matches"));

    // Trash brings back the first version, restore the second; --permanent removes it and
    // keeps the artifacts.
    env.ok(&["delete", "collection", "--key", "batches"]);
    let back = env.json(&["describe", "collection", "--key", "batches"]);
    assert_eq!(back["uid"], made["uid"]);
    let restored = env.json(&["restore", "collection", "--key", "batches"]);
    assert_eq!(restored["uid"], v2["uid"]);
    assert_eq!(
        env.json(&["describe", "collection", "--key", "batches"])["uid"],
        v2["uid"]
    );
    env.ok(&["delete", "collection", "--key", "batches", "--permanent"]);
    let left = env.json(&["describe", "collection", "--key", "batches"]);
    assert_eq!(
        left["uid"], made["uid"],
        "the first version is the latest again"
    );
    env.ok(&["delete", "collection", "--key", "batches", "--permanent"]);
    assert!(!env
        .lamin(&["describe", "collection", "--key", "batches"])
        .status
        .success());
    assert_eq!(
        env.json(&["list", "artifacts"]).as_array().unwrap().len(),
        3
    );
});

both!(
    a_query_across_s3_members_reads_only_what_it_needs,
    |backend| {
        let env = Env::new_s3(backend);
        env.init();
        let (keys, total) = make_collection(&env);
        let mut args = vec!["create", "collection", "lake"];
        for k in &keys {
            args.extend(["--artifact", k.as_str()]);
        }
        env.ok(&args);
        let relay = CountingRelay::start();
        let endpoint = format!("http://127.0.0.1:{}", relay.port);
        let out = env.lamin_with(
            &[
                "--json",
                "load",
                "collection",
                "--key",
                "lake",
                "--columns",
                "cell",
                "--where",
                "score__lt=5",
            ],
            &[("AWS_ENDPOINT_URL", endpoint.as_str())],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut cells: Vec<&str> = rows["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[0].as_str().unwrap())
            .collect();
        cells.sort();
        assert_eq!(cells, ["m0-0", "m1-1", "m2-1"]);
        let read = relay.received.load(Ordering::SeqCst);
        assert!(read > 0, "the query went through the relay");
        // The payload column is almost all of each file; the scan never fetched it.
        assert!(
            read * 5 < total,
            "read {read} bytes of {total}: the scan fetched columns it did not need"
        );
        // Loading the whole collection reads everything, through the same relay.
        let before = relay.received.load(Ordering::SeqCst);
        let out = env.lamin_with(
            &["load", "collection", "--key", "lake"],
            &[("AWS_ENDPOINT_URL", endpoint.as_str())],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(relay.received.load(Ordering::SeqCst) - before >= total);
    }
);
