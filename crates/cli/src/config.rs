//! The configuration file: one typed struct, unknown keys are an error.
//!
//! Precedence: built-in defaults < file (`--config`) < environment < command-line flags. Clap
//! reads each flag and its `GONGKAI_*` variable with no default of its own (flag over
//! environment), the result is laid over the file's value ([`ServerSection::or`]), and only
//! what is still unset takes the default ([`ServerSection::resolve`]). The commented example
//! is `gongkai.example.toml` at the top of the repository.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use gongkai_server::ServerConfig;
use serde::Deserialize;

/// Where `gongkai serve` finds documents to index when the data directory has none.
pub const DEFAULT_SAMPLE: &str = "index-data/sample";

/// Everything the file can set.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Text analysis.
    #[serde(default)]
    pub analysis: Analysis,
    /// The HTTP server (`gongkai serve`).
    #[serde(default)]
    pub server: ServerSection,
}

/// `[analysis]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Analysis {
    /// Extra jieba dictionary, relative to the configuration file's folder.
    pub user_dict: Option<PathBuf>,
}

/// `[server]`, and equally the flags and environment of `gongkai serve`: every value
/// optional, so that layers can be stacked before the defaults fill the rest.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Address to listen on, `IP:PORT`.
    pub listen: Option<SocketAddr>,
    /// Index jobs running at once.
    pub max_concurrent_searches: Option<usize>,
    /// Per-request deadline, milliseconds.
    pub request_deadline_ms: Option<u64>,
    /// Largest search request body, bytes.
    pub max_body_bytes: Option<u64>,
    /// Largest write request body (`POST /api/v1/documents`), bytes.
    pub max_write_bytes: Option<u64>,
    /// Origins allowed by CORS; empty or `["*"]`: any origin.
    pub cors_origins: Option<Vec<String>>,
    /// Open connections at most.
    pub max_connections: Option<usize>,
    /// Time allowed for a request's headers, milliseconds.
    pub header_read_timeout_ms: Option<u64>,
    /// Requests per second per client IP; 0: unlimited.
    pub rate_limit_per_ip: Option<u32>,
    /// Burst per client IP (default: twice the rate).
    pub rate_limit_burst_per_ip: Option<u32>,
    /// Write/admin requests per second per API key; 0: unlimited.
    pub rate_limit_per_key: Option<u32>,
    /// Burst per API key (default: twice the rate).
    pub rate_limit_burst_per_key: Option<u32>,
    /// Proxies whose `X-Forwarded-For` is believed (IP addresses).
    pub trusted_proxies: Option<Vec<String>>,
    /// Longest query, in characters.
    pub max_query_chars: Option<usize>,
    /// Most words and phrases in a query.
    pub max_query_terms: Option<usize>,
    /// Deepest hit reachable by paging (page × size).
    pub max_result_window: Option<usize>,
    /// Most values one facet returns.
    pub max_facet_values: Option<usize>,
    /// An aliases file on top of the built-in one (relative to the file's folder).
    pub aliases: Option<PathBuf>,
    /// Documents to index when the data directory has none (relative to the file's folder).
    pub sample: Option<PathBuf>,
}

/// What `gongkai serve` runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeSettings {
    /// The server's configuration.
    pub server: ServerConfig,
    /// Documents to index first when the index is empty.
    pub sample: PathBuf,
}

impl ServerSection {
    /// Each value of `self`, else that of `lower`.
    pub fn or(self, lower: ServerSection) -> ServerSection {
        ServerSection {
            listen: self.listen.or(lower.listen),
            max_concurrent_searches: self
                .max_concurrent_searches
                .or(lower.max_concurrent_searches),
            request_deadline_ms: self.request_deadline_ms.or(lower.request_deadline_ms),
            max_body_bytes: self.max_body_bytes.or(lower.max_body_bytes),
            max_write_bytes: self.max_write_bytes.or(lower.max_write_bytes),
            cors_origins: self.cors_origins.or(lower.cors_origins),
            max_connections: self.max_connections.or(lower.max_connections),
            header_read_timeout_ms: self.header_read_timeout_ms.or(lower.header_read_timeout_ms),
            rate_limit_per_ip: self.rate_limit_per_ip.or(lower.rate_limit_per_ip),
            rate_limit_burst_per_ip: self
                .rate_limit_burst_per_ip
                .or(lower.rate_limit_burst_per_ip),
            rate_limit_per_key: self.rate_limit_per_key.or(lower.rate_limit_per_key),
            rate_limit_burst_per_key: self
                .rate_limit_burst_per_key
                .or(lower.rate_limit_burst_per_key),
            trusted_proxies: self.trusted_proxies.or(lower.trusted_proxies),
            max_query_chars: self.max_query_chars.or(lower.max_query_chars),
            max_query_terms: self.max_query_terms.or(lower.max_query_terms),
            max_result_window: self.max_result_window.or(lower.max_result_window),
            max_facet_values: self.max_facet_values.or(lower.max_facet_values),
            aliases: self.aliases.or(lower.aliases),
            sample: self.sample.or(lower.sample),
        }
    }

