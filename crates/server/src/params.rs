//! Request parameters → [`SearchRequest`].
//!
//! Both the query string of `GET /api/v1/search` and the JSON body of `POST /api/v1/search`
//! become one list of `(name, value)` pairs, which [`search_request`] parses; so the two forms
//! cannot drift. Filters repeat (OR within a field, AND across fields); every other parameter
//! is given at most once. An empty value counts as absent (HTML forms send empty fields),
//! except for `q`, where empty means every document. Unknown query-string parameters are
//! ignored; unknown JSON fields are an error.

use gongkai_core::Date;
use gongkai_search::{FacetField, Limits, SearchRequest, Sort, MAX_SIZE};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::error::{quote, ApiError};

/// Which endpoint the parameters are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `/api/v1/search`: everything.
    Search,
    /// `/api/v1/facets/{field}`: `q` and filters only; other names are ignored.
    Facets,
}

/// Every parameter name of the search endpoint (also the JSON body's fields).
const SEARCH_NAMES: [&str; 20] = [
    "q",
    "department",
    "category",
    "doc_type",
    "region",
    "validity",
    "doc_number_issuer",
    "doc_number_year",
    "doc_number_serial",
    "year",
    "year_from",
    "year_to",
    "date_from",
    "date_to",
    "sort",
    "page",
    "size",
    "facets",
    "highlight",
    "facet_limit",
];

/// `SEARCH_NAMES[..QUERY_AND_FILTERS]` are `q` and the filters: what the facets endpoint takes.
const QUERY_AND_FILTERS: usize = 14;

/// Names that may repeat.
const REPEATABLE: [&str; 10] = [
    "department",
    "category",
    "doc_type",
    "region",
    "validity",
    "doc_number_issuer",
    "doc_number_year",
    "doc_number_serial",
    "year",
    "facets",
];

/// The `(name, value)` pairs of a raw query string, percent- and `+`-decoded.
pub fn query_pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The `(name, value)` pairs of a JSON search body: a string or number per value, or an
/// array of them for repeatable fields. Unknown fields and wrong types are errors.
pub fn body_pairs(body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            ApiError::invalid_json(format!("the body is not a valid JSON object: {e}"))
        } else {
            ApiError::invalid_json(format!("the body is not valid JSON: {e}"))
        }
    })?;
    let Value::Object(map) = value else {
        return Err(ApiError::invalid_json("the body must be a JSON object"));
    };
    let mut pairs = Vec::new();
    for (name, value) in map {
        if !SEARCH_NAMES.contains(&name.as_str()) {
            return Err(ApiError::invalid_parameter(format!(
                "unknown field {} (known: {})",
                quote(&name),
                SEARCH_NAMES.join(", ")
            )));
        }
        let repeatable = REPEATABLE.contains(&name.as_str());
        match value {
            Value::Null => {}
            Value::Array(items) if repeatable => {
                for item in items {
                    match scalar(&item) {
                        Some(text) => pairs.push((name.clone(), text)),
                        None => return Err(wrong_type(&name, true)),
                    }
                }
            }
            other => match scalar(&other) {
                Some(text) => pairs.push((name, text)),
                None => return Err(wrong_type(&name, repeatable)),
            },
        }
    }
    Ok(pairs)
}

/// A JSON scalar as parameter text.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn wrong_type(name: &str, repeatable: bool) -> ApiError {
    let expected = if repeatable {
        "a string, a number or an array of them"
    } else {
        "a string, a number or a boolean"
    };
    ApiError::invalid_parameter(format!("field {name} must be {expected}"))
}

/// Parses `pairs` into a request for `scope`, within the default limits.
#[cfg(test)]
pub fn search_request(pairs: &[(String, String)], scope: Scope) -> Result<SearchRequest, ApiError> {
    search_request_within(pairs, scope, Limits::default())
}

