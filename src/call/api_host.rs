//! Runs the engine's API requests with `fetch` and feeds the results back.

use leptos::task::spawn_local;
use satsuma_client::{ApiCall, ApiRequest, ApiResponse, Input};

use super::driver::Driver;
use crate::calls_client::CallsClient;

/// Starts `request`; its result comes back as [`Input::Api`].
pub fn run(driver: &Driver, request: ApiRequest) {
    let driver = driver.clone();
    spawn_local(async move {
        let client = CallsClient::new(crate::api_base::http_url("/api/calls"), request.token);
        let result = match &request.call {
            // The servers are a browser object: kept by the host, the engine only hears "done".
            ApiCall::IceServers => client.ice_servers().await.map(|servers| {
                driver.set_ice_servers(servers);
                ApiResponse::IceServers
            }),
            call => client.execute(call).await,
        };
        driver.input(Input::Api(request.id, result));
    });
}
