//! CJK n-gram tokens (being written).
