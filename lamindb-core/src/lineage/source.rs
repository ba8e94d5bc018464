//! The source files a transform is saved from (`lamin save script.py`): which suffixes are
//! transforms, the uid a script pins with `ln.track("…")`, and a notebook's code as Python
//! LaminDB stores it (py:percent text, title, whether its cells ran in order).

use std::path::Path;

use regex::Regex;
use serde_json::Value;

use crate::records::runs::TransformKind;
use crate::{Error, Result};

/// The kind of transform a file with this suffix is, `None` for files that are artifacts:
/// `.py`, `.R`, `.sh` scripts; `.ipynb`, `.qmd`, `.Rmd` notebooks (as Python LaminDB).
pub fn transform_kind(path: &Path) -> Option<TransformKind> {
    match path.extension()?.to_str()? {
        "py" | "R" | "sh" => Some(TransformKind::Script),
        "ipynb" | "qmd" | "Rmd" => Some(TransformKind::Notebook),
        _ => None,
    }
}

/// The transform uid a source pins: the first `ln.track("<12–16 alphanumerics>")` (also
/// `track(transform="…")`; R: `track("…")`), as Python LaminDB's `lamin save` reads it. Shell
/// scripts pin none.
pub fn uid_in_source(text: &str, suffix: &str) -> Option<String> {
    // In a notebook's JSON the quotes of the code are escaped.
    let pattern = match suffix {
        "py" => r#"ln\.track\(\s*(?:transform\s*=\s*)?["']([a-zA-Z0-9]{12,16})["']"#,
        "ipynb" => r#"ln\.track\(\s*(?:transform\s*=\s*)?(?:\\"|')([a-zA-Z0-9]{12,16})(?:\\"|')"#,
        "R" | "qmd" | "Rmd" => r#"track\(\s*(?:transform\s*=\s*)?["']([a-zA-Z0-9]{12,16})["']"#,
        _ => return None,
    };
    let re = Regex::new(pattern).expect("valid pattern");
    re.captures(text).map(|c| c[1].to_owned())
}

/// A Jupyter notebook as a transform stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notebook {
    /// The cells as py:percent text (`# %%` code cells, `# %% [markdown]` cells commented).
    pub source: String,
    /// The first level-1 Markdown heading, the transform's description.
    pub title: Option<String>,
    /// Pairs of execution counts of neighbouring code cells that did not run one after the
    /// other (`(1, 3)`: the cell after the one run first ran third); empty when in order.
    pub out_of_order: Vec<(i64, i64)>,
}

fn cell_text(cell: &Value) -> String {
    match cell.get("source") {
        Some(Value::Array(lines)) => lines.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

impl Notebook {
    /// Reads the notebook at `path`.
    pub fn read(path: &Path) -> Result<Notebook> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| Error::Format {
            path: path.to_path_buf(),
            format: "Jupyter notebook",
            message: e.to_string(),
        })?;
        let cells = doc
            .get("cells")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::Format {
                path: path.to_path_buf(),
                format: "Jupyter notebook",
                message: "no cells".into(),
            })?;
        let mut parts = Vec::new();
        let mut title = None;
        let mut counts = Vec::new();
        for cell in cells {
            let text = cell_text(cell);
            match cell.get("cell_type").and_then(Value::as_str) {
                Some("code") => {
                    parts.push(format!("# %%\n{}", text.trim_end()));
                    if let Some(n) = cell.get("execution_count").and_then(Value::as_i64) {
                        counts.push(n);
                    }
                }
                Some("markdown") => {
                    if title.is_none() {
                        title = text
                            .lines()
                            .find_map(|l| l.strip_prefix("# "))
                            .map(|t| t.trim().to_owned());
                    }
                    let commented: Vec<String> = text
                        .trim_end()
                        .lines()
                        .map(|l| {
                            if l.is_empty() {
                                "#".into()
                            } else {
                                format!("# {l}")
                            }
                        })
                        .collect();
                    parts.push(format!("# %% [markdown]\n{}", commented.join("\n")));
                }
                _ => {}
            }
        }
        let out_of_order = counts
            .windows(2)
            .filter(|w| w[1] != w[0] + 1)
            .map(|w| (w[0], w[1]))
            .collect();
        Ok(Notebook {
            source: parts.join("\n\n") + "\n",
            title,
            out_of_order,
        })
    }
}

