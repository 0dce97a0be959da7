//! The document record: what every parser produces and every later stage consumes.
//!
//! A [`Record`] is built from a JSON object in the corpus format ([`Record::from_json`]) or by a
//! page parser, then [`Record::finish`]ed: derived fields (year, 文种, validity, cited 文号, a
//! stable id) are filled in one place so that every input format gets the same treatment.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::{category, date::Date, docnumber, doctype};

/// 有效 / 失效 / 废止 / 已修改.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Validity {
    /// In force.
    #[serde(rename = "有效")]
    Valid,
    /// No longer in force (the corpus's `expired: true`).
    #[serde(rename = "失效")]
    Expired,
    /// Repealed.
    #[serde(rename = "废止")]
    Repealed,
    /// Amended; a newer version exists.
    #[serde(rename = "已修改")]
    Amended,
}

impl Validity {
    /// The Chinese label used in filters and facets.
    pub fn label(self) -> &'static str {
        match self {
            Validity::Valid => "有效",
            Validity::Expired => "失效",
            Validity::Repealed => "废止",
            Validity::Amended => "已修改",
        }
    }

    /// Reads a label as people write it (`有效`, `现行有效`, `失效`, `已废止`, `修改` …).
    pub fn parse(text: &str) -> Option<Validity> {
        let t = gongkai_analysis::normalize(text.trim());
        Some(match t.as_str() {
            "有效" | "现行有效" | "valid" | "尚未生效" => Validity::Valid,
            "失效" | "已失效" | "expired" => Validity::Expired,
            "废止" | "已废止" | "repealed" => Validity::Repealed,
            "已修改" | "修改" | "已被修改" | "amended" => Validity::Amended,
            _ => return None,
        })
    }
}

/// A disclosure document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Record {
    /// Stable identifier: the input's `id`, or derived from the source URL or path.
    pub id: String,
    /// Title as published.
    pub title: String,
    /// Full text, page chrome removed.
    pub body: String,
    /// 发布机构.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// 文号 / 令号 as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_number: Option<String>,
    /// 索引号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_no: Option<String>,
    /// 发布日期.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_date: Option<Date>,
    /// 成文日期.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_date: Option<Date>,
    /// Year the document is filed under: that of `publish_date`, else the input's `year`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Category path, `/`-separated (`地方性法规/山东`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// 主题分类 as a portal states it (`城乡建设、环境保护\城市规划`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// 文种 / 体裁 (通知, 公告, 条例 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_type: Option<String>,
    /// Region (province or 全国).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// 有效性.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<Validity>,
    /// Where the document was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// 文号 cited in the text, as written, excluding the document's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cited_doc_numbers: Vec<String>,
    /// Every input field Gongkai has no column for, kept verbatim.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub extra: Map<String, Value>,
}

/// Why an input could not become a record.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RecordError {
    /// The input is not a JSON object.
    #[error("expected a JSON object, found {0}")]
    NotAnObject(&'static str),
    /// A known field has the wrong JSON type.
    #[error("field `{field}`: expected {expected}, found {found}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What it should be.
        expected: &'static str,
        /// What it is.
        found: &'static str,
    },
    /// Both title and body are missing or blank.
    #[error("no title and no body")]
    Empty,
    /// No id and nothing to derive one from.
    #[error("no `id` and no source URL or path to derive one from")]
    NoId,
    /// The id cannot be used (too long, or control characters).
    #[error("field `id`: {0}")]
    BadId(String),
}

/// A non-fatal remark about an input, reported next to its location.
pub type Warning = String;

