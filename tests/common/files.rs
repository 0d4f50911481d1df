//! The recordings' files as a test sees them: in the local trees under a test's root, or — with
//! `SCALELITE_TEST_STORAGE=s3`, as `tests/run.sh` runs the recordings suite a second time — in a bucket of the
//! S3-compatible server it starts (moto, `SCALELITE_TEST_S3_ENDPOINT`). The bucket is read here with
//! object_store and the keys spelled out (`published/<format>/<id>/<file>`), not through Scalelite's code.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// Test credentials (moto accepts any).
const KEY_ID: &str = "test-key-id";
const SECRET_KEY: &str = "test-secret-key";

/// Whether this run keeps recordings in S3.
pub fn s3_mode() -> bool {
    std::env::var("SCALELITE_TEST_STORAGE").is_ok_and(|v| v == "s3")
}

/// The S3 server's endpoint (`tests/run.sh` starts it).
pub fn endpoint() -> String {
    std::env::var("SCALELITE_TEST_S3_ENDPOINT")
        .expect("SCALELITE_TEST_S3_ENDPOINT is not set: run the tests with `bash tests/run.sh`, which starts moto")
}

/// A bucket name of its own for each test root.
pub fn bucket_name(root: &Path) -> String {
    use sha2::Digest;
    format!("t-{}", &hex::encode(sha2::Sha256::digest(root.to_string_lossy().as_bytes()))[..20])
}

/// Creates a bucket on the S3 server (an unsigned `PUT /<bucket>`, which moto takes); an existing one is kept.
pub fn create_bucket(name: &str) {
    let url = url::Url::parse(&endpoint()).unwrap();
    let address = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(stream, "PUT /{name} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split(' ').nth(1).unwrap_or("");
    assert!(status == "200" || status == "409", "creating bucket {name}: {answer}");
}

/// The settings that put Scalelite's recordings in a bucket.
pub fn s3_env(bucket: &str) -> Vec<(String, String)> {
    [
        ("S3_RECORDING", "true"),
        ("S3_BUCKET_NAME", bucket),
        ("S3_ENDPOINT", &endpoint()),
        ("S3_PATH_STYLE", "true"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Where a test's recordings are.
pub enum Files {
    Local(PathBuf),
    Bucket { name: String, s3: Arc<AmazonS3> },
}

impl Files {
    /// The recordings of the test rooted at `root` (its bucket created in S3 mode).
    pub fn of(root: &Path) -> Files {
        if !s3_mode() {
            return Files::Local(root.to_path_buf());
        }
        Files::bucket(&bucket_name(root))
    }

    /// A client of a bucket (created if need be).
    pub fn bucket(name: &str) -> Files {
        create_bucket(name);
        let _ = rustls::crypto::ring::default_provider().install_default();
        let s3 = AmazonS3Builder::new()
            .with_bucket_name(name)
            .with_region("us-east-1")
            .with_endpoint(endpoint())
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .with_access_key_id(KEY_ID)
            .with_secret_access_key(SECRET_KEY)
            .build()
            .unwrap();
        Files::Bucket { name: name.to_string(), s3: Arc::new(s3) }
    }

    /// The settings Scalelite needs beside the folders of `TestAppBuilder::recordings` (none locally).
    pub fn env(&self) -> Vec<(String, String)> {
        match self {
            Files::Local(_) => Vec::new(),
            Files::Bucket { name, .. } => s3_env(name),
        }
    }

    /// Runs object_store work from any thread, async test or not.
    fn wait<T: Send + 'static>(&self, work: impl std::future::Future<Output = T> + Send + 'static) -> T {
        // One runtime for the test process, never dropped (dropping one in an async test would panic).
        static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
        let runtime = RUNTIME.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
        });
        let (sender, receiver) = std::sync::mpsc::channel();
        runtime.spawn(async move {
            let _ = sender.send(work.await);
        });
        receiver.recv().unwrap()
    }

    fn s3(&self) -> Arc<AmazonS3> {
        let Files::Bucket { s3, .. } = self else { unreachable!() };
        s3.clone()
    }

    /// Writes a file at `<tree>/<path>` (`published/presentation/<id>/shapes.svg`).
    pub fn put(&self, path: &str, bytes: &[u8]) {
        match self {
            Files::Local(root) => {
                let file = root.join(path);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(file, bytes).unwrap();
            }
            Files::Bucket { .. } => {
                // With its content type, as an import uploads it.
                let mime = mime_guess::from_path(path).first_or_octet_stream().essence_str().to_string();
                let mut attributes = object_store::Attributes::new();
                attributes.insert(object_store::Attribute::ContentType, mime.into());
                let options = object_store::PutOptions { attributes, ..Default::default() };
                let (s3, key, bytes) = (self.s3(), Key::from(path), bytes.to_vec());
                self.wait(async move { s3.put_opts(&key, PutPayload::from(bytes), options).await.unwrap() });
            }
        }
    }

    /// The bytes of a file, if it is there.
    pub fn read(&self, path: &str) -> Option<Vec<u8>> {
        match self {
            Files::Local(root) => std::fs::read(root.join(path)).ok(),
            Files::Bucket { .. } => {
                let (s3, key) = (self.s3(), Key::from(path));
                self.wait(async move {
                    match s3.get(&key).await {
                        Ok(got) => Some(got.bytes().await.unwrap().to_vec()),
                        Err(object_store::Error::NotFound { .. }) => None,
                        Err(e) => panic!("{key}: {e}"),
                    }
                })
            }
        }
    }

    /// Whether a file or a folder (a key prefix) is there.
    pub fn exists(&self, path: &str) -> bool {
        match self {
            Files::Local(root) => root.join(path).exists(),
            Files::Bucket { .. } => self.read(path).is_some() || !self.list(path).is_empty(),
        }
    }

    /// The files under a folder, by path, sorted.
    pub fn list(&self, path: &str) -> Vec<String> {
        match self {
            Files::Local(root) => {
                let mut found = Vec::new();
                let mut folders = vec![root.join(path)];
                while let Some(folder) = folders.pop() {
                    let Ok(entries) = std::fs::read_dir(&folder) else { continue };
                    for entry in entries.filter_map(Result::ok) {
                        if entry.path().is_dir() {
                            folders.push(entry.path());
                        } else {
                            let relative = entry.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
                            found.push(relative);
                        }
                    }
                }
                found.sort();
                found
            }
            Files::Bucket { .. } => {
                let (s3, prefix) = (self.s3(), Key::from(path));
                let mut keys = self.wait(async move {
                    let listed: Vec<_> = s3.list(Some(&prefix)).collect().await;
                    listed.into_iter().map(|m| m.unwrap().location.to_string()).collect::<Vec<_>>()
                });
                keys.sort();
                keys
            }
        }
    }

    /// An object's response headers as S3 gives them (content type, disposition), S3 mode only.
    pub fn content_type(&self, path: &str) -> Option<String> {
        let (s3, key) = (self.s3(), Key::from(path));
        self.wait(async move {
            let got = s3.get(&key).await.ok()?;
            got.attributes.get(&object_store::Attribute::ContentType).map(|v| v.to_string())
        })
    }
}
