//! Recordings in an S3-compatible bucket (`object_store`), keyed as Ruby Scalelite keys them:
//! `<published|unpublished>/<format>/<record_id>/<file>`. object_store runs on tokio; the bucket runs its
//! requests on a small runtime of its own, so that blocking callers (the importer, database closures, the CLI)
//! wait on a channel and actix handlers await a join handle, whatever runtime they are on.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::signer::{Method, Signer};
use object_store::{
    Attribute, Attributes, ClientOptions, ObjectMeta, ObjectStore, ObjectStoreExt, PutMultipartOptions, PutOptions,
    PutPayload, RetryConfig,
};

use crate::config::s3::S3;

/// Files up to this size go up in one request; larger ones in parts of [`PART_SIZE`].
pub const SINGLE_PUT_MAX: u64 = 16 << 20;
/// The size of each part of a multipart upload (S3 wants at least 5 MiB but for the last).
pub const PART_SIZE: usize = 8 << 20;
/// The largest object read whole into memory (`captions.json`, a track).
const READ_MAX: u64 = 16 << 20;

/// A bucket and the runtime its requests run on.
pub struct Bucket {
    s3: Arc<AmazonS3>,
    handle: tokio::runtime::Handle,
    runtime: Option<tokio::runtime::Runtime>,
    pub settings: S3,
}

impl Drop for Bucket {
    fn drop(&mut self) {
        // Dropping a runtime waits for its threads, which an async context must not do.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bucket({})", self.settings.bucket)
    }
}

/// `published` or `unpublished`: the first segment of a key.
pub fn tree_name(published: bool) -> &'static str {
    if published {
        "published"
    } else {
        "unpublished"
    }
}

/// The key prefix of one format of a recording in one tree.
pub fn prefix(published: bool, format: &str, id: &str) -> Path {
    Path::from_iter([tree_name(published), format, id])
}

/// The key of one file of a recording (`relative` uses `/`).
pub fn key(published: bool, format: &str, id: &str, relative: &str) -> Path {
    let mut parts = vec![tree_name(published), format, id];
    parts.extend(relative.split('/').filter(|p| !p.is_empty()));
    Path::from_iter(parts)
}

/// What a browser is told of a file: its type from the extension, and `attachment` for `.pdf` and `.ogg`
/// (as Ruby Scalelite uploads them).
pub fn attributes_for(name: &str) -> Attributes {
    let mut attributes = Attributes::new();
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    attributes.insert(Attribute::ContentType, mime.essence_str().to_string().into());
    let extension = FsPath::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if extension == "pdf" || extension == "ogg" {
        attributes.insert(Attribute::ContentDisposition, "attachment".into());
    }
    attributes
}

