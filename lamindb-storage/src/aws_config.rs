//! The default AWS profile from `~/.aws/credentials` and `~/.aws/config` (or the files named by
//! `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE`), for the profile `AWS_PROFILE` (default
//! `default`). Environment variables take precedence; the S3 provider only asks for this when
//! they are missing.

use std::collections::HashMap;
use std::path::PathBuf;

/// What the profile holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AwsProfile {
    /// Access key id, secret access key and session token.
    pub credentials: Option<(String, String, Option<String>)>,
    /// Region.
    pub region: Option<String>,
}

/// `[section]` → key → value of an INI file.
fn parse_ini(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_owned();
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            out.entry(section.clone())
                .or_default()
                .insert(k.trim().to_lowercase(), v.trim().to_owned());
        }
    }
    out
}

fn aws_file(env: &str, name: &str) -> Option<PathBuf> {
    match std::env::var_os(env) {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".aws").join(name)),
    }
}

/// Reads the current profile; missing files give an empty profile.
pub fn profile() -> AwsProfile {
    let name = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
    let read = |env: &str, file: &str| {
        aws_file(env, file)
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|t| parse_ini(&t))
            .unwrap_or_default()
    };
    let creds = read("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    let config = read("AWS_CONFIG_FILE", "config");
    let config_section = if name == "default" {
        config.get("default")
    } else {
        config.get(&format!("profile {name}"))
    };
    let from = |m: Option<&HashMap<String, String>>| {
        let m = m?;
        Some((
            m.get("aws_access_key_id")?.clone(),
            m.get("aws_secret_access_key")?.clone(),
            m.get("aws_session_token").cloned(),
        ))
    };
    AwsProfile {
        credentials: from(creds.get(&name)).or_else(|| from(config_section)),
        region: config_section.and_then(|m| m.get("region").cloned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_and_keys() {
        let ini = parse_ini("[default]\naws_access_key_id = AK\nAWS_SECRET_ACCESS_KEY=SK\n# c\n[profile dev]\nregion = eu-west-1\n");
        assert_eq!(ini["default"]["aws_access_key_id"], "AK");
        assert_eq!(ini["default"]["aws_secret_access_key"], "SK");
        assert_eq!(ini["profile dev"]["region"], "eu-west-1");
    }
}
