//! The error every `/api` route answers with: the shared [`ApiError`] of `satsuma-room`
//! (the statuses, codes and texts of `satsuma serve`, so clients cannot tell the two
//! apart), as a Worker response that is never cacheable.

use satsuma_room::calls_policy::PolicyError;
use worker::{Headers, Response};

pub use satsuma_room::api_error::ApiError;

/// An [`ApiError`] on its way out as a response. Handlers return `Result<_, Failure>`, so
/// `?` works on both the shared errors and the runtime's.
#[derive(Debug)]
pub struct Failure(pub ApiError);

impl From<ApiError> for Failure {
    fn from(err: ApiError) -> Self {
        Failure(err)
    }
}

impl From<PolicyError> for Failure {
    fn from(err: PolicyError) -> Self {
        Failure(err.into())
    }
}

impl From<worker::Error> for Failure {
    fn from(err: worker::Error) -> Self {
        // Runtime failures (bindings, streams) carry no client detail worth sending.
        worker::console_error!("worker error: {err}");
        Failure(ApiError::Backend("the worker could not handle this request"))
    }
}

impl Failure {
    /// The response: JSON body, the status, `Cache-Control: no-store`.
    pub fn into_response(self) -> worker::Result<Response> {
        let headers = Headers::new();
        headers.set("Cache-Control", "no-store")?;
        // `with_headers` replaces the JSON content type that `from_json` set.
        headers.set("Content-Type", "application/json")?;
        Ok(Response::from_json(&self.0.body())?.with_status(self.0.status()).with_headers(headers))
    }
}
