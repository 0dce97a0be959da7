//! Jieba word tokens (being written).
