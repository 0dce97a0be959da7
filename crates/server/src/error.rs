//! API errors: one JSON shape, `{"error": {"code": "...", "message": "..."}}`, for every
//! failure, and the one rejection → JSON mapper ([`recover`]).
//!
//! Codes are stable snake_case strings clients may match on. Messages are for people; for
//! faults (5xx) they are generic, and the detail goes to the log, never to the client.

use std::convert::Infallible;

use gongkai_search::SearchError;
use serde::Serialize;
use utoipa::ToSchema;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::Reply;

/// The longest user value quoted back in an error message, in characters.
const MAX_QUOTED_CHARS: usize = 100;

/// An error answer: status, stable code, message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable snake_case code.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
}

/// The body of every error response.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub(crate) struct Body<'a> {
    error: Inner<'a>,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
#[schema(as = ErrorDetail)]
pub(crate) struct Inner<'a> {
    /// Stable snake_case code clients may match on: `invalid_parameter`, `invalid_query`,
    /// `invalid_json`, `invalid_document`, `unauthorized`, `insufficient_scope`, `not_found`,
    /// `gone`, `method_not_allowed`, `payload_too_large`, `length_required`,
    /// `unsupported_media_type`, `rate_limited`, `bad_request`, `forbidden` (refused CORS
    /// preflight), `overloaded`, `unavailable`, `internal`.
    #[schema(example = "invalid_parameter")]
    code: &'a str,
    /// A message for people, naming the parameter and quoting the bad value.
    #[schema(example = "invalid value for size: \"101\" (an integer from 1 to 100)")]
    message: &'a str,
}

/// The code of an error response, kept in the response's extensions for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode(pub &'static str);

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `invalid_parameter`.
    pub fn invalid_parameter(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_parameter", message)
    }

    /// 400 `invalid_parameter` for `value` of `name`, with what was expected.
    pub fn bad_value(name: &str, value: &str, expected: &str) -> ApiError {
        ApiError::invalid_parameter(format!(
            "invalid value for {name}: {} ({expected})",
            quote(value)
        ))
    }

    /// 400 `invalid_query`: the query text does not parse.
    pub fn invalid_query(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message)
    }

    /// 400 `invalid_json`: the body is not a JSON object.
    pub fn invalid_json(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 400 `invalid_document`: a write's input cannot become a document.
    pub fn invalid_document(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_document", message)
    }

    /// 401 `unauthorized`: no API key, or one that is unknown or revoked.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403 `insufficient_scope`: the key is valid but may not do this.
    pub fn insufficient_scope(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "insufficient_scope", message)
    }

    /// 410 `gone`: the document was withdrawn.
    pub fn gone(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::GONE, "gone", message)
    }

    /// 429 `rate_limited`, with `Retry-After`.
    pub fn rate_limited(wait: std::time::Duration) -> ApiError {
        let seconds = crate::limits::retry_after_seconds(wait);
        ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests: retry in {seconds} s"),
            )
        }
    }

    /// 415 `unsupported_media_type`.
    pub fn unsupported_media_type(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            message,
        )
    }

    /// 503 `unavailable`: the archive or the index cannot be read or written now (the detail
    /// is in the log); nothing was acknowledged.
    pub fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the document store is unavailable: retry later",
        )
    }

    /// 507 `insufficient_storage`: the disk is full; nothing of the request was stored (the
    /// write was rolled back) and searches keep answering from the last commit.
    pub fn insufficient_storage() -> ApiError {
        ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "insufficient_storage",
            "the server's disk is full: nothing of this request was stored; retry once space is freed",
        )
    }

    /// 400 `invalid_aliases`: the aliases file does not parse; the old aliases stay in use.
    pub fn invalid_aliases(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_aliases", message)
    }

    /// 503 `overloaded`: no search slot within the deadline, or the deadline passed.
    pub fn overloaded() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is busy or the request took too long: retry later",
        )
    }

    /// 500 `internal`, with a generic message. Log the detail before calling this.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }

    /// The JSON response.
    pub fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
            },
        };
        let mut response = crate::json_response(&body, self.status);
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(warp::http::header::RETRY_AFTER, seconds.into());
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                warp::http::header::WWW_AUTHENTICATE,
                warp::http::HeaderValue::from_static("Bearer"),
            );
        }
        response.extensions_mut().insert(ErrorCode(self.code));
        response
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> ApiError {
        match error {
            SearchError::Invalid(message) => ApiError::invalid_parameter(message),
            other => {
                tracing::error!(error = %other, "search failed");
                ApiError::internal()
            }
        }
    }
}

impl From<gongkai_index::IndexError> for ApiError {
    fn from(error: gongkai_index::IndexError) -> ApiError {
        tracing::error!(error = %error, "index failed");
        ApiError::internal()
    }
}

/// `value` in quotes, cut to [`MAX_QUOTED_CHARS`] characters.
pub fn quote(value: &str) -> String {
    if value.chars().count() <= MAX_QUOTED_CHARS {
        format!("{value:?}")
    } else {
        let cut: String = value.chars().take(MAX_QUOTED_CHARS).collect();
        format!("{cut:?}…")
    }
}

/// Maps every rejection to the JSON error shape. The one place rejections become responses.
pub async fn recover(rejection: warp::Rejection) -> Result<Response, Infallible> {
    use warp::reject;
    if let Some(crate::limits::RateLimited(wait)) = rejection.find::<crate::limits::RateLimited>() {
        return Ok(ApiError::rate_limited(*wait).into_response());
    }
    let error = if rejection.is_not_found() {
        ApiError::not_found("no such route")
    } else if rejection.find::<reject::PayloadTooLarge>().is_some() {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is too large",
        )
    } else if rejection.find::<reject::LengthRequired>().is_some() {
        ApiError::new(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            "a content-length header is required",
        )
    } else if rejection.find::<reject::UnsupportedMediaType>().is_some() {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "unsupported content type",
        )
    } else if rejection
        .find::<warp::filters::cors::CorsForbidden>()
        .is_some()
    {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "CORS request refused")
    } else if rejection.find::<reject::InvalidQuery>().is_some() {
        ApiError::invalid_parameter("the query string is malformed")
    } else if rejection.find::<reject::InvalidHeader>().is_some()
        || rejection.find::<reject::MissingHeader>().is_some()
    {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "a request header is missing or malformed",
        )
    } else if rejection.find::<reject::MethodNotAllowed>().is_some() {
        // Last but one, as warp ranks it: a route that matched the path and failed on
        // something else (body size, …) says more than one that wanted another method.
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "method not allowed on this route",
        )
    } else {
        tracing::error!(rejection = ?rejection, "unhandled rejection");
        ApiError::internal()
    };
    Ok(error.into_response())
}

impl Reply for ApiError {
    fn into_response(self) -> Response {
        ApiError::into_response(self)
    }
}
