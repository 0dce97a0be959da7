//! 文种 derived from titles. (Placeholder: being completed.)

/// The document type a title names, e.g. `…的通知` → 通知 (placeholder).
pub fn from_title(title: &str) -> Option<&'static str> {
    ["通知", "公告", "意见", "办法", "条例", "规定", "决定", "报告", "批复", "解释"]
        .into_iter()
        .find(|t| title.trim_end().ends_with(t))
}
