//! Shared support for lamindb-rs integration suites: throw-away instances on SQLite and on a
//! real Postgres server (each test gets its own database), isolated settings, and the `lamin`
//! binary.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use lamindb_core::{InitOptions, Instance, ModuleSet};

// Link the modules the suites use.
pub use bionty;
pub use lamindb_curate;
pub use lamindb_testmodule;
pub use wetlab;

/// The shared real test data (`../shared/data` next to the repository, or
/// `LAMINDB_SHARED_DATA`): ontologies, gene tables, AnnData, … Tests that need it fail with
/// this message when it is missing rather than pass without checking anything.
pub fn shared_data() -> PathBuf {
    let dir = std::env::var_os("LAMINDB_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    assert!(
        dir.join("ontologies").is_dir(),
        "the shared test data is missing at {}; set LAMINDB_SHARED_DATA to its folder",
        dir.display()
    );
    dir
}

/// The database engines every registry test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite under the storage folder.
    Sqlite,
    /// A fresh database on the local Postgres server.
    Postgres,
}

/// The Postgres server tests use (`LAMINDB_TEST_PG`, default the local trust-auth server).
pub fn pg_server() -> String {
    std::env::var("LAMINDB_TEST_PG")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432".into())
}

/// The S3-protocol server tests use (`LAMINDB_TEST_S3`, default the s3s-fs server that
/// `tests/scripts/ensure-s3.sh` starts).
pub fn s3_endpoint() -> String {
    std::env::var("LAMINDB_TEST_S3").unwrap_or_else(|_| "http://127.0.0.1:9787".into())
}

/// The S3-protocol server without authentication that `ensure-s3.sh` starts next to
/// [`s3_endpoint`], standing in for a public bucket (`LAMINDB_TEST_S3_PUBLIC`).
pub fn s3_public_endpoint() -> String {
    std::env::var("LAMINDB_TEST_S3_PUBLIC").unwrap_or_else(|_| "http://127.0.0.1:9788".into())
}

/// The bucket on [`s3_public_endpoint`].
pub const S3_PUBLIC_BUCKET: &str = "lamindb-public";

/// The bucket tests use on [`s3_endpoint`].
pub const S3_BUCKET: &str = "lamindb-test";

/// The GCS emulator tests use (`LAMINDB_TEST_GCS`, default the fake-gcs-server that
/// `tests/scripts/ensure-gcs.sh` starts).
pub fn gcs_endpoint() -> String {
    std::env::var("LAMINDB_TEST_GCS").unwrap_or_else(|_| "http://127.0.0.1:9789".into())
}

/// The bucket tests use on [`gcs_endpoint`].
pub const GCS_BUCKET: &str = "lamindb-test";

/// Stores `content` as object `key` of the test GCS bucket through the emulator's JSON upload
/// (it answers the XML-API writes object_store makes with 400).
pub fn gcs_upload(key: &str, content: &[u8]) {
    let url = format!(
        "{}/upload/storage/v1/b/{GCS_BUCKET}/o?uploadType=media&name={}",
        gcs_endpoint(),
        key.replace('/', "%2F")
    );
    ureq::post(&url)
        .header("Content-Type", "application/octet-stream")
        .send(content)
        .unwrap_or_else(|e| panic!("upload {key} to the GCS emulator ({url}): {e}"));
}

/// Environment for processes that talk to the test S3 server.
pub fn s3_env() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "AKTEST".into()),
        ("AWS_SECRET_ACCESS_KEY", "SKTEST".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ENDPOINT_URL", s3_endpoint()),
    ]
}

/// Points the settings and cache folders of this process at private temporary folders and the
/// AWS client at the test S3 server, once.
pub fn isolate_settings() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("settings tempdir"));
    static ONCE: std::sync::Once = std::sync::Once::new();
    // Set before any test reads them; every caller sets the same values.
    ONCE.call_once(|| {
        std::env::set_var("LAMIN_SETTINGS_DIR", dir.path());
        std::env::set_var("LAMIN_CACHE_DIR", dir.path().join("cache"));
        for (k, v) in s3_env() {
            std::env::set_var(k, v);
        }
        std::env::set_var("STORAGE_EMULATOR_HOST", gcs_endpoint());
    });
    dir.path()
}

/// Where a test instance keeps its objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// A local folder.
    Local,
    /// An in-process `memory://` store.
    Memory,
    /// A fresh prefix in the bucket of the test S3 server.
    S3,
}

/// A Postgres database that is dropped when this value is.
pub struct PgDatabase {
    /// Database name.
    pub name: String,
    /// URL of the database.
    pub url: String,
}

