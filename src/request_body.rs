//! Reading a request's body within bounds: at most a given size, and whole within `REQUEST_BODY_TIMEOUT`, so a
//! client that sends its body slowly on purpose cannot hold a connection and its buffer forever.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};

/// Why a body was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the request body did not arrive within {0} s")]
    TooSlow(u64),
    #[error("the request body could not be read: {0}")]
    Broken(String),
}

/// Reads the whole body, refusing more than `limit` bytes or more time than `deadline`.
pub async fn read<E: std::fmt::Display>(
    mut payload: impl Stream<Item = Result<Bytes, E>> + Unpin,
    limit: usize,
    deadline: Duration,
) -> Result<Bytes, BodyError> {
    let whole = async {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| BodyError::Broken(e.to_string()))?;
            if body.len() + chunk.len() > limit {
                return Err(BodyError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    match actix_web::rt::time::timeout(deadline, whole).await {
        Ok(read) => read,
        Err(_) => Err(BodyError::TooSlow(deadline.as_secs())),
    }
}

impl From<BodyError> for crate::error::BbbError {
    fn from(error: BodyError) -> Self {
        let key = match error {
            BodyError::TooLarge(_) => "requestTooLarge",
            BodyError::TooSlow(_) => "requestTimeout",
            BodyError::Broken(_) => "badRequest",
        };
        crate::error::BbbError::new(key, error.to_string())
    }
}

impl From<BodyError> for crate::error::AdminError {
    fn from(error: BodyError) -> Self {
        use actix_web::http::StatusCode;
        let status = match error {
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::TooSlow(_) => StatusCode::REQUEST_TIMEOUT,
            BodyError::Broken(_) => StatusCode::BAD_REQUEST,
        };
        crate::error::AdminError::new(status, error.to_string())
    }
}
