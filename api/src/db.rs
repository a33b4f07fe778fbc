//! Runs blocking Diesel work off the async executor.

use actix_web::web;
use persistence::{DbConnection, DbPool, StoreError};

use crate::error::ApiError;

/// Takes a pooled connection and runs `work` on the blocking thread pool.
/// No connection within the pool timeout is a 503, not a hang.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get().map_err(StoreError::from)?;
        work(&mut conn)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Like [`run`], with `work` inside one transaction.
pub async fn transaction<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    run(pool, move |conn| conn.transaction(work)).await
}