impl PgDatabase {
    /// Creates a fresh, uniquely named database.
    pub fn create() -> PgDatabase {
        let name = format!(
            "lamindb_t_{}",
            lamindb_core::util::uid::random(12).to_lowercase()
        );
        let mut admin = diesel::PgConnection::establish(&format!("{}/postgres", pg_server()))
            .unwrap_or_else(|e| {
                panic!(
                    "Postgres at {} is not reachable ({e}); start it with scripts in .ci/",
                    pg_server()
                )
            });
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create database");
        PgDatabase {
            url: format!("{}/{name}", pg_server()),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = diesel::PgConnection::establish(&format!("{}/postgres", pg_server()))
        {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A throw-away instance.
pub struct TestInstance {
    /// The open instance.
    pub inst: Instance,
    /// Folder for inputs and the storage root.
    pub dir: tempfile::TempDir,
    /// The backend.
    pub backend: Backend,
    /// The Postgres database, if any.
    pub pg: Option<PgDatabase>,
}

impl TestInstance {
    /// Creates an instance on `backend` with `modules` and local storage.
    pub fn new(backend: Backend, modules: &[&str]) -> TestInstance {
        Self::on(backend, Store::Local, modules)
    }

    /// Creates an instance on `backend` with `modules`, its objects in `store`.
    pub fn on(backend: Backend, store: Store, modules: &[&str]) -> TestInstance {
        Self::build(backend, store, modules, &ModuleSet::linked()).expect("init instance")
    }

    /// Creates an instance on `backend` with `modules` taken from `available` instead of the
    /// modules linked into the test binary.
    pub fn build(
        backend: Backend,
        store: Store,
        modules: &[&str],
        available: &ModuleSet,
    ) -> lamindb_core::Result<TestInstance> {
        isolate_settings();
        let dir = tempfile::tempdir().expect("tempdir");
        let pg = (backend == Backend::Postgres).then(PgDatabase::create);
        let prefix = format!("t{}", lamindb_core::util::uid::random(12).to_lowercase());
        let storage = match store {
            Store::Local => dir.path().join("storage").to_string_lossy().into_owned(),
            Store::Memory => format!("memory://{S3_BUCKET}/{prefix}"),
            Store::S3 => format!("s3://{S3_BUCKET}/{prefix}"),
        };
        let inst = Instance::init_with(
            &InitOptions {
                storage,
                db: pg.as_ref().map(|p| p.url.clone()),
                name: Some(format!(
                    "t{}",
                    lamindb_core::util::uid::random(10).to_lowercase()
                )),
                modules: modules.iter().map(|m| m.to_string()).collect(),
                handle: None,
            },
            available,
        )?;
        Ok(TestInstance {
            inst,
            dir,
            backend,
            pg,
        })
    }

    /// The storage root folder.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// Writes `content` to `name` in the input folder and returns its path.
    pub fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.dir.path().join("inputs").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Saves a text file with `content` as an artifact under `key`.
    pub fn save(&self, name: &str, content: &str, key: &str) -> lamindb_core::db::models::Artifact {
        let p = self.file(name, content.as_bytes());
        self.inst
            .artifacts()
            .save(lamindb_core::NewArtifactSpec::with_key(p, key))
            .unwrap()
            .artifact
    }
}

/// Runs the test body on SQLite and on Postgres: `both!(name, |t| { ... });`
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn sqlite() {
                let f: fn($crate::Backend) = $body;
                f($crate::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                let f: fn($crate::Backend) = $body;
                f($crate::Backend::Postgres)
            }
        }
    };
}

/// Runs the test body on every storage kind with SQLite and Postgres:
/// `each_store!(name, |backend, store| { ... });`
#[macro_export]
macro_rules! each_store {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $crate::each_store!(@one $body, local_sqlite, Sqlite, Local);
            $crate::each_store!(@one $body, local_postgres, Postgres, Local);
            $crate::each_store!(@one $body, memory_sqlite, Sqlite, Memory);
            $crate::each_store!(@one $body, memory_postgres, Postgres, Memory);
            $crate::each_store!(@one $body, s3_sqlite, Sqlite, S3);
            $crate::each_store!(@one $body, s3_postgres, Postgres, S3);
        }
    };
    (@one $body:expr, $test:ident, $backend:ident, $store:ident) => {
        #[test]
        fn $test() {
            let f: fn($crate::Backend, $crate::Store) = $body;
            f($crate::Backend::$backend, $crate::Store::$store)
        }
    };
}