/// Parses `pairs` into a request for `scope`, within the service's `limits`.
pub fn search_request_within(
    pairs: &[(String, String)],
    scope: Scope,
    limits: Limits,
) -> Result<SearchRequest, ApiError> {
    let mut request = SearchRequest {
        limits,
        facet_limit: gongkai_search::DEFAULT_FACET_LIMIT.min(limits.facet_values),
        ..SearchRequest::default()
    };
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in pairs {
        let name = name.as_str();
        let known = match scope {
            Scope::Search => SEARCH_NAMES.contains(&name),
            Scope::Facets => SEARCH_NAMES[..QUERY_AND_FILTERS].contains(&name),
        };
        if !known {
            continue;
        }
        let trimmed = value.trim();
        if name != "q" && trimmed.is_empty() {
            continue;
        }
        if !REPEATABLE.contains(&name) {
            if seen.contains(&name) {
                return Err(ApiError::invalid_parameter(format!(
                    "{name} is given more than once"
                )));
            }
            seen.push(name);
        }
        let filters = &mut request.filters;
        match name {
            "q" => request.q = value.clone(),
            "department" => filters.department.push(trimmed.to_string()),
            "category" => filters.category.push(trimmed.to_string()),
            "doc_type" => filters.doc_type.push(trimmed.to_string()),
            "region" => filters.region.push(trimmed.to_string()),
            "validity" => filters.validity.push(trimmed.to_string()),
            "doc_number_issuer" => filters.doc_number_issuer.push(trimmed.to_string()),
            "doc_number_year" => filters.doc_number_year.push(year(name, trimmed)?),
            "doc_number_serial" => filters.doc_number_serial.push(integer(
                name,
                trimmed,
                0,
                999_999_999,
                "an integer from 0 to 999999999",
            )? as i64),
            "year" => filters.year.push(year(name, trimmed)?),
            "year_from" => filters.year_from = Some(year(name, trimmed)?),
            "year_to" => filters.year_to = Some(year(name, trimmed)?),
            "date_from" => filters.date_from = Some(date(name, trimmed)?),
            "date_to" => filters.date_to = Some(date(name, trimmed)?),
            "sort" => {
                request.sort = Sort::parse(trimmed).ok_or_else(|| {
                    ApiError::bad_value(name, value, "one of relevance, date_desc, date_asc")
                })?;
            }
            "page" => {
                request.page = integer(name, trimmed, 1, usize::MAX, "an integer ≥ 1")?;
            }
            "size" => {
                request.size = integer(name, trimmed, 1, MAX_SIZE, "an integer from 1 to 100")?;
            }
            "facet_limit" => {
                request.facet_limit = integer(
                    name,
                    trimmed,
                    1,
                    limits.facet_values,
                    &format!("an integer from 1 to {}", limits.facet_values),
                )?;
            }
            "facets" => {
                for part in trimmed.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let field = FacetField::parse(part).ok_or_else(|| {
                        ApiError::bad_value(
                            name,
                            part,
                            "department, category, year, doc_type, region or validity",
                        )
                    })?;
                    if !request.facets.contains(&field) {
                        request.facets.push(field);
                    }
                }
            }
            "highlight" => {
                request.highlight = match trimmed {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(ApiError::bad_value(name, value, "true or false")),
                };
            }
            _ => {}
        }
    }
    check_ranges(&request)?;
    if let Err(error) =
        gongkai_search::query::parse_within(&request.q, limits.query_chars, limits.query_terms)
    {
        return Err(ApiError::invalid_query(format!("q: {error}")));
    }
    Ok(request)
}

fn check_ranges(request: &SearchRequest) -> Result<(), ApiError> {
    let f = &request.filters;
    if let (Some(a), Some(b)) = (f.year_from, f.year_to) {
        if a > b {
            return Err(ApiError::invalid_parameter(format!(
                "year_from {a} is after year_to {b}"
            )));
        }
    }
    if let (Some(a), Some(b)) = (f.date_from, f.date_to) {
        if a > b {
            return Err(ApiError::invalid_parameter(format!(
                "date_from {a} is after date_to {b}"
            )));
        }
    }
    Ok(())
}

fn year(name: &str, value: &str) -> Result<i64, ApiError> {
    value
        .parse::<i64>()
        .ok()
        .filter(|y| (0..=9999).contains(y))
        .ok_or_else(|| ApiError::bad_value(name, value, "a year such as 2017"))
}

