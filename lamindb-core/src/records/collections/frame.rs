//! A collection's DataFrame members as one table: `load` reads them into one polars DataFrame,
//! `open` scans the parquet members where they live (local folders or cloud buckets) as one
//! `LazyFrame`, so filters and column selections are pushed into each file's scan and cloud
//! objects are read by byte ranges, never downloaded whole.

use polars::io::cloud::CloudOptions;
use polars::prelude::*;

use super::Collections;
use crate::db::models::{Artifact, Collection};
use crate::{Error, Result};

fn frame_error(what: &str, e: PolarsError) -> Error {
    Error::Validation(format!("{what}: {e}"))
}

/// Python's `concat(join="outer")`: columns missing from a member are null there.
fn union_args() -> UnionArgs {
    UnionArgs {
        diagonal: true,
        to_supertypes: true,
        ..Default::default()
    }
}

impl Collections<'_> {
    /// A lazy scan of `member` where it is stored.
    fn scan(&self, member: &Artifact, what: &str) -> Result<LazyFrame> {
        let root = self.inst.root_of(member.storage_id)?;
        let key = member.storage_key();
        let (location, cloud_options) = match root.local_path() {
            Some(_) => (root.path_of(&key)?.to_string_lossy().into_owned(), None),
            None => {
                let url = root.url_of(&key);
                let scheme = CloudScheme::from_path(url.as_str());
                let options = CloudOptions::from_untyped_config(
                    scheme,
                    lamindb_storage::remote::reader_options(&url),
                )
                .map_err(|e| frame_error(&format!("cannot read {url}"), e))?;
                (url, Some(options))
            }
        };
        let args = ScanArgsParquet {
            cloud_options,
            ..Default::default()
        };
        LazyFrame::scan_parquet(PlRefPath::new(location.as_str()), args)
            .map_err(|e| frame_error(&format!("cannot scan {what}"), e))
    }

    /// Every member as one lazily scanned table, columns joined as an outer join (a column a
    /// member lacks is null there). Only parquet members can be scanned in place; others are
    /// refused by name. The collection becomes an input of the current run.
    pub fn open(&self, collection: &Collection) -> Result<LazyFrame> {
        let members = self.members(collection)?;
        let mut scans = Vec::with_capacity(members.len());
        for m in &members {
            let what = describe_member(m);
            if m.suffix != ".parquet" {
                return Err(Error::Unsupported(format!(
                    "collection '{}' has member {what} with suffix '{}': only parquet members can be opened lazily; load the collection instead",
                    collection.key, m.suffix
                )));
            }
            self.inst.artifacts().check_readable(m)?;
            scans.push(self.scan(m, &what)?);
        }
        let frame = concat_lf_diagonal(scans, union_args())
            .map_err(|e| frame_error("cannot combine the members", e))?;
        self.track_input(collection)?;
        Ok(frame)
    }

    /// Every member read into one DataFrame (parquet and csv members), in member order, columns
    /// joined as an outer join. Cloud members are read through the cache. The collection
    /// becomes an input of the current run.
    pub fn load(&self, collection: &Collection) -> Result<DataFrame> {
        let members = self.members(collection)?;
        let artifacts = self.inst.artifacts();
        let mut frames = Vec::with_capacity(members.len());
        for m in &members {
            let what = describe_member(m);
            let reader = match m.suffix.as_str() {
                ".parquet" => |p: PlRefPath| LazyFrame::scan_parquet(p, Default::default()),
                ".csv" => |p: PlRefPath| LazyCsvReader::new(p).with_has_header(true).finish(),
                other => {
                    return Err(Error::Unsupported(format!(
                        "collection '{}' has member {what} with suffix '{other}': only parquet and csv members load as one DataFrame; use `cache` for their paths",
                        collection.key
                    )))
                }
            };
            let path = artifacts.cache_data(m)?;
            let frame = reader(PlRefPath::new(path.to_string_lossy().as_ref()))
                .map_err(|e| frame_error(&format!("cannot read {what}"), e))?;
            frames.push(frame);
        }
        let df = concat_lf_diagonal(frames, union_args())
            .and_then(LazyFrame::collect)
            .map_err(|e| frame_error("cannot combine the members", e))?;
        self.track_input(collection)?;
        Ok(df)
    }
}

