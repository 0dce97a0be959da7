//! HTML and text pages (being written).