/// Longest id accepted, in bytes.
pub const MAX_ID_LEN: usize = 128;

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Record {
    /// Builds a record from one JSON object in the corpus format (see `shared/corpus/README.md`).
    ///
    /// Known fields are validated and mapped; every other field, and a known field whose value
    /// cannot be used (an unparseable date, say), is kept in [`Record::extra`] with a warning.
    /// The record is [`finish`](Record::finish)ed. `source` names the input for derived ids.
    pub fn from_json(
        value: Value,
        source: Option<&str>,
    ) -> Result<(Record, Vec<Warning>), RecordError> {
        let Value::Object(mut map) = value else {
            return Err(RecordError::NotAnObject(json_kind(&value)));
        };
        let mut warnings = Vec::new();
        let mut record = Record {
            id: take_string(&mut map, "id", true)?.unwrap_or_default(),
            title: take_string(&mut map, "title", false)?.unwrap_or_default(),
            body: take_string(&mut map, "body", false)?.unwrap_or_default(),
            department: take_string(&mut map, "department", false)?,
            doc_number: take_string(&mut map, "doc_number", false)?,
            index_no: take_string(&mut map, "index_no", false)?,
            category: take_string(&mut map, "category", false)?,
            topic: take_string(&mut map, "topic", false)?,
            doc_type: take_string(&mut map, "doc_type", false)?,
            region: take_string(&mut map, "region", false)?,
            source_url: take_string(&mut map, "source_url", false)?,
            ..Record::default()
        };
        for (field, slot) in [("publish_date", 0), ("written_date", 1)] {
            let Some(raw) = take_string(&mut map, field, false)? else {
                continue;
            };
            match Date::parse(&raw) {
                Some(date) if slot == 0 => record.publish_date = Some(date),
                Some(date) => record.written_date = Some(date),
                None => {
                    warnings.push(format!(
                        "field `{field}`: {raw:?} is not a date; kept as extra `{field}`"
                    ));
                    map.insert(field.to_string(), Value::String(raw));
                }
            }
        }
        match map.remove("year") {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) if n.as_i64().is_some_and(|y| (1..=9999).contains(&y)) => {
                record.year = n.as_i64().map(|y| y as i32);
            }
            Some(Value::String(s))
                if s.trim()
                    .parse::<i32>()
                    .is_ok_and(|y| (1..=9999).contains(&y)) =>
            {
                record.year = s.trim().parse().ok();
            }
            Some(other) => {
                warnings.push(format!(
                    "field `year`: {other} is not a year; kept as extra `year`"
                ));
                map.insert("year".into(), other);
            }
        }
        match map.remove("validity") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => match Validity::parse(&s) {
                Some(v) => record.validity = Some(v),
                None => {
                    warnings.push(format!(
                        "field `validity`: unknown value {s:?}; kept as extra `validity`"
                    ));
                    map.insert("validity".into(), Value::String(s));
                }
            },
            Some(other) => {
                warnings.push(format!(
                    "field `validity`: {other} is not a string; kept as extra `validity`"
                ));
                map.insert("validity".into(), other);
            }
        }
        // The corpus says `expired: true` for repealed or superseded texts. Kept in extra too.
        if record.validity.is_none() {
            match map.get("expired") {
                Some(Value::Bool(true)) => record.validity = Some(Validity::Expired),
                Some(Value::Bool(false)) => record.validity = Some(Validity::Valid),
                _ => {}
            }
        }
        match map.remove("cited_doc_numbers") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                record.cited_doc_numbers = items
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
            }
            Some(other) => {
                warnings.push(
                    "field `cited_doc_numbers`: expected an array of strings; kept as extra"
                        .to_string(),
                );
                map.insert("cited_doc_numbers".into(), other);
            }
        }
        map.retain(|_, v| !v.is_null());
        record.extra = map;
        record.finish(source)?;
        Ok((record, warnings))
    }

    /// Fills in derived fields and checks the record can be indexed.
    ///
    /// - trims text fields and drops empty optional ones;
    /// - `year` from `publish_date` (else the given year is kept);
    /// - `doc_type` from the title when absent;
    /// - `cited_doc_numbers` from the body when none were given, without the own 文号;
    /// - `id` from `source_url`, else from `source` (a path), when absent.
    pub fn finish(&mut self, source: Option<&str>) -> Result<(), RecordError> {
        // Control characters (from mislabelled encodings, binary junk, copy-paste) are
        // neither text to search nor safe to hand to clients.
        for text in [&mut self.title, &mut self.body]
            .into_iter()
            .chain(self.department.as_mut())
            .chain(self.doc_number.as_mut())
            .chain(self.index_no.as_mut())
            .chain(self.topic.as_mut())
            .chain(self.doc_type.as_mut())
            .chain(self.region.as_mut())
            .chain(self.source_url.as_mut())
        {
            if let Cow::Owned(clean) = strip_controls(text) {
                *text = clean;
            }
        }
        if self.title.contains('\n') {
            self.title = self.title.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        self.title = self.title.trim().to_string();
        let body_trimmed = self.body.trim();
        if body_trimmed.len() != self.body.len() {
            self.body = body_trimmed.to_string();
        }
        if self.title.is_empty() && self.body.is_empty() {
            return Err(RecordError::Empty);
        }
        for field in [
            &mut self.department,
            &mut self.doc_number,
            &mut self.index_no,
            &mut self.topic,
            &mut self.doc_type,
            &mut self.region,
            &mut self.source_url,
        ] {
            if let Some(value) = field {
                let trimmed = value.trim();
                if trimmed.is_empty() {
                    *field = None;
                } else if trimmed.len() != value.len() {
                    *field = Some(trimmed.to_string());
                }
            }
        }
        self.category = self.category.as_deref().and_then(category::canonical);
        if let Some(date) = self.publish_date {
            self.year = Some(date.year());
        }
        if self.doc_type.is_none() {
            self.doc_type = doctype::from_title(&self.title).map(str::to_string);
        }
        if self.cited_doc_numbers.is_empty() {
            self.cited_doc_numbers = docnumber::find_in_text(&self.body);
        }
        if let Some(own) = self.doc_number.as_deref() {
            let own = docnumber::normalize(own);
            self.cited_doc_numbers
                .retain(|n| docnumber::normalize(n) != own);
        }
        self.id = self.id.trim().to_string();
        if self.id.is_empty() {
            let basis = match (self.source_url.as_deref(), source) {
                (Some(url), _) => format!("url:{url}"),
                (None, Some(path)) => format!("path:{path}"),
                (None, None) => return Err(RecordError::NoId),
            };
            self.id = derive_id(&basis);
        }
        check_id(&self.id)?;
        Ok(())
    }
}

