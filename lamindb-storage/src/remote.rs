//! Object stores behind `s3://`, `gs://`, `http(s)://` and `memory://` roots, through the
//! `object_store` crate. Providers are looked up by scheme in a registry; cloud providers are
//! compiled in by cargo features (`aws`, `gcp`, `http`), `memory://` always (for tests).
//!
//! The API of this crate is blocking: calls run on a small tokio runtime owned by this module.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use futures::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::{Error, Result};

/// Files larger than this are uploaded in parts.
pub const MULTIPART_THRESHOLD: u64 = 64 << 20;
/// Size of each uploaded part.
pub const PART_SIZE: usize = 16 << 20;
/// Requests in flight when many small objects move.
pub const CONCURRENCY: usize = 16;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("lamindb-storage")
            .enable_all()
            .build()
            .expect("start the storage runtime")
    })
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    runtime().block_on(f)
}

/// Metadata of a stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectStat {
    /// Size in bytes.
    pub size: u64,
    /// The entity tag, quotes removed.
    pub etag: Option<String>,
    /// Last modification time (seconds since the epoch).
    pub last_modified: i64,
}

/// Called with the number of bytes moved so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// A bucket (or host) and the prefix of a root inside it.
#[derive(Debug)]
pub(crate) struct Remote {
    store: Arc<dyn ObjectStore>,
    /// Path of the root inside the store, without leading or trailing `/`.
    prefix: String,
    read_only: bool,
    root: String,
}

type Provider = fn(bucket: &str) -> Result<Arc<dyn ObjectStore>>;

fn memory_store(bucket: &str) -> Result<Arc<dyn ObjectStore>> {
    // One store per name for the whole process, so every root on it sees the same objects.
    static STORES: OnceLock<Mutex<HashMap<String, Arc<object_store::memory::InMemory>>>> =
        OnceLock::new();
    let mut stores = STORES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let store = stores
        .entry(bucket.to_owned())
        .or_insert_with(|| Arc::new(object_store::memory::InMemory::new()))
        .clone();
    Ok(store)
}

/// The settings this crate gives an S3 client, beyond what `AmazonS3Builder::from_env` reads:
/// credentials and region from `~/.aws` when the environment has none (unsigned requests when
/// there are no credentials at all, as for public buckets), and a custom endpoint from
/// `AWS_ENDPOINT_URL(_S3)` with path-style requests.
#[cfg(feature = "aws")]
fn s3_config() -> Vec<(object_store::aws::AmazonS3ConfigKey, String)> {
    use object_store::aws::AmazonS3ConfigKey as K;
    use object_store::ClientConfigKey;
    let mut config = Vec::new();
    let profile = crate::aws_config::profile();
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        if let Some((key, secret, token)) = profile.credentials {
            config.push((K::AccessKeyId, key));
            config.push((K::SecretAccessKey, secret));
            if let Some(t) = token {
                config.push((K::Token, t));
            }
        } else {
            config.push((K::SkipSignature, "true".into()));
        }
    }
    if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none()
    {
        config.push((
            K::Region,
            profile.region.unwrap_or_else(|| "us-east-1".into()),
        ));
    }
    if let Ok(endpoint) =
        std::env::var("AWS_ENDPOINT_URL_S3").or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
    {
        let http = endpoint.starts_with("http://");
        config.push((K::Endpoint, endpoint));
        config.push((K::Client(ClientConfigKey::AllowHttp), http.to_string()));
        config.push((K::VirtualHostedStyleRequest, "false".into()));
    }
    config
}

#[cfg(feature = "aws")]
fn s3_store(bucket: &str) -> Result<Arc<dyn ObjectStore>> {
    let mut b = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
    for (key, value) in s3_config() {
        b = b.with_config(key, value);
    }
    let store = b.build().map_err(|e| Error::Remote {
        url: format!("s3://{bucket}"),
        reason: e.to_string(),
    })?;
    Ok(Arc::new(store))
}