fn integer(
    name: &str,
    value: &str,
    min: usize,
    max: usize,
    expected: &str,
) -> Result<usize, ApiError> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| ApiError::bad_value(name, value, expected))
}

/// A strict `YYYY-MM-DD` date that exists.
fn date(name: &str, value: &str) -> Result<Date, ApiError> {
    let bytes = value.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    shaped
        .then(|| Date::parse(value))
        .flatten()
        .ok_or_else(|| ApiError::bad_value(name, value, "a date as YYYY-MM-DD"))
}

/// `q` and the filters: the query string of `GET /api/v1/facets/{field}`, and the first part
/// of every search. Documentation only (the parser is [`search_request`]); a test checks that
/// its fields are exactly `SEARCH_NAMES[..QUERY_AND_FILTERS]` and that the repeatable ones are
/// arrays.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Read by the OpenAPI derive only.
pub struct QueryAndFilters {
    /// The query. Words are ANDed and ranked by BM25 (title boosted); `"quoted text"` must
    /// occur exactly; `-word` excludes; `a OR b` accepts either; a 文号 or 令号 in any bracket
    /// or width variant finds its document first. Empty or absent: every document.
    #[param(example = "政府信息公开")]
    #[schema(example = "政府信息公开")]
    q: Option<String>,
    /// 发布机构, exact. Repeatable: OR within a field, AND across fields.
    #[param(style = Form, explode)]
    department: Option<Vec<String>>,
    /// Category path; a node matches its subtree (`地方性法规` matches `地方性法规/山东`).
    /// Repeatable.
    #[param(style = Form, explode)]
    category: Option<Vec<String>>,
    /// 文种 (`通知`, `条例` …). Repeatable.
    #[param(style = Form, explode)]
    doc_type: Option<Vec<String>>,
    /// Region (a province or `全国`). Repeatable.
    #[param(style = Form, explode)]
    region: Option<Vec<String>>,
    /// 有效性: `有效`, `失效`, `废止` or `已修改`. Repeatable.
    #[param(style = Form, explode)]
    validity: Option<Vec<String>>,
    /// 机关代字 of the 文号 (`国办发`). Repeatable.
    #[param(style = Form, explode)]
    doc_number_issuer: Option<Vec<String>>,
    /// Year in the 文号 (`2017` for `国办发〔2017〕47号`), 0–9999. Repeatable.
    #[param(style = Form, explode)]
    doc_number_year: Option<Vec<u16>>,
    /// Serial of the 文号 or 令号 (`47` for `国办发〔2017〕47号`). Repeatable.
    #[param(style = Form, explode)]
    doc_number_serial: Option<Vec<u32>>,
    /// Year (of 发布日期, else the record's year), 0–9999. Repeatable.
    #[param(style = Form, explode)]
    year: Option<Vec<u16>>,
    /// From this year, inclusive (0–9999; not after `year_to`).
    #[param(minimum = 0, maximum = 9999)]
    #[schema(minimum = 0, maximum = 9999)]
    year_from: Option<u16>,
    /// To this year, inclusive (0–9999).
    #[param(minimum = 0, maximum = 9999)]
    #[schema(minimum = 0, maximum = 9999)]
    year_to: Option<u16>,
    /// Published on or after this date, `YYYY-MM-DD` (not after `date_to`).
    date_from: Option<Date>,
    /// Published on or before this date, `YYYY-MM-DD`.
    date_to: Option<Date>,
}