/// `text` without control characters: C0 and C1 controls, DEL and byte-order marks are
/// dropped, except that tab and line feed stay, and a carriage return, vertical tab or form
/// feed becomes a line feed (`\r\n` one line feed).
///
/// ```
/// use gongkai_core::record::strip_controls;
/// assert_eq!(strip_controls("a\u{0}b\u{feff}c\r\nd\u{c}e\tf"), "abc\nd\ne\tf");
/// assert!(matches!(strip_controls("公开\n"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn strip_controls(text: &str) -> Cow<'_, str> {
    let unwanted = |c: char| (c.is_control() && c != '\n' && c != '\t') || c == '\u{feff}';
    if !text.chars().any(unwanted) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\u{b}' | '\u{c}' => out.push('\n'),
            c if unwanted(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A stable id from a source: the first 16 hex digits of SHA-256.
pub fn derive_id(basis: &str) -> String {
    let digest = Sha256::digest(basis.as_bytes());
    hex::encode(&digest[..8])
}

/// Ids are opaque strings, but they travel in URLs and file names: no control characters, no
/// `/` or `\`, at most [`MAX_ID_LEN`] bytes.
pub fn check_id(id: &str) -> Result<(), RecordError> {
    if id.len() > MAX_ID_LEN {
        return Err(RecordError::BadId(format!(
            "longer than {MAX_ID_LEN} bytes"
        )));
    }
    if let Some(c) = id
        .chars()
        .find(|c| c.is_control() || matches!(c, '/' | '\\') || c.is_whitespace())
    {
        return Err(RecordError::BadId(format!("contains {c:?}")));
    }
    if id == "." || id == ".." {
        return Err(RecordError::BadId(format!("{id:?} is reserved")));
    }
    Ok(())
}

/// Removes `field` from `map`: a string (trimmed), `None` when absent or null. Numbers are
/// accepted as strings where `numbers_ok` (ids such as `12345`).
fn take_string(
    map: &mut Map<String, Value>,
    field: &'static str,
    numbers_ok: bool,
) -> Result<Option<String>, RecordError> {
    match map.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) if numbers_ok => Ok(Some(n.to_string())),
        Some(other) => Err(RecordError::WrongType {
            field,
            expected: "a string",
            found: json_kind(&other),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(v: Value) -> Record {
        Record::from_json(v, Some("t.jsonl:1"))
            .expect("valid record")
            .0
    }

    #[test]
    fn maps_corpus_fields_and_keeps_the_rest() {
        let r = record(json!({
            "id": "002b92d6eba737fc", "title": "上海市促进浦东新区运用区块链赋能电子单证应用若干规定",
            "body": "第一条 为了……", "department": "上海市人民代表大会常务委员会", "doc_number": null,
            "publish_date": "2024-12-31", "category": "地方性法规/上海", "level": "地方性法规",
            "header_lines": ["2024年12月31日 通过"], "expired": false, "region": "上海"
        }));
        assert_eq!(r.id, "002b92d6eba737fc");
        assert_eq!(r.year, Some(2024));
        assert_eq!(r.doc_type.as_deref(), Some("规定"));
        assert_eq!(r.validity, Some(Validity::Valid));
        assert_eq!(r.category.as_deref(), Some("地方性法规/上海"));
        assert_eq!(r.extra["level"], json!("地方性法规"));
        assert_eq!(r.extra["header_lines"], json!(["2024年12月31日 通过"]));
        assert_eq!(r.extra["expired"], json!(false));
        assert!(!r.extra.contains_key("doc_number"), "nulls are not kept");
    }

    #[test]
    fn year_comes_from_publish_date_else_from_the_year_field() {
        let r = record(json!({"id": "a", "title": "t", "body": "b", "year": 1985}));
        assert_eq!(r.year, Some(1985));
        let r = record(
            json!({"id": "a", "title": "t", "body": "b", "year": 1985, "publish_date": "1986-03-01"}),
        );
        assert_eq!(r.year, Some(1986));
    }

    #[test]
    fn expired_means_shixiao() {
        let r = record(json!({"id": "a", "title": "t", "expired": true}));
        assert_eq!(r.validity, Some(Validity::Expired));
        assert_eq!(serde_json::to_value(r.validity).unwrap(), json!("失效"));
    }

    #[test]
    fn bad_values_are_kept_with_a_warning() {
        let (r, warnings) = Record::from_json(
            json!({"id": "a", "title": "t", "publish_date": "某日", "year": "x"}),
            None,
        )
        .unwrap();
        assert_eq!(r.publish_date, None);
        assert_eq!(r.extra["publish_date"], json!("某日"));
        assert_eq!(r.extra["year"], json!("x"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn rejects_what_cannot_be_indexed() {
        assert_eq!(
            Record::from_json(json!([1]), None).unwrap_err(),
            RecordError::NotAnObject("an array")
        );
        assert_eq!(
            Record::from_json(json!({"id": "a", "title": " ", "body": ""}), None).unwrap_err(),
            RecordError::Empty
        );
        assert!(matches!(
            Record::from_json(json!({"id": "a", "title": 5}), None).unwrap_err(),
            RecordError::WrongType { field: "title", .. }
        ));
        assert_eq!(
            Record::from_json(json!({"title": "t"}), None).unwrap_err(),
            RecordError::NoId
        );
        assert!(matches!(
            Record::from_json(json!({"id": "../etc", "title": "t"}), None).unwrap_err(),
            RecordError::BadId(_)
        ));
    }

    #[test]
    fn ids_are_derived_from_url_then_path() {
        let a = record(json!({"title": "t", "source_url": "http://x/1.html"}));
        let b = record(json!({"title": "t2", "source_url": "http://x/1.html"}));
        assert_eq!(a.id, b.id);
        assert_eq!(a.id.len(), 16);
        let c = Record::from_json(json!({"title": "t"}), Some("dir/a.html"))
            .unwrap()
            .0;
        assert_ne!(c.id, a.id);
    }

    #[test]
    fn round_trips_through_json() {
        let r = record(
            json!({"id": "a", "title": "关于印发某办法的通知", "body": "正文",
            "publish_date": "2018-03-30", "written_date": "2018-02-23", "x": {"y": 1}}),
        );
        let back: Record = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        assert_eq!(r.doc_type.as_deref(), Some("通知"));
        assert_ne!(r.publish_date, r.written_date);
    }
}