/// The object-store settings (config key, value) under which this crate reads `url`, for other
/// readers of the same objects (such as a dataframe engine scanning parquet files in place);
/// empty for schemes that need none.
pub fn reader_options(url: &str) -> Vec<(String, String)> {
    #[cfg(feature = "aws")]
    if url.starts_with("s3://") {
        return s3_config()
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v))
            .collect();
    }
    let _ = url;
    Vec::new()
}

/// Whether Google credentials are configured: a service account in the environment, an
/// application-default credentials file, or gcloud's.
#[cfg(feature = "gcp")]
fn google_credentials_configured() -> bool {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
    [
        "GOOGLE_SERVICE_ACCOUNT",
        "GOOGLE_SERVICE_ACCOUNT_PATH",
        "GOOGLE_SERVICE_ACCOUNT_KEY",
        "SERVICE_ACCOUNT",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ]
    .iter()
    .any(|v| set(v))
        || std::env::var_os("HOME").is_some_and(|h| {
            Path::new(&h)
                .join(".config/gcloud/application_default_credentials.json")
                .exists()
        })
}

/// A GCS client. `STORAGE_EMULATOR_HOST` (the variable Google's own libraries read) points it
/// at an emulator. Without any Google credentials requests are anonymous, as for public
/// buckets: no token is fetched, so no machine asks a metadata server that is not there.
#[cfg(feature = "gcp")]
fn gcs_store(bucket: &str) -> Result<Arc<dyn ObjectStore>> {
    use object_store::gcp::{GcpCredential, GoogleCloudStorageBuilder};
    let mut b = GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket);
    let emulator = std::env::var("STORAGE_EMULATOR_HOST")
        .ok()
        .filter(|h| !h.is_empty());
    if let Some(host) = &emulator {
        let url = if host.contains("://") {
            host.clone()
        } else {
            format!("http://{host}")
        };
        b = b.with_base_url(&url);
    }
    if emulator.is_some() || !google_credentials_configured() {
        let anonymous = object_store::StaticCredentialProvider::new(GcpCredential {
            bearer: String::new(),
        });
        b = b
            .with_skip_signature(true)
            .with_credentials(Arc::new(anonymous));
    }
    let store = b.build().map_err(|e| Error::Remote {
        url: format!("gs://{bucket}"),
        reason: e.to_string(),
    })?;
    Ok(Arc::new(store))
}

#[cfg(feature = "http")]
fn http_store(url: &str) -> Result<Arc<dyn ObjectStore>> {
    let store = object_store::http::HttpBuilder::new()
        .with_url(url)
        .with_client_options(object_store::ClientOptions::new().with_allow_http(true))
        .build()
        .map_err(|e| Error::Remote {
            url: url.into(),
            reason: e.to_string(),
        })?;
    Ok(Arc::new(store))
}

/// The providers this build has, by scheme, and the feature that adds the others.
fn provider(scheme: &str) -> std::result::Result<Provider, &'static str> {
    match scheme {
        "memory" => Ok(memory_store),
        #[cfg(feature = "aws")]
        "s3" => Ok(s3_store),
        #[cfg(not(feature = "aws"))]
        "s3" => Err("aws"),
        #[cfg(feature = "gcp")]
        "gs" => Ok(gcs_store),
        #[cfg(not(feature = "gcp"))]
        "gs" => Err("gcp"),
        #[cfg(feature = "http")]
        "http" | "https" => Ok(http_store),
        #[cfg(not(feature = "http"))]
        "http" | "https" => Err("http"),
        _ => Err(""),
    }
}

impl Remote {
    /// Connects to the store of `root` (`scheme://bucket[/prefix]`).
    pub(crate) fn connect(root: &str) -> Result<Remote> {
        let (scheme, rest) = root.split_once("://").unwrap_or(("", root));
        let provider = provider(scheme).map_err(|feature| Error::Unsupported {
            root: root.into(),
            reason: if feature.is_empty() {
                format!("no storage provider for '{scheme}://'")
            } else {
                format!("this build has no '{scheme}://' support; build lamindb-storage with the `{feature}` feature")
            },
        })?;
        let http = matches!(scheme, "http" | "https");
        let (store, prefix) = if http {
            // The whole URL is the store; keys are paths below it.
            (provider(root)?, String::new())
        } else {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            (provider(bucket)?, prefix.trim_matches('/').to_owned())
        };
        Ok(Remote {
            store,
            prefix,
            read_only: http,
            root: root.to_owned(),
        })
    }

