//! 文号 and 令号. (Placeholder: being completed.)
use serde::{Deserialize, Serialize};

/// Which pattern a document number follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocNumberKind {
    /// 机关代字〔年份〕序号号, e.g. 德府办发〔2017〕107号.
    Wenhao,
    /// …令第N号, e.g. 中华人民共和国国务院令第400号.
    Linghao,
    /// Anything else that was given as a document number.
    Other,
}

/// A parsed document number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocNumber {
    /// As written.
    pub raw: String,
    /// The keyword form every variant of the same number shares.
    pub normalized: String,
    /// 机关代字 (德府办发) or the issuing organ of a 令 (国务院令).
    pub issuer: Option<String>,
    /// Year in the brackets.
    pub year: Option<u32>,
    /// Serial number.
    pub serial: Option<u32>,
    /// Pattern.
    pub kind: DocNumberKind,
}

impl DocNumber {
    /// Parses one document number (placeholder).
    pub fn parse(text: &str) -> Option<DocNumber> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        Some(DocNumber {
            raw: t.to_string(),
            normalized: normalize(t),
            issuer: None,
            year: None,
            serial: None,
            kind: DocNumberKind::Other,
        })
    }
}

/// The keyword form of a document number (placeholder).
pub fn normalize(text: &str) -> String {
    gongkai_analysis::normalize(text).replace("中华人民共和国", "").split_whitespace().collect()
}

/// Document numbers cited in a text, as written, in order of first appearance (placeholder).
pub fn find_in_text(_text: &str) -> Vec<String> {
    Vec::new()
}
