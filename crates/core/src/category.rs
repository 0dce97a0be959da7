//! Category paths such as `地方性法规/山东`.

/// The non-empty segments of a category path, trimmed. `"地方性法规/山东"` → `["地方性法规", "山东"]`.
pub fn segments(path: &str) -> Vec<&str> {
    path.split(['/', '／', '\\'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The canonical spelling of a path: segments joined by `/`, or `None` when it has none.
pub fn canonical(path: &str) -> Option<String> {
    let parts = segments(path);
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_paths() {
        assert_eq!(
            canonical(" 地方性法规 / 山东 ").as_deref(),
            Some("地方性法规/山东")
        );
        assert_eq!(
            canonical("部门规章／公安部/").as_deref(),
            Some("部门规章/公安部")
        );
        assert_eq!(canonical(" / "), None);
        assert_eq!(segments("a/b/c"), vec!["a", "b", "c"]);
    }
}