fn describe_member(m: &Artifact) -> String {
    match &m.key {
        Some(k) => format!("'{k}' ({})", m.uid),
        None => m.uid.clone(),
    }
}

/// A row filter over a scanned table, from the lookups `lamin list --filter` takes
/// (`value__gt=5`, `cell_type=T cell`, `donor__in=d1,d2`, `score__isnull=true`), combined with
/// and, or and not. Text values are read as the column's type, so the comparison can be pushed
/// into each file's scan (parquet statistics included).
pub fn filter_expr(q: &crate::query::Q, schema: &Schema) -> Result<Expr> {
    use crate::query::{Lookup, Q};
    Ok(match q {
        Q::And(parts) => parts
            .iter()
            .map(|p| filter_expr(p, schema))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .reduce(|a, b| a.and(b))
            .unwrap_or_else(|| lit(true)),
        Q::Or(parts) => parts
            .iter()
            .map(|p| filter_expr(p, schema))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .reduce(|a, b| a.or(b))
            .unwrap_or_else(|| lit(false)),
        Q::Not(inner) => filter_expr(inner, schema)?.not(),
        Q::Lookup { path, value } => {
            let (column, lookup) = match path.rsplit_once("__") {
                Some((c, l)) => match Lookup::from_name(l) {
                    Some(lookup) => (c, lookup),
                    None => (path.as_str(), Lookup::Exact),
                },
                None => (path.as_str(), Lookup::Exact),
            };
            let dtype = schema.get(column).ok_or_else(|| {
                Error::Validation(format!(
                    "no column '{column}' in the collection; columns: {}",
                    schema
                        .iter_names()
                        .map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            let c = col(column);
            let one = |v: &crate::query::Value| literal(column, dtype, v);
            match (lookup, value) {
                (Lookup::Exact, crate::query::Value::Null) => c.is_null(),
                (Lookup::IsNull, v) => match v.to_string().trim_matches('\'') {
                    "true" | "True" | "1" => c.is_null(),
                    _ => c.is_not_null(),
                },
                (Lookup::Exact, v) => c.eq(one(v)?),
                (Lookup::Gt, v) => c.gt(one(v)?),
                (Lookup::Gte, v) => c.gt_eq(one(v)?),
                (Lookup::Lt, v) => c.lt(one(v)?),
                (Lookup::Lte, v) => c.lt_eq(one(v)?),
                (Lookup::In, crate::query::Value::List(items)) => items
                    .iter()
                    .map(|v| Ok(c.clone().eq(one(v)?)))
                    .collect::<Result<Vec<_>>>()?
                    .into_iter()
                    .reduce(|a, b| a.or(b))
                    .unwrap_or_else(|| lit(false)),
                (Lookup::Range, crate::query::Value::List(items)) if items.len() == 2 => c
                    .clone()
                    .gt_eq(one(&items[0])?)
                    .and(c.lt_eq(one(&items[1])?)),
                (other, _) => {
                    return Err(Error::Unsupported(format!(
                        "'{}' filters on a collection's rows are not supported; use exact, gt, gte, lt, lte, in, range or isnull",
                        other.name()
                    )))
                }
            }
        }
    })
}

/// `value` as a literal of the column's type.
fn literal(column: &str, dtype: &DataType, value: &crate::query::Value) -> Result<Expr> {
    use crate::query::Value;
    let text = match value {
        Value::Text(t) => t.clone(),
        Value::Int(i) => return Ok(lit(*i)),
        Value::Float(x) => return Ok(lit(*x)),
        Value::Bool(b) => return Ok(lit(*b)),
        other => other.to_string(),
    };
    let bad =
        |what: &str| Error::Validation(format!("column '{column}' holds {what}, not '{text}'"));
    Ok(if dtype.is_integer() {
        lit(text.trim().parse::<i64>().map_err(|_| bad("integers"))?)
    } else if dtype.is_float() {
        lit(text.trim().parse::<f64>().map_err(|_| bad("numbers"))?)
    } else if dtype.is_bool() {
        lit(match text.trim() {
            "true" | "True" | "1" => true,
            "false" | "False" | "0" => false,
            _ => return Err(bad("booleans")),
        })
    } else {
        lit(text).cast(dtype.clone())
    })
}