/// Keys of the objects stored under `<root>/.lamindb/` of any storage kind, relative to it and
/// sorted (the SQLite database and the storage marker left out).
pub fn stored_objects(root: &lamindb_storage::StorageRoot) -> Vec<String> {
    root.list(".lamindb")
        .expect("list .lamindb/")
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| !k.starts_with("lamin.db") && k != "storage_uid.txt")
        .collect()
}

/// Keys of the artifacts matching `q`, in key order.
pub fn artifact_keys(inst: &Instance, q: lamindb_core::query::Q) -> Vec<String> {
    inst.query::<lamindb_core::db::models::Artifact>()
        .filter(q)
        .order_by("key")
        .all()
        .expect("query artifacts")
        .into_iter()
        .filter_map(|a| a.key)
        .collect()
}

/// The `lamin` binary the CLI suites run: `LAMIN_BIN` (set by `tests/scripts/test-all.sh` to a
/// binary built by `cargo build -p lamin-cli` alone, with exactly the features users get), else
/// the one next to this test executable.
pub fn lamin_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("LAMIN_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let bin = dir.join(format!("lamin{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p lamin-cli`",
        bin.display()
    );
    bin
}

/// A minimal static HTTP server for read-only storage tests: serves the files of a folder with
/// `ETag`, `Last-Modified` and `Content-Length`, answering HEAD and GET.
pub struct HttpFiles {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The folder served.
    pub dir: tempfile::TempDir,
}

impl HttpFiles {
    /// Starts serving a fresh folder on a free port (the thread lives as long as the process).
    pub fn start() -> HttpFiles {
        use std::io::{BufRead, BufReader, Write};
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let root = root.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    // Skip the headers.
                    let mut h = String::new();
                    while reader.read_line(&mut h).is_ok_and(|n| n > 2) {
                        h.clear();
                    }
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or_default().to_owned();
                    let path = parts
                        .next()
                        .unwrap_or("/")
                        .trim_start_matches('/')
                        .to_owned();
                    let mut out = stream;
                    match std::fs::read(root.join(&path)) {
                        Ok(body) => {
                            let etag = format!(
                                "{:x}-{:x}",
                                body.len(),
                                body.iter().map(|b| *b as u64).sum::<u64>()
                            );
                            let head = format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nETag: \"{etag}\"\r\nLast-Modified: Sat, 21 Nov 2026 10:00:00 GMT\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                                body.len()
                            );
                            let _ = out.write_all(head.as_bytes());
                            if method == "GET" {
                                let _ = out.write_all(&body);
                            }
                        }
                        Err(_) => {
                            let _ = out.write_all(
                                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                            );
                        }
                    }
                });
            }
        });
        HttpFiles { url, dir }
    }
}

/// The median of benchmark samples.
pub fn median(mut samples: Vec<std::time::Duration>) -> std::time::Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// A duration per item for benchmark output: µs below a millisecond, else ms.
pub fn per_item(d: std::time::Duration, n: usize) -> String {
    let us = d.as_secs_f64() * 1e6 / n as f64;
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.1} µs")
    }
}

/// A folder of module libraries that `tests/scripts/test-all.sh` builds for the CLI suites:
/// `LAMINDB_TEST_MODULES` (the `dynlab` module) or `LAMINDB_TEST_BAD_MODULES` (the same module
/// built for another ABI version).
pub fn module_dir(var: &str) -> PathBuf {
    let dir = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        panic!("{var} is not set: run tests/scripts/test-all.sh, which builds the module libraries")
    });
    assert!(dir.is_dir(), "{var}={} is not a folder", dir.display());
    dir
}

/// Copies the storage folder of a Python-made fixture instance (`tests/fixtures/<name>`) into
/// a temporary folder and unpacks its database (`lamin.db.gz`); returns the folder and the
/// storage path. Python's instance settings are not copied: the instance is opened by path.
pub fn unpack_python_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    use std::io::Read;
    fn copy_tree(src: &Path, dst: &Path) {
        std::fs::create_dir_all(dst).unwrap();
        for entry in std::fs::read_dir(src).unwrap() {
            let entry = entry.unwrap();
            let target = dst.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy_tree(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    isolate_settings();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
        .join("storage");
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("storage");
    copy_tree(&src, &storage);
    let gz = storage.join(".lamindb/lamin.db.gz");
    if gz.exists() {
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap())
            .read_to_end(&mut bytes)
            .unwrap();
        std::fs::write(storage.join(".lamindb/lamin.db"), bytes).unwrap();
        std::fs::remove_file(gz).unwrap();
    }
    (tmp, storage)
}