fn failed(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

impl Bucket {
    /// A client of the configured bucket (nothing is sent yet).
    pub fn open(settings: &S3) -> Result<Bucket, String> {
        // object_store's HTTP client (reqwest, rustls) takes the process's TLS provider: ring, as the BBB client.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_virtual_hosted_style_request(!settings.path_style)
            .with_retry(RetryConfig { max_retries: 3, retry_timeout: Duration::from_secs(30), ..Default::default() })
            // No bound on a whole request (a proxied video may stream for an hour); a stalled one fails.
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_read_timeout(Duration::from_secs(30))
                    .with_timeout_disabled(),
            );
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(id) = &settings.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose());
        }
        if let Some(token) = &settings.session_token {
            builder = builder.with_token(token.expose());
        }
        let s3 = Arc::new(builder.build().map_err(|e| failed("S3 settings", e))?);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("s3")
            .enable_all()
            .build()
            .map_err(|e| failed("S3 runtime", e))?;
        Ok(Bucket { s3, handle: runtime.handle().clone(), runtime: Some(runtime), settings: settings.clone() })
    }

    /// Runs `work` on the bucket's runtime and waits for it (from a thread that may block).
    fn wait<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = Result<T, String>> + Send + 'static,
    ) -> Result<T, String> {
        let (sender, receiver) = std::sync::mpsc::channel();
        self.handle.spawn(async move {
            let _ = sender.send(work.await);
        });
        receiver.recv().map_err(|_| "the S3 request was dropped".to_string())?
    }

    /// Runs `work` on the bucket's runtime and awaits it (from any async context).
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = Result<T, String>> + Send + 'static,
    ) -> Result<T, String> {
        self.handle.spawn(work).await.map_err(|e| failed("S3 request", e))?
    }

    /// The store itself, for requests built by the caller.
    pub fn store(&self) -> Arc<AmazonS3> {
        self.s3.clone()
    }

    /// Every object under a prefix.
    pub fn list(&self, prefix: &Path) -> Result<Vec<ObjectMeta>, String> {
        let (s3, prefix) = (self.s3.clone(), prefix.clone());
        self.wait(async move {
            let mut found = Vec::new();
            let mut stream = s3.list(Some(&prefix));
            while let Some(meta) = stream.next().await {
                found.push(meta.map_err(|e| failed(prefix.as_ref(), e))?);
            }
            Ok(found)
        })
    }

    /// Whether anything is under a prefix.
    pub fn any(&self, prefix: &Path) -> Result<bool, String> {
        let (s3, prefix) = (self.s3.clone(), prefix.clone());
        self.wait(async move {
            match s3.list(Some(&prefix)).next().await {
                Some(Err(e)) => Err(failed(prefix.as_ref(), e)),
                found => Ok(found.is_some()),
            }
        })
    }

    /// Deletes these objects.
    pub fn delete(&self, objects: Vec<Path>) -> Result<(), String> {
        if objects.is_empty() {
            return Ok(());
        }
        let s3 = self.s3.clone();
        self.wait(async move {
            let locations = futures_util::stream::iter(objects.into_iter().map(Ok)).boxed();
            let mut deleted = s3.delete_stream(locations);
            while let Some(done) = deleted.next().await {
                done.map_err(|e| failed("delete", e))?;
            }
            Ok(())
        })
    }

    /// Deletes everything under a prefix.
    pub fn delete_prefix(&self, prefix: &Path) -> Result<(), String> {
        self.delete(self.list(prefix)?.into_iter().map(|m| m.location).collect())
    }

    /// The formats (second segments) present in a tree.
    pub fn formats(&self, published: bool) -> Result<Vec<String>, String> {
        let (s3, tree) = (self.s3.clone(), Path::from(tree_name(published)));
        self.wait(async move {
            let listed = s3.list_with_delimiter(Some(&tree)).await.map_err(|e| failed(tree.as_ref(), e))?;
            Ok(listed.common_prefixes.iter().filter_map(|p| p.filename().map(String::from)).collect())
        })
    }

    /// Copies each object from one prefix to the same name under another, then deletes it: an interrupted move
    /// finishes when it is run again. Returns how many were moved.
    pub fn move_prefix(&self, from: &Path, to: &Path) -> Result<usize, String> {
        let objects = self.list(from)?;
        let count = objects.len();
        for meta in objects {
            let Some(tail) = meta.location.prefix_match(from) else { continue };
            let target = Path::from_iter(to.parts().chain(tail));
            let (s3, source) = (self.s3.clone(), meta.location);
            self.wait(async move {
                s3.copy(&source, &target).await.map_err(|e| failed(source.as_ref(), e))?;
                s3.delete(&source).await.map_err(|e| failed(source.as_ref(), e))
            })?;
        }
        Ok(count)
    }

    /// An object's bytes, if it exists (refused above 16 MiB).
    pub fn read(&self, location: &Path) -> Result<Option<Vec<u8>>, String> {
        let (s3, location) = (self.s3.clone(), location.clone());
        self.wait(async move {
            let got = match s3.get(&location).await {
                Ok(got) => got,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(failed(location.as_ref(), e)),
            };
            if got.meta.size > READ_MAX {
                return Err(format!("{location}: {} bytes is too large to read", got.meta.size));
            }
            Ok(Some(got.bytes().await.map_err(|e| failed(location.as_ref(), e))?.to_vec()))
        })
    }

    /// Writes an object whole, with the attributes of its name.
    pub fn write(&self, location: &Path, bytes: Vec<u8>) -> Result<(), String> {
        let (s3, location) = (self.s3.clone(), location.clone());
        let options = PutOptions { attributes: attributes_for(location.as_ref()), ..Default::default() };
        self.wait(async move {
            s3.put_opts(&location, PutPayload::from(bytes), options)
                .await
                .map(|_| ())
                .map_err(|e| failed(location.as_ref(), e))
        })
    }

    /// Uploads a local file: whole up to [`SINGLE_PUT_MAX`], else in parts of [`PART_SIZE`].
    pub fn upload(&self, file: &FsPath, location: &Path) -> Result<(), String> {
        let what = |e: std::io::Error| failed(&file.display().to_string(), e);
        let size = std::fs::metadata(file).map_err(what)?.len();
        if size <= SINGLE_PUT_MAX {
            return self.write(location, std::fs::read(file).map_err(what)?);
        }
        let (s3, target) = (self.s3.clone(), location.clone());
        let options = PutMultipartOptions { attributes: attributes_for(location.as_ref()), ..Default::default() };
        let mut upload =
            self.wait(
                async move { s3.put_multipart_opts(&target, options).await.map_err(|e| failed(target.as_ref(), e)) },
            )?;
        let mut source = std::fs::File::open(file).map_err(what)?;
        let sent = (|| {
            loop {
                let mut part = Vec::with_capacity(PART_SIZE);
                (&mut source).take(PART_SIZE as u64).read_to_end(&mut part).map_err(what)?;
                if part.is_empty() {
                    break;
                }
                let sending = upload.put_part(PutPayload::from(part));
                self.wait(async move { sending.await.map_err(|e| failed("upload part", e)) })?;
            }
            Ok::<(), String>(())
        })();
        self.wait(async move {
            match sent {
                Ok(()) => upload.complete().await.map(|_| ()).map_err(|e| failed("upload", e)),
                Err(e) => {
                    let _ = upload.abort().await;
                    Err(e)
                }
            }
        })
    }

    /// Every object under a tree, by key: size and ETag (for `recordings migrate-storage`).
    pub fn inventory(&self, published: bool) -> Result<HashMap<String, ObjectMeta>, String> {
        let listed = self.list(&Path::from(tree_name(published)))?;
        Ok(listed.into_iter().map(|m| (m.location.to_string(), m)).collect())
    }

    /// A pre-signed GET URL for an object, if the object exists.
    pub async fn signed_url(&self, location: Path) -> Result<Option<url::Url>, String> {
        let (s3, expiry) = (self.s3.clone(), self.settings.url_expiry);
        self.run(async move {
            match s3.head(&location).await {
                Ok(_) => {}
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(failed(location.as_ref(), e)),
            }
            let url = s3.signed_url(Method::GET, &location, expiry).await;
            url.map(Some).map_err(|e| failed(location.as_ref(), e))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_ruby_scalelites() {
        assert_eq!(prefix(true, "presentation", "r-1").as_ref(), "published/presentation/r-1");
        assert_eq!(key(false, "video", "r-1", "a/b.webm").as_ref(), "unpublished/video/r-1/a/b.webm");
        assert_eq!(key(true, "video", "r-1", "/a//b.webm").as_ref(), "published/video/r-1/a/b.webm");
    }

    #[test]
    fn types_files_and_makes_pdf_and_ogg_downloads() {
        let of = |name: &str, attribute: Attribute| attributes_for(name).get(&attribute).map(|v| v.to_string());
        assert_eq!(of("shapes.svg", Attribute::ContentType).as_deref(), Some("image/svg+xml"));
        assert_eq!(of("video-0.webm", Attribute::ContentType).as_deref(), Some("video/webm"));
        assert_eq!(of("no-extension", Attribute::ContentType).as_deref(), Some("application/octet-stream"));
        assert_eq!(of("deck.PDF", Attribute::ContentDisposition).as_deref(), Some("attachment"));
        assert_eq!(of("audio.ogg", Attribute::ContentDisposition).as_deref(), Some("attachment"));
        assert_eq!(of("slide-1.png", Attribute::ContentDisposition), None);
    }
}