/// Order, paging, facets and highlights: the rest of a search's parameters (after
/// [`QueryAndFilters`]). Documentation only, checked against `SEARCH_NAMES` by a test.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Read by the OpenAPI derive only.
pub struct Paging {
    /// Result order (default `relevance`).
    sort: Option<SortOrder>,
    /// 1-based page (default 1). Paging reaches the first 10,000 hits.
    #[param(minimum = 1, default = 1)]
    #[schema(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Hits per page, 1–100 (default 10).
    #[param(minimum = 1, maximum = 100, default = 10)]
    #[schema(minimum = 1, maximum = 100, default = 10)]
    size: Option<u32>,
    /// Facets to count exactly over every match. Repeatable and/or comma-separated
    /// (`facets=department,year`).
    #[param(style = Form, explode)]
    facets: Option<Vec<FacetField>>,
    /// Compute highlighted snippets (`true`/`false`, `1`/`0`; default true).
    #[param(default = true)]
    #[schema(default = true)]
    highlight: Option<bool>,
    /// Values returned per facet, 1–1000 (default 50).
    #[param(minimum = 1, maximum = 1000, default = 50)]
    #[schema(minimum = 1, maximum = 1000, default = 50)]
    facet_limit: Option<u32>,
}

/// The body of `POST /api/v1/search`: every search parameter as a JSON field. A repeatable
/// field takes an array or a single value; numbers may be given as numbers or strings; `null`
/// means absent; unknown fields are an error.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // Read by the OpenAPI derive only.
pub struct SearchBody {
    #[serde(flatten)]
    query: QueryAndFilters,
    #[serde(flatten)]
    paging: Paging,
}

