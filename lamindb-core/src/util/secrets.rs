//! Keeping secrets out of run params and stored source code, by the rules of Python LaminDB
//! (`lamindb/_secret_redaction.py`).

use std::sync::OnceLock;

use regex::{Captures, Regex};
use serde_json::Value;

/// The text stored in place of a secret.
pub const REDACTED: &str = "***REDACTED***";

/// Sensitive words; a key is sensitive when one of them is a whole `_`/`-`/`.`-separated part of
/// the key after camelCase is split and lower-cased (`OPENAI_API_KEY`, `clientSecret`,
/// `db.password`, but not `tokenizer` or `max_tokens`).
const SENSITIVE_WORDS: &[&str] = &[
    "api_key",
    "api-key",
    "apikey",
    "access_key",
    "access-key",
    "accesskey",
    "secret",
    "token",
    "password",
    "passwd",
    "private_key",
    "private-key",
    "privatekey",
    "client_secret",
    "client-secret",
    "clientsecret",
];

/// `camelCase`/`HTTPHeader` → `camel_case`/`http_header`, lower-cased.
fn normalize_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let mut out = String::with_capacity(key.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            // "aB" → "a_B"; "ABc" → "A_Bc".
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c);
    }
    out.to_lowercase()
}

fn is_separator(c: Option<char>) -> bool {
    matches!(c, None | Some('_' | '-' | '.'))
}

/// Whether values under `key` are secrets.
pub fn is_sensitive_key(key: &str) -> bool {
    let k = normalize_key(key);
    SENSITIVE_WORDS.iter().any(|w| {
        k.match_indices(w).any(|(i, _)| {
            is_separator(k[..i].chars().next_back())
                && is_separator(k[i + w.len()..].chars().next())
        })
    })
}

/// Whether `value` is a Postgres URL with an inline password.
pub fn is_sensitive_value(value: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^postgres(?:ql)?://[^:@/\s]+:[^@/\s]+@[^/\s]+(?:/\S*)?$")
            .expect("valid regex")
    })
    .is_match(value.trim())
}

/// `params` with the values of sensitive top-level keys, and string values that are Postgres
/// URLs with a password, replaced by [`REDACTED`].
pub fn redact_params(params: &Value) -> Value {
    match params {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let secret = is_sensitive_key(k) || v.as_str().is_some_and(is_sensitive_value);
                    let v = if secret {
                        Value::String(REDACTED.into())
                    } else {
                        v.clone()
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A quoted literal, with one alternative per quote character (no backreferences in `regex`).
const QUOTED: &str = r#"(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|`(?P<bq>[^`\n]*)`)"#;

fn source_patterns() -> &'static [Regex; 3] {
    static RES: OnceLock<[Regex; 3]> = OnceLock::new();
    RES.get_or_init(|| {
        let build = |prefix: &str| Regex::new(&format!("{prefix}{QUOTED}")).expect("valid regex");
        [
            // os.environ["KEY"] = "value"
            build(r#"(?P<prefix>os\.environ\[\s*["'](?P<key>[^"'\n]+)["']\s*\]\s*=\s*)"#),
            // key = "value", key: "value", key := "value"
            build(r"(?P<prefix>\b(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?::=|=|:)\s*)"),
            // {"client_secret": "value"}
            build(r#"(?P<prefix>["'](?P<key>[^"'\n]+)["']\s*:\s*)"#),
        ]
    })
}

/// Source text with quoted literals assigned to sensitive names (or holding Postgres URLs with a
/// password) replaced by [`REDACTED`], and how many were replaced.
pub fn redact_source(source: &str) -> (String, usize) {
    let mut text = source.to_owned();
    let mut count = 0;
    for re in source_patterns() {
        text = re
            .replace_all(&text, |c: &Captures<'_>| {
                let (quote, value) = if let Some(v) = c.name("dq") {
                    ('"', v.as_str())
                } else if let Some(v) = c.name("sq") {
                    ('\'', v.as_str())
                } else {
                    ('`', c.name("bq").map(|m| m.as_str()).unwrap_or_default())
                };
                if is_sensitive_key(&c["key"]) || is_sensitive_value(value) {
                    count += 1;
                    format!("{}{quote}{REDACTED}{quote}", &c["prefix"])
                } else {
                    c[0].to_owned()
                }
            })
            .into_owned();
    }
    (text, count)
}

/// Source text as it is stored: secret-looking literals redacted.
pub fn store_source(source: &str) -> String {
    let (text, n) = redact_source(source);
    if n > 0 {
        tracing::warn!(
            "redacted {n} secret-looking assignment(s) before persisting transform source code"
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_python_lamindb() {
        for k in [
            "api_key",
            "OPENAI_API_KEY",
            "apikey",
            "APIKey",
            "apiKey",
            "access_token",
            "TOKEN",
            "hf_token",
            "db.password",
            "clientSecret",
            "my-secret",
            "private_key",
            "aws_secret_access_key",
            "Password",
        ] {
            assert!(is_sensitive_key(k), "{k} should be sensitive");
        }
        for k in [
            "tokenizer",
            "max_tokens",
            "passwords",
            "secretary",
            "pwd",
            "auth",
            "credentials",
            "n_epochs",
        ] {
            assert!(!is_sensitive_key(k), "{k} should not be sensitive");
        }
    }

    #[test]
    fn params_are_redacted_at_the_top_level_only() {
        let p = serde_json::json!({
            "n": 3,
            "API_KEY": {"nested": true},
            "db": {"password": "kept: only top-level keys are checked"},
            "url": "postgresql://me:pw@db.example.org:5432/x",
            "plain_url": "postgresql://me@db.example.org/x",
            "max_tokens": 10
        });
        let r = redact_params(&p);
        assert_eq!(r["n"], 3);
        assert_eq!(r["API_KEY"], REDACTED);
        assert_eq!(r["db"]["password"], p["db"]["password"]);
        assert_eq!(r["url"], REDACTED);
        assert_eq!(r["plain_url"], p["plain_url"]);
        assert_eq!(r["max_tokens"], 10);
    }

    #[test]
    fn source_literals_are_redacted() {
        let src = "API_KEY = \"sk-123\"\nname = 'kept'\nos.environ[\"HF_TOKEN\"] = 'hf_abc'\ncfg = {\"client_secret\": `zz`}\nkey = os.getenv(\"X\")\n";
        let (out, n) = redact_source(src);
        assert_eq!(n, 3, "{out}");
        assert!(out.contains("API_KEY = \"***REDACTED***\""));
        assert!(out.contains("name = 'kept'"));
        assert!(out.contains("os.environ[\"HF_TOKEN\"] = '***REDACTED***'"));
        assert!(out.contains("\"client_secret\": `***REDACTED***`"));
        assert!(out.contains("key = os.getenv(\"X\")"));
        assert!(!out.contains("sk-123") && !out.contains("hf_abc"));
    }
}
