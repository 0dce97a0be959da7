//! The configuration file: one typed struct, unknown keys are an error.
//!
//! Precedence: built-in defaults < file (`--config`) < environment < command-line flags. The
//! commented example is `gongkai.example.toml` at the top of the repository.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// Everything the file can set.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Text analysis.
    #[serde(default)]
    pub analysis: Analysis,
}

/// `[analysis]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Analysis {
    /// Extra jieba dictionary, relative to the configuration file's folder.
    pub user_dict: Option<PathBuf>,
}

impl Config {
    /// Reads `path`, or the defaults when none is given.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading configuration {}", path.display()))?;
        let mut config: Config = toml::from_str(&text)
            .with_context(|| format!("in configuration {}", path.display()))?;
        if let (Some(dict), Some(folder)) = (&config.analysis.user_dict, path.parent()) {
            if dict.is_relative() {
                config.analysis.user_dict = Some(folder.join(dict));
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_parses_and_unknown_keys_are_refused() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../gongkai.example.toml");
        Config::load(Some(Path::new(example))).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[analysis]\nuser_dictionary = \"x\"\n").unwrap();
        let err = format!("{:#}", Config::load(Some(&bad)).unwrap_err());
        assert!(
            err.contains("user_dictionary") && err.contains("bad.toml"),
            "{err}"
        );
        let good = dir.path().join("good.toml");
        std::fs::write(&good, "[analysis]\nuser_dict = \"terms.txt\"\n").unwrap();
        assert_eq!(
            Config::load(Some(&good)).unwrap().analysis.user_dict,
            Some(dir.path().join("terms.txt"))
        );
    }
}