/// A Jupyter notebook (nbformat 4, no outputs) rebuilt from [`Notebook::source`]'s py:percent
/// text: `# %%` cells as code, `# %% [markdown]` cells uncommented.
pub fn notebook_from_py_percent(source: &str) -> Value {
    let mut cells = Vec::new();
    for chunk in source.split("# %%").skip(1) {
        let (header, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
        let body = body.trim_end_matches('\n');
        let lines = |text: String| -> Vec<Value> {
            let parts: Vec<&str> = text.split_inclusive('\n').collect();
            parts
                .into_iter()
                .map(|l| Value::String(l.to_owned()))
                .collect()
        };
        if header.trim() == "[markdown]" {
            let text: Vec<String> = body
                .lines()
                .map(|l| {
                    l.strip_prefix("# ")
                        .or_else(|| l.strip_prefix('#'))
                        .unwrap_or(l)
                        .to_owned()
                })
                .collect();
            cells.push(serde_json::json!({
                "cell_type": "markdown", "metadata": {}, "source": lines(text.join("\n"))
            }));
        } else {
            cells.push(serde_json::json!({
                "cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],
                "source": lines(body.to_owned())
            }));
        }
    }
    serde_json::json!({ "cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_read_as_python_reads_them() {
        assert_eq!(
            uid_in_source("import lamindb as ln\nln.track('s4bgVoaLOBjx')\n", "py"),
            Some("s4bgVoaLOBjx".into())
        );
        assert_eq!(
            uid_in_source("ln.track(transform=\"JjRF4mACd9m00000\")", "py"),
            Some("JjRF4mACd9m00000".into())
        );
        // Too short, or a keyword Python does not accept.
        assert_eq!(uid_in_source("ln.track('abc')", "py"), None);
        assert_eq!(uid_in_source("ln.track(uid='s4bgVoaLOBjx')", "py"), None);
        assert_eq!(
            uid_in_source(r#""ln.track(\"hlsFXswrJjtt\")\n""#, "ipynb"),
            Some("hlsFXswrJjtt".into())
        );
        assert_eq!(
            uid_in_source("track(\"EPnfDtJz8qbE0000\")", "R"),
            Some("EPnfDtJz8qbE0000".into())
        );
        assert_eq!(uid_in_source("ln.track('s4bgVoaLOBjx')", "sh"), None);
    }

    #[test]
    fn notebooks_become_py_percent_with_title_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nb.ipynb");
        let nb = serde_json::json!({
            "cells": [
                {"cell_type": "markdown", "source": ["# My notebook\n", "\n", "text"]},
                {"cell_type": "code", "execution_count": 1, "source": ["import lamindb as ln"]},
                {"cell_type": "code", "execution_count": 3, "source": "x = 1\n"},
                {"cell_type": "code", "execution_count": 2, "source": []},
            ],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5
        });
        std::fs::write(&path, nb.to_string()).unwrap();
        let n = Notebook::read(&path).unwrap();
        assert_eq!(n.title.as_deref(), Some("My notebook"));
        assert_eq!(n.out_of_order, [(1, 3), (3, 2)]);
        assert_eq!(
            n.source,
            "# %% [markdown]\n# # My notebook\n#\n# text\n\n# %%\nimport lamindb as ln\n\n# %%\nx = 1\n\n# %%\n\n"
        );
        // Back to a notebook: the same cells, in order.
        let back = notebook_from_py_percent(&n.source);
        std::fs::write(&path, back.to_string()).unwrap();
        let again = Notebook::read(&path).unwrap();
        assert_eq!(again.source, n.source);
        assert_eq!(again.title, n.title);
        std::fs::write(&path, "not json").unwrap();
        assert!(Notebook::read(&path).is_err());
    }
}