/// The orders `sort` accepts (each parses with [`Sort::parse`]; a test checks it).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// By relevance score.
    Relevance,
    /// Newest first (documents without a date last).
    DateDesc,
    /// Oldest first.
    DateAsc,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn pairs(raw: &str) -> Vec<(String, String)> {
        query_pairs(raw)
    }

    #[test]
    fn repeated_filters_and_defaults() {
        let r = search_request(
            &pairs("q=%E6%9D%A1%E4%BE%8B+x&year=2017&year=2018&department=%E5%9B%BD%E5%8A%A1%E9%99%A2&facets=department,year&unknown=1"),
            Scope::Search,
        )
        .unwrap();
        assert_eq!(r.q, "条例 x");
        assert_eq!(r.filters.year, vec![2017, 2018]);
        assert_eq!(r.filters.department, vec!["国务院"]);
        assert_eq!(r.facets, vec![FacetField::Department, FacetField::Year]);
        assert_eq!((r.page, r.size, r.highlight), (1, 10, true));
    }

    #[test]
    fn document_number_parts() {
        let r = search_request(
            &pairs("doc_number_issuer=%E5%9B%BD%E5%8A%9E%E5%8F%91&doc_number_year=2017&doc_number_serial=47&doc_number_serial=48"),
            Scope::Search,
        )
        .unwrap();
        assert_eq!(r.filters.doc_number_issuer, ["国办发"]);
        assert_eq!(r.filters.doc_number_year, [2017]);
        assert_eq!(r.filters.doc_number_serial, [47, 48]);
        for raw in [
            "doc_number_year=20x7",
            "doc_number_serial=-1",
            "doc_number_serial=1e3",
        ] {
            let e = search_request(&pairs(raw), Scope::Search).unwrap_err();
            assert_eq!(e.code, "invalid_parameter", "{raw}");
            assert!(
                e.message.contains(raw.split('=').next().unwrap()),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn bad_values_name_the_parameter_and_quote_the_value() {
        for (raw, name, bad) in [
            ("page=0", "page", "\"0\""),
            ("size=101", "size", "\"101\""),
            ("size=0", "size", "\"0\""),
            ("sort=x", "sort", "\"x\""),
            ("year=abc", "year", "\"abc\""),
            ("date_from=2019-13-01", "date_from", "\"2019-13-01\""),
            ("date_to=2019-1-01", "date_to", "\"2019-1-01\""),
            ("facets=department,nope", "facets", "\"nope\""),
            ("highlight=maybe", "highlight", "\"maybe\""),
        ] {
            let e = search_request(&pairs(raw), Scope::Search).unwrap_err();
            assert_eq!(e.code, "invalid_parameter", "{raw}");
            assert!(e.message.contains(name), "{raw}: {}", e.message);
            assert!(e.message.contains(bad), "{raw}: {}", e.message);
        }
    }

    #[test]
    fn query_syntax_errors_and_ranges() {
        let e = search_request(&pairs("q=%22abc"), Scope::Search).unwrap_err();
        assert_eq!(e.code, "invalid_query");
        let e = search_request(&pairs("year_from=2020&year_to=2010"), Scope::Search).unwrap_err();
        assert_eq!(e.code, "invalid_parameter");
        let e = search_request(&pairs("page=1&page=2"), Scope::Search).unwrap_err();
        assert!(e.message.contains("more than once"));
    }

    #[test]
    fn facets_scope_ignores_paging() {
        let r = search_request(&pairs("page=0&size=999&q=a&year=2017"), Scope::Facets).unwrap();
        assert_eq!(
            (r.q.as_str(), r.filters.year.as_slice()),
            ("a", &[2017][..])
        );
    }

    #[test]
    fn empty_values_are_absent() {
        let r = search_request(&pairs("q=&year_from=&page=&department="), Scope::Search).unwrap();
        assert_eq!(r, SearchRequest::default());
    }

    #[test]
    fn body_pairs_accepts_scalars_and_arrays() {
        let p = body_pairs(
            br#"{"q":"a","department":["x","y"],"year":2017,"facets":["department","year"],"highlight":false,"page":null}"#,
        )
        .unwrap();
        let r = search_request(&p, Scope::Search).unwrap();
        assert_eq!(r.filters.department, vec!["x", "y"]);
        assert_eq!(r.filters.year, vec![2017]);
        assert!(!r.highlight);
        assert_eq!(r.facets.len(), 2);
    }

    #[test]
    fn body_errors() {
        assert_eq!(body_pairs(b"{").unwrap_err().code, "invalid_json");
        assert_eq!(body_pairs(b"[1]").unwrap_err().code, "invalid_json");
        let e = body_pairs(br#"{"qq":"a"}"#).unwrap_err();
        assert_eq!(e.code, "invalid_parameter");
        assert!(e.message.contains("\"qq\""));
        let e = body_pairs(br#"{"page":[1,2]}"#).unwrap_err();
        assert!(e.message.contains("page"));
        let e = body_pairs(br#"{"department":[{"a":1}]}"#).unwrap_err();
        assert!(e.message.contains("department"));
    }

    /// The parameters the OpenAPI document lists, with whether each is an array.
    fn documented<T: IntoParams>() -> Vec<(String, bool)> {
        T::into_params(|| None)
            .into_iter()
            .map(|p| {
                let json = serde_json::to_value(&p).unwrap();
                let is_array = json["schema"].to_string().contains("\"array\"");
                (p.name, is_array)
            })
            .collect()
    }

    #[test]
    fn documented_parameters_are_the_parsed_ones() {
        let expected = |names: &[&str]| -> Vec<(String, bool)> {
            names
                .iter()
                .map(|n| (n.to_string(), REPEATABLE.contains(n)))
                .collect()
        };
        assert_eq!(
            documented::<QueryAndFilters>(),
            expected(&SEARCH_NAMES[..QUERY_AND_FILTERS])
        );
        assert_eq!(
            documented::<Paging>(),
            expected(&SEARCH_NAMES[QUERY_AND_FILTERS..])
        );
        for order in [
            SortOrder::Relevance,
            SortOrder::DateDesc,
            SortOrder::DateAsc,
        ] {
            let name = serde_json::to_value(order).unwrap();
            assert!(Sort::parse(name.as_str().unwrap()).is_some(), "{name}");
        }
        // Every documented limit is the one enforced.
        let paging: Vec<Value> = Paging::into_params(|| None)
            .iter()
            .map(|p| serde_json::to_value(p).unwrap())
            .collect();
        let max = |name: &str| {
            paging.iter().find(|p| p["name"] == name).unwrap()["schema"]["maximum"].as_f64()
        };
        assert_eq!(max("size"), Some(MAX_SIZE as f64));
        assert_eq!(max("facet_limit"), Some(crate::MAX_FACET_VALUES as f64));
        let e = search_request(&pairs("size=100&facet_limit=1000"), Scope::Search);
        assert!(e.is_ok());
    }
}
