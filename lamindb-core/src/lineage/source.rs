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
    /// The cells as Python LaminDB stores them: jupytext's py:percent text (`# %%` code cells
    /// with Jupyter magics commented, `# %% [markdown]` cells commented, PEP 8 blank lines
    /// between cells), the title heading replaced by `#`.
    pub source: String,
    /// The first level-1 Markdown heading, the transform's description.
    pub title: Option<String>,
    /// Pairs of execution counts of neighbouring code cells that did not run one after the
    /// other (`(1, 3)`: the cell after the one run first ran third); empty when in order.
    pub out_of_order: Vec<(i64, i64)>,
}

/// The notebook at `path` as JSON; a file that is no JSON is a `Format` error naming it.
fn read_notebook_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Format {
        path: path.to_path_buf(),
        format: "Jupyter notebook",
        message: e.to_string(),
    })
}

fn cell_text(cell: &Value) -> String {
    match cell.get("source") {
        Some(Value::Array(lines)) => lines.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// jupytext's `StringParser` for Python: whether the next line starts inside a string.
#[derive(Default)]
struct StringParser {
    single: Option<char>,
    triple: Option<char>,
}

impl StringParser {
    fn is_quoted(&self) -> bool {
        self.single.is_some() || self.triple.is_some()
    }

    fn read_line(&mut self, line: &str) {
        if !self.is_quoted() && line.trim_start().starts_with('#') {
            return;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut triple_start: isize = -1;
        for (i, &c) in chars.iter().enumerate() {
            if self.single.is_none() && self.triple.is_none() && c == '#' {
                break;
            }
            if c != '"' && c != '\'' {
                continue;
            }
            if i > 0 && chars[i - 1] == '\\' {
                continue;
            }
            if self.single == Some(c) {
                self.single = None;
                continue;
            }
            if self.single.is_some() {
                continue;
            }
            let is_triple = i >= 2 && chars[i - 2] == c && chars[i - 1] == c;
            if is_triple && i as isize >= triple_start + 3 {
                if self.triple == Some(c) {
                    self.triple = None;
                    triple_start = i as isize;
                    continue;
                }
                if self.triple.is_some() {
                    continue;
                }
                self.triple = Some(c);
                triple_start = i as isize;
                continue;
            }
            if self.triple.is_some() {
                continue;
            }
            self.single = Some(c);
        }
        self.single = None;
    }
}

fn starts_def(line: &str) -> bool {
    line.starts_with("def ") || line.starts_with("async ") || line.starts_with("class ")
}

/// jupytext's PEP 8 rules for the blank lines after a cell (`pep8.py`): two around functions
/// and classes, else one; `next` is the text of every cell after it.
fn lines_between_cells(prev: &[String], next: &[String]) -> usize {
    if next.is_empty() {
        return 1;
    }
    if prev.is_empty() {
        return 0;
    }
    let ends_with_def = {
        let mut parser = StringParser::default();
        let mut unquoted = Vec::new();
        for l in prev {
            if !parser.is_quoted() {
                unquoted.push(l.as_str());
            }
            parser.read_line(l);
        }
        let rev: Vec<&str> = unquoted.into_iter().rev().collect();
        let mut result = false;
        for (i, l) in rev.iter().enumerate() {
            if l.trim().is_empty() {
                if i > 0 && rev[i - 1].trim().is_empty() {
                    break;
                }
                continue;
            }
            if l.starts_with(['#', ' ', ')']) {
                continue;
            }
            result = starts_def(l);
            break;
        }
        result
    };
    let has_code = |lines: &[String]| {
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim();
            if t.starts_with('#') {
                continue;
            }
            if t.is_empty() {
                if i > 0 && lines[i - 1].trim().is_empty() {
                    return false;
                }
                continue;
            }
            return true;
        }
        false
    };
    if ends_with_def {
        return if has_code(next) { 2 } else { 1 };
    }
    let ends_with_code = prev
        .last()
        .is_some_and(|l| !l.trim().is_empty() && !l.starts_with('#'));
    let next_is_def = {
        let mut parser = StringParser::default();
        let mut result = false;
        for (i, l) in next.iter().enumerate() {
            if parser.is_quoted() {
                parser.read_line(l);
                continue;
            }
            parser.read_line(l);
            if l.trim().is_empty() {
                if i > 0 && next[i - 1].trim().is_empty() {
                    break;
                }
                continue;
            }
            if starts_def(l) {
                result = true;
                break;
            }
            if l.starts_with(['#', '@', ' ', ')']) {
                continue;
            }
            break;
        }
        result
    };
    if ends_with_code && next_is_def {
        2
    } else {
        1
    }
}

/// Whether a code line is a Jupyter magic jupytext comments out (`%magic`, `!cmd`, `x?`,
/// `x = !cmd`, shell commands such as `ls`).
fn is_magic(line: &str) -> bool {
    static RES: std::sync::OnceLock<[Regex; 5]> = std::sync::OnceLock::new();
    RES.get_or_init(|| {
        [
            r"^\s*(# |#)*(%|%%|%%%)[a-zA-Z]",
            r"^\s*(?:(?:# |#)+\s*)?(\?|!)\s*[A-Za-z\.\~\$\\/\{\}]",
            r"^(# |#)*\s*([a-zA-Z_][a-zA-Z_$0-9]*)\s*=\s*(%|%%|%%%|!)[a-zA-Z](.*)",
            r"^\s*(# )*[^\s]*\?\s*$",
            r"^(# |#)*(cat|cd|cp|mv|rm|rmdir|mkdir|copy|ddir|echo|ls|ldir|ren)($|\s$|\s[^=,])",
        ]
        .map(|p| Regex::new(p).expect("valid pattern"))
    })
    .iter()
    .any(|re| re.is_match(line))
}

/// A code cell's lines with its magics commented (jupytext's `comment_magic`).
fn comment_magics(lines: &mut [String]) {
    let mut parser = StringParser::default();
    let mut continuation = false;
    for line in lines.iter_mut() {
        if !parser.is_quoted() && (continuation || is_magic(line)) {
            let text = line.clone();
            let (indent, rest) = if continuation {
                ("", text.as_str())
            } else {
                let rest = text.trim_start();
                (&text[..text.len() - rest.len()], rest)
            };
            *line = format!("{indent}# {rest}");
            continuation = text.trim_end().ends_with('\\');
        }
        parser.read_line(&line.clone());
    }
}

/// A cell's source as jupytext splits it: a trailing newline leaves an empty last line.
fn source_lines(text: &str) -> Vec<String> {
    if text.is_empty() {
        return vec![String::new()];
    }
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if text.ends_with('\n') {
        lines.push(String::new());
    }
    lines
}

impl Notebook {
    /// Reads the notebook at `path`.
    pub fn read(path: &Path) -> Result<Notebook> {
        let doc = read_notebook_json(path)?;
        let cells = doc
            .get("cells")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::Format {
                path: path.to_path_buf(),
                format: "Jupyter notebook",
                message: "no cells".into(),
            })?;
        let mut texts: Vec<Vec<String>> = Vec::new();
        let mut title = None;
        let mut counts = Vec::new();
        for cell in cells {
            let text = cell_text(cell);
            match cell.get("cell_type").and_then(Value::as_str) {
                Some("code") => {
                    let mut lines = vec!["# %%".to_owned()];
                    let mut source = source_lines(&text);
                    if source != [""] {
                        comment_magics(&mut source);
                        lines.extend(source);
                    }
                    texts.push(lines);
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
                    let mut lines = vec!["# %% [markdown]".to_owned()];
                    lines.extend(source_lines(&text).into_iter().map(|l| {
                        if l.is_empty() {
                            "#".to_owned()
                        } else {
                            format!("# {l}")
                        }
                    }));
                    texts.push(lines);
                }
                _ => {}
            }
        }
        // Blank lines after each cell depend on everything after it (jupytext goes backwards).
        let mut all: Vec<String> = Vec::new();
        for cell in texts.into_iter().rev() {
            let mut lines = cell;
            let n = lines_between_cells(&lines, &all);
            lines.extend(std::iter::repeat_n(String::new(), n));
            lines.extend(all);
            all = lines;
        }
        let mut source = all.join("\n");
        if let Some(t) = &title {
            // Python LaminDB stores the title as the description, not in the source.
            source = source.replace(&format!("# # {t}"), "#");
        }
        let out_of_order = counts
            .windows(2)
            .filter(|w| w[1] != w[0] + 1)
            .map(|w| (w[0], w[1]))
            .collect();
        Ok(Notebook {
            source,
            title,
            out_of_order,
        })
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A notebook's run report: a standalone HTML page of its cells and their outputs (stream
/// text, results, HTML and errors), the title heading left out as Python LaminDB leaves it out
/// of its nbconvert report.
pub fn notebook_report_html(path: &Path) -> Result<String> {
    let doc = read_notebook_json(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut body = String::new();
    let mut title_done = false;
    for cell in doc
        .get("cells")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut source = cell_text(cell);
        match cell.get("cell_type").and_then(Value::as_str) {
            Some("markdown") => {
                if !title_done {
                    if let Some(line) = source.lines().find(|l| l.starts_with("# ")) {
                        source = source.replacen(line, "", 1);
                        title_done = true;
                    }
                }
                body.push_str(&format!(
                    "<div class=\"markdown\"><pre>{}</pre></div>\n",
                    html_escape(source.trim())
                ));
            }
            Some("code") => {
                body.push_str(&format!(
                    "<div class=\"input\"><pre><code>{}</code></pre></div>\n",
                    html_escape(&source)
                ));
                for out in cell
                    .get("outputs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let joined = |v: Option<&Value>| match v {
                        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
                        Some(Value::String(s)) => s.clone(),
                        _ => String::new(),
                    };
                    let data = out.get("data");
                    let html = joined(data.and_then(|d| d.get("text/html")));
                    let shown = if !html.is_empty() {
                        html
                    } else {
                        let text = match out.get("output_type").and_then(Value::as_str) {
                            Some("stream") => joined(out.get("text")),
                            Some("error") => joined(out.get("traceback")),
                            _ => joined(data.and_then(|d| d.get("text/plain"))),
                        };
                        format!("<pre>{}</pre>", html_escape(&text))
                    };
                    body.push_str(&format!("<div class=\"output\">{shown}</div>\n"));
                }
            }
            _ => {}
        }
    }
    Ok(format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>body {{ font-family: sans-serif; max-width: 60rem; margin: auto; }} .input pre {{ background: #f5f5f5; padding: .5rem; }} .output pre {{ margin-left: 1rem; }} pre {{ white-space: pre-wrap; }}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        html_escape(&name)
    ))
}

/// A Jupyter notebook (nbformat 4, no outputs) rebuilt from [`Notebook::source`]'s py:percent
/// text: `# %%` cells as code (magics uncommented), `# %% [markdown]` cells uncommented, and the
/// title heading (`title`, the transform's description) put back where it was replaced by `#`.
pub fn notebook_from_py_percent(source: &str, title: Option<&str>) -> Value {
    let mut cells = Vec::new();
    let mut title = title.filter(|t| !t.is_empty());
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
            let mut text: Vec<String> = body
                .lines()
                .map(|l| {
                    l.strip_prefix("# ")
                        .or_else(|| l.strip_prefix('#'))
                        .unwrap_or(l)
                        .to_owned()
                })
                .collect();
            if let Some(t) = title.take() {
                if let Some(first) = text.iter_mut().find(|l| l.is_empty()) {
                    *first = format!("# {t}");
                }
            }
            cells.push(serde_json::json!({
                "cell_type": "markdown", "metadata": {}, "source": lines(text.join("\n"))
            }));
        } else {
            let code: Vec<String> = body
                .lines()
                .map(|l| match l.strip_prefix("# ") {
                    Some(rest) if is_magic(rest) => rest.to_owned(),
                    _ => l.to_owned(),
                })
                .collect();
            cells.push(serde_json::json!({
                "cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],
                "source": lines(code.join("\n"))
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
                {"cell_type": "code", "source": "%matplotlib inline\n!pip list\ny=2\n\n\nz=3"},
                {"cell_type": "markdown", "source": "## sub\n- a\n\n"},
                {"cell_type": "code", "source": "def f():\n    return 1\n\n\n"},
            ],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5
        });
        std::fs::write(&path, nb.to_string()).unwrap();
        let n = Notebook::read(&path).unwrap();
        assert_eq!(n.title.as_deref(), Some("My notebook"));
        assert_eq!(n.out_of_order, [(1, 3), (3, 2)]);
        // jupytext 1.19's py:percent text for these cells (checked with the peer venv), the
        // title replaced as Python LaminDB replaces it.
        assert_eq!(
            n.source,
            "# %% [markdown]\n#\n#\n# text\n\n# %%\nimport lamindb as ln\n\n# %%\nx = 1\n\n\n# %%\n\n# %%\n# %matplotlib inline\n# !pip list\ny=2\n\n\nz=3\n\n\n# %% [markdown]\n# ## sub\n# - a\n#\n#\n\n# %%\ndef f():\n    return 1\n\n\n\n"
        );
        // Back to a notebook: the same cells, in order, the title back in place.
        let back = notebook_from_py_percent(&n.source, n.title.as_deref());
        assert_eq!(back["cells"][0]["source"][0], "# My notebook\n");
        assert_eq!(back["cells"][4]["source"][0], "%matplotlib inline\n");
        std::fs::write(&path, back.to_string()).unwrap();
        let again = Notebook::read(&path).unwrap();
        assert_eq!(again.title, n.title);
        std::fs::write(&path, "not json").unwrap();
        assert!(Notebook::read(&path).is_err());
    }
}