    fn location(&self, key: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }

    fn err(&self, key: &str, e: object_store::Error) -> Error {
        match e {
            object_store::Error::NotFound { .. } => Error::NotFound {
                path: format!("{}/{key}", self.root).into(),
            },
            other => Error::Remote {
                url: format!("{}/{key}", self.root),
                reason: other.to_string(),
            },
        }
    }

    fn writable(&self) -> Result<()> {
        if self.read_only {
            return Err(Error::Unsupported {
                root: self.root.clone(),
                reason: "http(s) storage is read-only".into(),
            });
        }
        Ok(())
    }

    /// Metadata of the object at `key`, `None` if there is none.
    pub(crate) fn stat(&self, key: &str) -> Result<Option<ObjectStat>> {
        match block_on(self.store.head(&self.location(key))) {
            Ok(meta) => Ok(Some(ObjectStat {
                size: meta.size,
                etag: meta.e_tag.map(|t| t.trim_matches('"').to_owned()),
                last_modified: meta.last_modified.timestamp(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.err(key, e)),
        }
    }

    /// Keys (relative to `key`) and metadata of the objects under the prefix `key/`.
    pub(crate) fn list(&self, key: &str) -> Result<Vec<(String, ObjectStat)>> {
        if self.read_only {
            // Plain HTTP servers cannot list (object_store would need WebDAV): files only.
            return Ok(Vec::new());
        }
        let base = self.location(key);
        let base_str = format!("{}/", base.as_ref());
        let items: Vec<_> = block_on(self.store.list(Some(&base)).collect::<Vec<_>>());
        let mut out = Vec::new();
        for item in items {
            let meta = item.map_err(|e| self.err(key, e))?;
            let full = meta.location.as_ref().to_owned();
            let rel = full.strip_prefix(&base_str).unwrap_or(&full).to_owned();
            out.push((
                rel,
                ObjectStat {
                    size: meta.size,
                    etag: meta.e_tag.map(|t| t.trim_matches('"').to_owned()),
                    last_modified: meta.last_modified.timestamp(),
                },
            ));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Uploads the file `src` to `key`; large files in parts. The object appears complete or not
    /// at all (S3 semantics); a failed multipart upload is aborted.
    pub(crate) fn put_file(
        &self,
        src: &Path,
        key: &str,
        progress: Option<Progress<'_>>,
    ) -> Result<()> {
        self.writable()?;
        let size = std::fs::metadata(src).map_err(|e| Error::io(src, e))?.len();
        let location = self.location(key);
        if size <= MULTIPART_THRESHOLD {
            let bytes = std::fs::read(src).map_err(|e| Error::io(src, e))?;
            block_on(self.store.put(&location, PutPayload::from(bytes)))
                .map_err(|e| self.err(key, e))?;
            if let Some(p) = progress {
                p(size);
            }
            return Ok(());
        }
        let mut file = std::fs::File::open(src).map_err(|e| Error::io(src, e))?;
        block_on(async {
            let upload = self
                .store
                .put_multipart(&location)
                .await
                .map_err(|e| self.err(key, e))?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
            let mut buf = vec![0u8; PART_SIZE];
            let mut sent = 0u64;
            loop {
                let n = match file.read(&mut buf) {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = writer.abort().await;
                        return Err(Error::io(src, e));
                    }
                };
                if n == 0 {
                    break;
                }
                // Bounded memory: wait while more than two parts are in flight.
                if let Err(e) = writer.wait_for_capacity(2).await {
                    return Err(self.err(key, e));
                }
                writer.write(&buf[..n]);
                sent += n as u64;
                if let Some(p) = progress {
                    p(sent);
                }
            }
            writer.finish().await.map_err(|e| self.err(key, e))?;
            Ok(())
        })
    }

    /// Uploads many small files (`(source, key)` pairs) with up to [`CONCURRENCY`] requests in
    /// flight; large ones go through [`Remote::put_file`] one at a time.
    pub(crate) fn put_files(
        &self,
        files: &[(std::path::PathBuf, String)],
        progress: Option<Progress<'_>>,
    ) -> Result<()> {
        self.writable()?;
        let mut small = Vec::new();
        let mut done = 0u64;
        for (src, key) in files {
            let size = std::fs::metadata(src).map_err(|e| Error::io(src, e))?.len();
            if size > MULTIPART_THRESHOLD {
                self.put_file(src, key, None)?;
                done += size;
                if let Some(p) = progress {
                    p(done);
                }
            } else {
                small.push((src.clone(), key.clone(), size));
            }
        }
        block_on(async {
            let mut results =
                futures::stream::iter(small.into_iter().map(|(src, key, size)| async move {
                    let bytes = tokio::fs::read(&src)
                        .await
                        .map_err(|e| Error::io(&src, e))?;
                    self.store
                        .put(&self.location(&key), PutPayload::from(bytes))
                        .await
                        .map_err(|e| self.err(&key, e))?;
                    Ok::<u64, Error>(size)
                }))
                .buffer_unordered(CONCURRENCY);
            while let Some(r) = results.next().await {
                done += r?;
                if let Some(p) = progress {
                    p(done);
                }
            }
            Ok(())
        })
    }

    /// Downloads many objects (`(key, destination)` pairs) with up to [`CONCURRENCY`] requests
    /// in flight, each through a temporary file.
    pub(crate) fn get_files(&self, files: &[(String, std::path::PathBuf)]) -> Result<()> {
        block_on(async {
            let mut results = futures::stream::iter(
                files
                    .iter()
                    .map(|(key, dest)| self.fetch_to(key, dest, None)),
            )
            .buffer_unordered(CONCURRENCY);
            while let Some(r) = results.next().await {
                r?;
            }
            Ok(())
        })
    }

    /// Downloads the object at `key` to `dest` through a temporary file next to it, so `dest`
    /// is never a partial download.
    pub(crate) fn get_file(
        &self,
        key: &str,
        dest: &Path,
        progress: Option<Progress<'_>>,
    ) -> Result<()> {
        block_on(self.fetch_to(key, dest, progress))
    }

    async fn fetch_to(&self, key: &str, dest: &Path, progress: Option<Progress<'_>>) -> Result<()> {
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let tmp = dest.with_file_name(format!(
            ".{}.download-{}",
            dest.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            std::process::id()
        ));
        let result = async {
            let got = self
                .store
                .get(&self.location(key))
                .await
                .map_err(|e| self.err(key, e))?;
            let mut stream = got.into_stream();
            let mut out = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
            let mut done = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| self.err(key, e))?;
                out.write_all(&chunk).map_err(|e| Error::io(&tmp, e))?;
                done += chunk.len() as u64;
                if let Some(p) = progress {
                    p(done);
                }
            }
            Ok::<_, Error>(())
        }
        .await;
        match result {
            Ok(()) => std::fs::rename(&tmp, dest).map_err(|e| Error::io(dest, e)),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Deletes the object at `key`, or every object under `key/` when `key` is a folder.
    /// Missing objects are fine.
    pub(crate) fn delete(&self, key: &str) -> Result<()> {
        self.writable()?;
        // A folder key has no object of its own (and some servers fail on requests for one).
        let children = self.list(key)?;
        let targets: Vec<String> = if children.is_empty() {
            vec![key.to_owned()]
        } else {
            children
                .into_iter()
                .map(|(rel, _)| format!("{key}/{rel}"))
                .collect()
        };
        for target in targets {
            match block_on(self.store.delete(&self.location(&target))) {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.err(&target, e)),
            }
        }
        Ok(())
    }
}
