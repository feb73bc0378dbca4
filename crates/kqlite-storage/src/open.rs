//! A store and the prefix in it, from a URL: each cloud's builder, fed by its environment
//! variables, with bounded timeouts and retries.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::path::Path as StorePath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, ObjectStoreScheme, RetryConfig};
use url::Url;

use crate::credentials::with_connection_string;
use crate::StorageError;

/// A request that takes longer fails (and is retried).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The store `url` names and the prefix under which its objects lie.
pub fn open(url: &str) -> Result<(Arc<dyn ObjectStore>, StorePath), StorageError> {
    let parsed = Url::parse(url).map_err(|e| StorageError::new(url, e))?;
    let (scheme, prefix) = ObjectStoreScheme::parse(&parsed)
        .map_err(|e| StorageError::new(url, format!("not an object store URL: {e}")))?;
    let options = ClientOptions::new()
        .with_timeout(REQUEST_TIMEOUT)
        .with_connect_timeout(CONNECT_TIMEOUT)
        .with_allow_http(allows_http());
    let retry = RetryConfig {
        max_retries: 3,
        retry_timeout: Duration::from_secs(60),
        ..RetryConfig::default()
    };
    let built: Result<Arc<dyn ObjectStore>, object_store::Error> = match scheme {
        ObjectStoreScheme::MicrosoftAzure => azure()
            .with_url(url)
            .with_client_options(options)
            .with_retry(retry)
            .build()
            .map(|s| Arc::new(s) as _),
        ObjectStoreScheme::AmazonS3 => AmazonS3Builder::from_env()
            .with_url(url)
            .with_client_options(options)
            .with_retry(retry)
            .build()
            .map(|s| Arc::new(s) as _),
        ObjectStoreScheme::GoogleCloudStorage => GoogleCloudStorageBuilder::from_env()
            .with_url(url)
            .with_client_options(options)
            .with_retry(retry)
            .build()
            .map(|s| Arc::new(s) as _),
        _ => {
            return Err(StorageError::new(
                url,
                "not supported yet: this kind of store",
            ))
        }
    };
    let store = built.map_err(|e| StorageError::new(url, crate::mirror::cause(&e)))?;
    Ok((store, prefix))
}

fn azure() -> MicrosoftAzureBuilder {
    let builder = MicrosoftAzureBuilder::from_env();
    match std::env::var("AZURE_STORAGE_CONNECTION_STRING") {
        Ok(connection) => with_connection_string(builder, &connection),
        Err(_) => builder,
    }
}

/// Plain HTTP only for an emulator or an endpoint the environment names as http (Azurite,
/// MinIO); the clouds themselves are reached over TLS.
fn allows_http() -> bool {
    let http = |name: &str| std::env::var(name).is_ok_and(|v| v.starts_with("http://"));
    std::env::var("AZURE_STORAGE_USE_EMULATOR").is_ok_and(|v| v == "true")
        || http("AZURITE_BLOB_STORAGE_URL")
        || http("AWS_ENDPOINT")
        || http("AWS_ENDPOINT_URL")
        || std::env::var("AZURE_STORAGE_CONNECTION_STRING").is_ok_and(|c| c.contains("=http://"))
}

/// The whole object at `object_url`, read from code that cannot wait on the async runtime: on
/// a thread of its own, with a store opened there (a store's connections belong to the
/// runtime that opened them).
pub fn fetch_blocking(object_url: &str) -> Result<bytes::Bytes, StorageError> {
    let fetch = || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StorageError::new(object_url, e))?;
        runtime.block_on(async {
            let (store, location) = open(object_url)?;
            let failed =
                |e: object_store::Error| StorageError::new(object_url, crate::mirror::cause(&e));
            let got = store.get(&location).await.map_err(failed)?;
            got.bytes().await.map_err(failed)
        })
    };
    std::thread::scope(|scope| scope.spawn(fetch).join()).unwrap_or_else(|_| {
        Err(StorageError::new(
            object_url,
            "the read stopped unexpectedly",
        ))
    })
}
