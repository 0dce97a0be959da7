//! Charset detection and decoding (being written).
