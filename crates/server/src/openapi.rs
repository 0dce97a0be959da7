//! The OpenAPI document of the API, served at `GET /api/v1/openapi.json`.
//!
//! It is generated from the code, so it cannot drift from it: operations come from the
//! `#[utoipa::path]` attributes on the handlers in [`crate::api`], response schemas are derived
//! on the very types the handlers serialise (`SearchResponse`, `Hit`, `FacetValue` in
//! `gongkai-search`, `Record`, `Date`, `Validity` in `gongkai-core`, the error body in
//! [`crate::error`]), and the search parameters on structs that tests compare with the
//! parser's own table. A test checks that the paths here are exactly [`crate::ROUTES`] and that
//! each one is answered.

use std::sync::LazyLock;

use utoipa::openapi::response::{Response as ApiResponse, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref};
use utoipa::{Modify, OpenApi};
use warp::hyper::body::Bytes;

use crate::api;

/// The document.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Gongkai API",
        description = "Search Chinese government information disclosure documents \
            (政府信息公开): Chinese full-text search with exact quoted strings, 文号 lookup, filters \
            and exact facet counts.\n\nEvery error is `{\"error\": {\"code\", \"message\"}}` \
            with a stable snake_case `code`. Every response carries an `x-request-id` header \
            (the client's own when it sent a valid one) and CORS headers.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        api::healthz_handler,
        api::metrics_handler,
        api::openapi_handler,
        api::search_get_handler,
        api::search_post_handler,
        crate::documents::create_handler,
        api::document_handler,
        crate::documents::withdraw_handler,
        crate::documents::versions_handler,
        crate::documents::version_handler,
        crate::documents::original_handler,
        crate::documents::related_handler,
        crate::documents::reload_aliases_handler,
        api::facets_handler,
        crate::documents::admin_archive_handler,
    ),
    components(schemas(crate::error::Body, crate::error::Inner)),
    modifiers(&CommonResponses),
    tags(
        (name = "search", description = "Full-text search and facet counts"),
        (name = "documents", description = "Stored documents, their versions and originals; the staff write API"),
        (name = "operations", description = "Health, metrics and this document"),
    ),
)]
pub struct ApiDoc;

/// Adds the answers every route can give: 405 for another method on its path, 500.
#[derive(Debug)]
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let error = |description: &str| -> ApiResponse {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json; charset=utf-8",
                    Content::new(Some(Ref::from_schema_name("Error"))),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let responses = &mut operation.responses.responses;
                responses.entry("405".into()).or_insert_with(|| {
                    error("Another method on this path (`method_not_allowed`)").into()
                });
                responses.entry("500".into()).or_insert_with(|| {
                    error("An internal fault; the detail is in the server log (`internal`)").into()
                });
            }
        }
        // The write routes name this scheme: `Authorization: Bearer KEY`, keys made with
        // `gongkai keys create --scope write|admin`.
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "api_key",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(
                            "An API key from `gongkai keys create --scope write|admin`",
                        ))
                        .build(),
                ),
            );
        }
    }
}

/// The document as JSON, built once.
pub fn json() -> Bytes {
    static JSON: LazyLock<Bytes> = LazyLock::new(|| match ApiDoc::openapi().to_json() {
        Ok(text) => Bytes::from(text),
        Err(error) => {
            tracing::error!(error = %error, "serialising the OpenAPI document failed");
            Bytes::from_static(b"{}")
        }
    });
    JSON.clone()
}
