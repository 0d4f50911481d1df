//! The BBB API's metrics middleware: each call counted by call and returncode, and timed.

use std::future::Future;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};

use crate::error::Failed;
use crate::metrics::METRICS;

/// Calls `service` and records the call under `label`: `FAILED` when Scalelite answered a BBB error itself
/// (the answer carries the `Failed` mark), `SUCCESS` otherwise.
pub fn metered<S, B>(
    label: &'static str,
    request: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let started = Instant::now();
    let answer = service.call(request);
    async move {
        let response = answer.await?;
        let returncode = if response.response().extensions().contains::<Failed>() { "FAILED" } else { "SUCCESS" };
        METRICS.api_requests.with_label_values(&[label, returncode]).inc();
        METRICS.api_duration.with_label_values(&[label]).observe(started.elapsed().as_secs_f64());
        Ok(response)
    }
}