    /// The settings: the values given, defaults for the rest. Checks them.
    pub fn resolve(self) -> Result<ServeSettings> {
        let defaults = ServerConfig::default();
        let positive = |name: &str, value: Option<u64>| -> Result<Option<u64>> {
            match value {
                Some(0) => bail!("{name} must be at least 1"),
                other => Ok(other),
            }
        };
        let max_concurrent_searches = positive(
            "max_concurrent_searches",
            self.max_concurrent_searches.map(|n| n as u64),
        )?
        .map_or(defaults.max_concurrent_searches, |n| n as usize);
        let request_deadline = positive("request_deadline_ms", self.request_deadline_ms)?
            .map_or(defaults.request_deadline, Duration::from_millis);
        let max_body_bytes =
            positive("max_body_bytes", self.max_body_bytes)?.unwrap_or(defaults.max_body_bytes);
        let max_write_bytes =
            positive("max_write_bytes", self.max_write_bytes)?.unwrap_or(defaults.max_write_bytes);
        let mut cors_origins = Vec::new();
        for origin in self.cors_origins.unwrap_or_default() {
            let origin = origin.trim();
            if origin.is_empty() || origin == "*" {
                continue;
            }
            cors_origins.push(
                gongkai_server::parse_origin(origin)
                    .map_err(anyhow::Error::msg)
                    .context("cors_origins")?,
            );
        }
        let max_connections = positive("max_connections", self.max_connections.map(|n| n as u64))?
            .map_or(defaults.max_connections, |n| n as usize);
        let header_read_timeout = positive("header_read_timeout_ms", self.header_read_timeout_ms)?
            .map_or(defaults.header_read_timeout, Duration::from_millis);
        let rate = |per_second: Option<u32>,
                    burst: Option<u32>,
                    default: Option<gongkai_server::limits::Rate>| {
            match per_second {
                None => default,
                Some(0) => None,
                Some(per_second) => Some(gongkai_server::limits::Rate {
                    per_second,
                    burst: burst
                        .unwrap_or(per_second.saturating_mul(2))
                        .max(per_second),
                }),
            }
        };
        let rate_limit_per_ip = rate(
            self.rate_limit_per_ip,
            self.rate_limit_burst_per_ip,
            defaults.rate_limit_per_ip,
        );
        let rate_limit_per_key = rate(
            self.rate_limit_per_key,
            self.rate_limit_burst_per_key,
            defaults.rate_limit_per_key,
        );
        let mut trusted_proxies = Vec::new();
        for proxy in self.trusted_proxies.unwrap_or_default() {
            let proxy = proxy.trim();
            if proxy.is_empty() {
                continue;
            }
            trusted_proxies.push(
                proxy.parse().map_err(|_| {
                    anyhow::anyhow!("trusted_proxies: {proxy:?} is not an IP address")
                })?,
            );
        }
        let limit = |name: &str, value: Option<usize>, default: usize| -> Result<usize> {
            Ok(positive(name, value.map(|n| n as u64))?.map_or(default, |n| n as usize))
        };
        let limits = gongkai_search::Limits {
            query_chars: limit(
                "max_query_chars",
                self.max_query_chars,
                defaults.limits.query_chars,
            )?,
            query_terms: limit(
                "max_query_terms",
                self.max_query_terms,
                defaults.limits.query_terms,
            )?,
            result_window: limit(
                "max_result_window",
                self.max_result_window,
                defaults.limits.result_window,
            )?,
            facet_values: limit(
                "max_facet_values",
                self.max_facet_values,
                defaults.limits.facet_values,
            )?,
        };
        Ok(ServeSettings {
            server: ServerConfig {
                listen: self.listen.unwrap_or(defaults.listen),
                max_concurrent_searches,
                request_deadline,
                max_body_bytes,
                max_write_bytes,
                cors_origins,
                max_connections,
                header_read_timeout,
                rate_limit_per_ip,
                rate_limit_per_key,
                trusted_proxies,
                limits,
                aliases_file: self.aliases,
            },
            sample: self.sample.unwrap_or_else(|| PathBuf::from(DEFAULT_SAMPLE)),
        })
    }
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
        if let Some(folder) = path.parent() {
            for relative in [
                &mut config.analysis.user_dict,
                &mut config.server.sample,
                &mut config.server.aliases,
            ]
            .into_iter()
            .flatten()
            {
                if relative.is_relative() {
                    *relative = folder.join(&*relative);
                }
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
        // Every key it shows commented out is a real key with a valid value.
        let text = std::fs::read_to_string(example).unwrap();
        let uncommented: String = text
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.split_once(" = ").is_some_and(|(k, _)| {
                        k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    }) =>
                {
                    rest
                }
                _ => line,
            })
            .fold(String::new(), |acc, line| acc + line + "\n");
        let config: Config = toml::from_str(&uncommented).unwrap();
        assert!(config.analysis.user_dict.is_some());
        let server = config.server.clone();
        assert!(server.listen.is_some() && server.sample.is_some());
        assert!(server.cors_origins.is_some() && server.max_body_bytes.is_some());
        let settings = config.server.resolve().unwrap();
        let defaults = ServerConfig::default();
        assert_eq!(settings.server.listen, defaults.listen);
        assert_eq!(settings.server.request_deadline, defaults.request_deadline);
        assert_eq!(settings.server.max_body_bytes, defaults.max_body_bytes);
        assert!(server.max_query_chars.is_some() && server.max_facet_values.is_some());
        assert_eq!(settings.server.limits, defaults.limits);

        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[analysis]\nuser_dictionary = \"x\"\n").unwrap();
        let err = format!("{:#}", Config::load(Some(&bad)).unwrap_err());
        assert!(
            err.contains("user_dictionary") && err.contains("bad.toml"),
            "{err}"
        );
        std::fs::write(&bad, "[server]\nlisten = \"127.0.0.1:1\"\nport = 80\n").unwrap();
        let err = format!("{:#}", Config::load(Some(&bad)).unwrap_err());
        assert!(err.contains("port") && err.contains("bad.toml"), "{err}");
        std::fs::write(&bad, "[server]\nlisten = \"localhost\"\n").unwrap();
        let err = format!("{:#}", Config::load(Some(&bad)).unwrap_err());
        assert!(err.contains("listen") && err.contains("bad.toml"), "{err}");

        let good = dir.path().join("good.toml");
        std::fs::write(
            &good,
            "[analysis]\nuser_dict = \"terms.txt\"\n[server]\nsample = \"docs\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&good)).unwrap();
        assert_eq!(
            config.analysis.user_dict,
            Some(dir.path().join("terms.txt"))
        );
        assert_eq!(config.server.sample, Some(dir.path().join("docs")));
    }

    #[test]
    fn layers_stack_and_defaults_fill_the_rest() {
        let file = ServerSection {
            listen: Some("0.0.0.0:9000".parse().unwrap()),
            max_concurrent_searches: Some(3),
            cors_origins: Some(vec!["https://a.example".into()]),
            ..ServerSection::default()
        };
        let upper = ServerSection {
            max_concurrent_searches: Some(7),
            ..ServerSection::default()
        };
        let settings = upper.or(file).resolve().unwrap();
        assert_eq!(settings.server.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(settings.server.max_concurrent_searches, 7);
        assert_eq!(settings.server.cors_origins, vec!["https://a.example"]);
        assert_eq!(settings.server.max_body_bytes, 1 << 20);
        assert_eq!(settings.sample, PathBuf::from(DEFAULT_SAMPLE));

        let any = ServerSection {
            cors_origins: Some(vec!["*".into()]),
            ..ServerSection::default()
        };
        assert!(any.resolve().unwrap().server.cors_origins.is_empty());
        for bad in [
            ServerSection {
                max_concurrent_searches: Some(0),
                ..ServerSection::default()
            },
            ServerSection {
                request_deadline_ms: Some(0),
                ..ServerSection::default()
            },
            ServerSection {
                cors_origins: Some(vec!["portal.example".into()]),
                ..ServerSection::default()
            },
        ] {
            assert!(bad.resolve().is_err());
        }
    }
}
