//! Local settings: where instances are recorded (`$LAMIN_SETTINGS_DIR`, default `~/.lamin`), in the
//! same `.env` files Python LaminDB writes, and how the current instance is found.
//!
//! Resolution order of the current instance: `LAMIN_INSTANCE` (a slug `owner/name`, a name, or a
//! storage folder), then a `.lamin/` marker in the working directory or a parent (like git), then
//! `current_instance.env` in the settings folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::fs::write_atomic;
use crate::{Error, Result};

/// Environment variable naming the settings folder.
pub const SETTINGS_DIR_ENV: &str = "LAMIN_SETTINGS_DIR";
/// Environment variable that selects the current instance.
pub const INSTANCE_ENV: &str = "LAMIN_INSTANCE";
/// Python LaminDB's name for [`INSTANCE_ENV`].
pub const PY_INSTANCE_ENV: &str = "LAMIN_CURRENT_INSTANCE";
/// Name of the directory marker that pins an instance to a folder tree.
pub const MARKER_DIR: &str = ".lamin";
/// The file inside [`MARKER_DIR`] that names the instance (its slug), as Python LaminDB writes it.
pub const MARKER_FILE: &str = "current_instance";

/// The settings folder: `$LAMIN_SETTINGS_DIR/.lamin` if set (as Python LaminDB), else `~/.lamin`.
pub fn settings_dir() -> PathBuf {
    match std::env::var_os(SETTINGS_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join(".lamin"),
        _ => dirs::home_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join(".lamin"),
    }
}

/// Environment variable naming the cache folder.
pub const CACHE_DIR_ENV: &str = "LAMIN_CACHE_DIR";

/// The cache folder: `$LAMIN_CACHE_DIR` if set, else the one set with [`set_cache_dir`]
/// (`lamindb_cache_path` in the settings folder's `storage.env`, where Python LaminDB keeps it),
/// else the platform cache folder's `lamindb` (`~/.cache/lamindb` on Linux, as Python LaminDB).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    configured_cache_dir().unwrap_or_else(default_cache_dir)
}

/// The platform cache folder's `lamindb`.
pub fn default_cache_dir() -> PathBuf {
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("lamindb")
}

/// The file that records a cache folder set by the user.
fn storage_settings_file() -> PathBuf {
    settings_dir().join("storage.env")
}

fn configured_cache_dir() -> Option<PathBuf> {
    let text = std::fs::read_to_string(storage_settings_file()).ok()?;
    parse_env(&text)
        .remove("lamindb_cache_path")
        .filter(|p| !p.is_empty() && p != "null")
        .map(PathBuf::from)
}

/// Sets the cache folder (`None`: back to the default) and moves what the old one holds into
/// it, as Python LaminDB does; returns the new folder. A folder inside the other is refused:
/// moving either would take the other with it.
pub fn set_cache_dir(dir: Option<&Path>) -> Result<PathBuf> {
    let old = cache_dir();
    let new = match dir {
        Some(d) => std::path::absolute(d).map_err(|e| Error::io(d, e))?,
        None => default_cache_dir(),
    };
    if new.is_file() {
        return Err(Error::Validation(format!(
            "{} is a file; the cache must be a folder",
            new.display()
        )));
    }
    if new != old && (new.starts_with(&old) || old.starts_with(&new)) {
        return Err(Error::Validation(format!(
            "the cache cannot move from {} to {}: one folder holds the other",
            old.display(),
            new.display()
        )));
    }
    std::fs::create_dir_all(&new).map_err(|e| Error::io(&new, e))?;
    if new != old && old.is_dir() {
        copy_tree(&old, &new)?;
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    }
    let dir_settings = settings_dir();
    std::fs::create_dir_all(&dir_settings).map_err(|e| Error::io(&dir_settings, e))?;
    let value = match dir {
        Some(_) => new.to_string_lossy().into_owned(),
        None => "null".to_owned(),
    };
    write_atomic(
        &storage_settings_file(),
        &format!("lamindb_cache_path={value}"),
    )?;
    Ok(new)
}

/// Empties the cache folder.
pub fn clear_cache_dir() -> Result<PathBuf> {
    let dir = cache_dir();
    if dir.is_dir() {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir)
}

fn copy_tree(src: &Path, dest: &Path) -> Result<()> {
    std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    for entry in std::fs::read_dir(src).map_err(|e| Error::io(src, e))? {
        let entry = entry.map_err(|e| Error::io(src, e))?;
        let to = dest.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            copy_tree(&entry.path(), &to)?;
        } else {
            std::fs::copy(entry.path(), &to).map_err(|e| Error::io(&to, e))?;
        }
    }
    Ok(())
}

/// The file naming the environment's schema modules when no instance is current
/// (`current_modules.txt`, comma-separated, as Python LaminDB).
pub fn modules_file() -> PathBuf {
    settings_dir().join("current_modules.txt")
}

/// Writes the environment's schema modules (`None` removes the setting; an empty list is kept
/// as an empty file, which Python reads as "no modules").
pub fn set_environment_modules(modules: Option<&str>) -> Result<()> {
    let path = modules_file();
    match modules {
        None => match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&path, e)),
            _ => Ok(()),
        },
        Some(m) => {
            let dir = settings_dir();
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            write_atomic(&path, m)
        }
    }
}

/// The environment's schema modules from [`modules_file`], `None` when it is not set.
pub fn environment_modules() -> Option<Vec<String>> {
    let text = std::fs::read_to_string(modules_file()).ok()?;
    Some(
        text.trim()
            .split(',')
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// The development folder of instance `slug` that holds `cwd`: the nearest folder (`cwd` or
/// a parent) whose `.lamin/current_instance` marker names `slug`; the home folder never is one.
pub fn dev_dir(cwd: &Path, slug: &str) -> Option<PathBuf> {
    let marker = find_marker(cwd)?;
    let text = std::fs::read_to_string(&marker).ok()?;
    let dir = marker.parent()?.parent()?.to_path_buf();
    (text.trim() == slug && !is_home(&dir)).then_some(dir)
}

fn is_home(dir: &Path) -> bool {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    dirs::home_dir().is_some_and(|h| canon(&h) == canon(dir))
}

/// Makes `dir` a development folder of `settings`' instance (its marker names the instance);
/// other development folders stay. The home folder is refused: its `.lamin` is the settings
/// folder.
pub fn set_dev_dir(dir: &Path, settings: &InstanceSettings) -> Result<PathBuf> {
    let dir = std::path::absolute(dir).map_err(|e| Error::io(dir, e))?;
    if is_home(&dir) {
        return Err(Error::Validation(
            "the home folder cannot be a development folder: its .lamin holds the settings".into(),
        ));
    }
    settings.write_marker(&dir)?;
    Ok(dir.canonicalize().unwrap_or(dir))
}

/// Removes the marker (and the folder's branch and space files) of the development folder of
/// `slug` that holds `cwd`; returns that folder, `None` when `cwd` is in none.
pub fn unset_dev_dir(cwd: &Path, slug: &str) -> Result<Option<PathBuf>> {
    let Some(dir) = dev_dir(cwd, slug) else {
        return Ok(None);
    };
    remove_marker(&dir)?;
    Ok(Some(dir))
}

/// Removes `dir`'s `.lamin/current_instance` marker and its branch and space files.
pub fn remove_marker(dir: &Path) -> Result<()> {
    for file in [MARKER_FILE, "current_branch", "current_space"] {
        let path = dir.join(MARKER_DIR).join(file);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(&path, e)),
            _ => {}
        }
    }
    Ok(())
}

/// The development folders below `root` (hidden folders and the home folder are not looked
/// into): `(folder, instance slug, branch name)`.
pub fn find_dev_dirs(root: &Path) -> Vec<(PathBuf, String, String)> {
    let mut found = Vec::new();
    if is_home(root) {
        return found;
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let marker = dir.join(MARKER_DIR).join(MARKER_FILE);
        if let Ok(slug) = std::fs::read_to_string(&marker) {
            let branch = std::fs::read_to_string(dir.join(MARKER_DIR).join("current_branch"))
                .ok()
                .and_then(|t| t.lines().nth(1).map(str::to_owned))
                .unwrap_or_else(|| "main".into());
            found.push((dir.clone(), slug.trim().to_owned(), branch));
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if !hidden && entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            }
        }
    }
    found.sort();
    found
}

/// The file that names the run of the current shell session (`lamin track`), as lamin-cli.
pub fn shell_run_file() -> PathBuf {
    settings_dir().join("current_shell_run.txt")
}

/// The settings of one instance: what `instance--<owner>--<name>.env` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSettings {
    /// Owner handle (`anonymous` by default).
    pub owner: String,
    /// Instance name.
    pub name: String,
    /// Default storage root (absolute path or URL).
    pub storage_root: String,
    /// Storage region (cloud).
    pub storage_region: Option<String>,
    /// Postgres URL; `None` for SQLite at `<root>/.lamindb/lamin.db`.
    pub db: Option<String>,
    /// Schema modules besides the core.
    pub modules: Vec<String>,
    /// Instance id.
    pub id: uuid::Uuid,
}

const KEYS: [&str; 14] = [
    "owner",
    "name",
    "storage_root",
    "storage_region",
    "db",
    "schema_str",
    "id",
    "git_repo",
    "keep_artifacts_local",
    "api_url",
    "schema_id",
    "fine_grained_access",
    "db_permissions",
    "is_clone",
];

impl InstanceSettings {
    /// `owner/name`.
    pub fn slug(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The database URL: the Postgres URL, or the SQLite file under the storage root.
    pub fn db_url(&self) -> String {
        match &self.db {
            Some(db) => db.clone(),
            None => self.sqlite_path().to_string_lossy().into_owned(),
        }
    }

    /// Where the SQLite file of an instance without `db` lives.
    pub fn sqlite_path(&self) -> PathBuf {
        match self.storage_root.split_once("://") {
            // A cloud root keeps its SQLite file in the cache, where Python LaminDB keeps its
            // local copy (`<cache>/<bucket>/<prefix>/.lamindb/lamin.db`).
            Some((_, rest)) => {
                let mut p = cache_dir();
                for part in rest.split('/').filter(|p| !p.is_empty()) {
                    p.push(part);
                }
                p.join(".lamindb").join("lamin.db")
            }
            None => Path::new(&self.storage_root)
                .join(".lamindb")
                .join("lamin.db"),
        }
    }

    /// The instance uid.
    pub fn uid(&self) -> String {
        crate::util::uid::instance_uid(&self.id)
    }

    /// Renders the `.env` text exactly as Python LaminDB writes it.
    pub fn to_env(&self) -> String {
        let null = |v: &Option<String>| v.clone().unwrap_or_else(|| "null".into());
        let schema_str = if self.modules.is_empty() {
            "null".to_owned()
        } else {
            self.modules.join(",")
        };
        let values = [
            self.owner.clone(),
            self.name.clone(),
            self.storage_root.clone(),
            null(&self.storage_region),
            null(&self.db),
            schema_str,
            self.id.simple().to_string(),
            "null".into(),
            "False".into(),
            "null".into(),
            "null".into(),
            "False".into(),
            "null".into(),
            "False".into(),
        ];
        KEYS.iter()
            .zip(values)
            .map(|(k, v)| format!("lamindb_instance_{k}={v}\n"))
            .collect()
    }

    /// Parses a `.env` file's text.
    pub fn from_env(text: &str, origin: &Path) -> Result<Self> {
        let map = parse_env(text);
        let get = |k: &str| -> Option<String> {
            map.get(&format!("lamindb_instance_{k}"))
                .filter(|v| !v.is_empty() && v.as_str() != "null")
                .cloned()
        };
        let need = |k: &str| {
            get(k).ok_or_else(|| {
                Error::Validation(format!(
                    "instance settings {} lack 'lamindb_instance_{k}'; connect to this instance again",
                    origin.display()
                ))
            })
        };
        let owner = need("owner")?;
        let name = need("name")?;
        let id = match get("id") {
            Some(hex) => uuid::Uuid::parse_str(&hex).map_err(|e| {
                Error::Validation(format!(
                    "instance id '{hex}' in {} is not a UUID: {e}",
                    origin.display()
                ))
            })?,
            None => crate::util::uid::instance_id(&owner, &name),
        };
        Ok(InstanceSettings {
            storage_root: need("storage_root")?,
            storage_region: get("storage_region"),
            db: get("db"),
            modules: get("schema_str")
                .map(|s| {
                    s.split(',')
                        .map(|m| m.trim().to_owned())
                        .filter(|m| !m.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            id,
            owner,
            name,
        })
    }

    /// The file name of this instance's settings in the settings folder.
    pub fn file_name(&self) -> String {
        format!("instance--{}--{}.env", self.owner, self.name)
    }

    /// Writes this instance's settings file and makes it the current instance.
    pub fn save_and_select(&self) -> Result<PathBuf> {
        let path = self.save()?;
        write_atomic(&settings_dir().join("current_instance.env"), &self.to_env())?;
        Ok(path)
    }

    /// Writes this instance's settings file, leaving the current instance as it is.
    pub fn save(&self) -> Result<PathBuf> {
        let dir = settings_dir();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join(self.file_name());
        write_atomic(&path, &self.to_env())?;
        Ok(path)
    }

    /// Writes a `.lamin/current_instance` marker in `dir` that pins this instance for the folder
    /// tree (the file holds the slug; the settings stay in the settings folder).
    pub fn write_marker(&self, dir: &Path) -> Result<PathBuf> {
        let marker = dir.join(MARKER_DIR);
        std::fs::create_dir_all(&marker).map_err(|e| Error::io(&marker, e))?;
        let path = marker.join(MARKER_FILE);
        write_atomic(&path, &self.slug())?;
        Ok(path)
    }
}

fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                return None;
            }
            let (k, v) = l.split_once('=')?;
            let v = v.trim().trim_matches('"').trim_matches('\'');
            Some((k.trim().to_owned(), v.to_owned()))
        })
        .collect()
}

fn read_settings(path: &Path) -> Result<InstanceSettings> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    InstanceSettings::from_env(&text, path)
}

/// All instances recorded in the settings folder.
pub fn known_instances() -> Result<Vec<InstanceSettings>> {
    let dir = settings_dir();
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("instance--") && name.ends_with(".env") {
            out.push(read_settings(&entry.path())?);
        }
    }
    out.sort_by_key(|s| s.slug());
    Ok(out)
}

/// Settings for an instance given by slug (`owner/name`), bare name, or storage folder.
pub fn resolve(spec: &str) -> Result<InstanceSettings> {
    let path = Path::new(spec);
    let known = known_instances()?;
    if path.join(".lamindb").join("storage_uid.txt").exists()
        || path.join(".lamindb").join("lamin.db").exists()
    {
        let found = settings_from_storage_dir(path)?;
        // An instance known here (a Postgres one, say) is opened with its own settings; the
        // storage folder alone says nothing about where the database lives.
        if let Some(k) = known
            .iter()
            .find(|k| k.id == found.id || k.storage_root == found.storage_root)
        {
            return Ok(k.clone());
        }
        if !path.join(".lamindb").join("lamin.db").exists() {
            return Err(Error::NotFound(format!(
                "{spec} is the storage of instance '{}', whose database is not in that folder and which is not among the instances known in {}; name it where it was created, or by owner/name where it is known",
                found.slug(),
                settings_dir().display()
            )));
        }
        return Ok(found);
    }
    let matches: Vec<&InstanceSettings> = known
        .iter()
        .filter(|s| s.slug() == spec || s.name == spec)
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::NotFound(format!(
            "no instance '{spec}' in {}; known: [{}]; create it, or pass its storage folder",
            settings_dir().display(),
            known
                .iter()
                .map(|s| s.slug())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        many => Err(Error::Conflict(format!(
            "'{spec}' matches several instances: {}; pass owner/name",
            many.iter().map(|s| s.slug()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Settings for a SQLite instance known only by its storage folder (e.g. one made by Python
/// LaminDB elsewhere): read from `.lamindb/storage_uid.txt`.
pub fn settings_from_storage_dir(dir: &Path) -> Result<InstanceSettings> {
    let root = lamindb_storage::StorageRoot::local(dir)?;
    let marker = dir.join(".lamindb").join("storage_uid.txt");
    let text = std::fs::read_to_string(&marker).map_err(|e| Error::io(&marker, e))?;
    let mut slug = None;
    let mut id = None;
    for line in text.lines().skip(1) {
        if let Some(v) = line.strip_prefix("instance_slug=") {
            slug = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("instance_id=") {
            id = uuid::Uuid::parse_str(v.trim()).ok();
        }
    }
    let slug = slug.unwrap_or_else(|| {
        let folder = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("anonymous/{folder}")
    });
    let (owner, name) = slug.split_once('/').unwrap_or(("anonymous", slug.as_str()));
    Ok(InstanceSettings {
        owner: owner.to_owned(),
        name: name.to_owned(),
        storage_root: root.as_str().to_owned(),
        storage_region: None,
        db: None,
        modules: Vec::new(),
        id: id.unwrap_or_else(|| crate::util::uid::instance_id(owner, name)),
    })
}

/// Which of the two context records a file names: the current branch or the current space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// `current-branch--<owner>--<name>.txt`, or a development folder's `.lamin/current_branch`.
    Branch,
    /// `current-space--<owner>--<name>.txt`, or a development folder's `.lamin/current_space`.
    Space,
}

impl Context {
    /// The record current when no file names one: branch `main`, space `all`.
    pub fn default_name(self) -> &'static str {
        match self {
            Context::Branch => "main",
            Context::Space => "all",
        }
    }

    /// The file naming the current record of `settings`' instance for work in `cwd`: in the
    /// development folder holding `cwd`, else in the settings folder (as Python LaminDB).
    pub fn file(self, settings: &InstanceSettings, cwd: &Path) -> PathBuf {
        let local = match self {
            Context::Branch => "current_branch",
            Context::Space => "current_space",
        };
        match dev_dir(cwd, &settings.slug()) {
            Some(dir) => dir.join(MARKER_DIR).join(local),
            None => self.global_file(settings),
        }
    }

    /// The settings folder's file naming the current record of `settings`' instance.
    fn global_file(self, settings: &InstanceSettings) -> PathBuf {
        let global = match self {
            Context::Branch => "current-branch",
            Context::Space => "current-space",
        };
        settings_dir().join(format!(
            "{global}--{}--{}.txt",
            settings.owner, settings.name
        ))
    }

    /// The current record as the file names it: `(uid, name)`; `None` when no file does. A
    /// development folder without its own file follows the settings folder's (as Python
    /// LaminDB does).
    pub fn current(self, settings: &InstanceSettings, cwd: &Path) -> Option<(String, String)> {
        let file = self.file(settings, cwd);
        let text = std::fs::read_to_string(&file)
            .or_else(|_| std::fs::read_to_string(self.global_file(settings)))
            .ok()?;
        let mut lines = text.lines();
        let uid = lines.next()?.trim().to_owned();
        let name = lines.next()?.trim().to_owned();
        Some((uid, name))
    }

    /// Makes the record with `uid` and `name` current (the file holds `uid\nname`).
    pub fn select(
        self,
        settings: &InstanceSettings,
        cwd: &Path,
        uid: &str,
        name: &str,
    ) -> Result<()> {
        let path = self.file(settings, cwd);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        write_atomic(&path, &format!("{uid}\n{name}"))
    }
}

/// Forgets the current instance (the settings folder's `current_instance.env`); markers in
/// folders stay.
pub fn deselect_current() -> Result<()> {
    let path = settings_dir().join("current_instance.env");
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&path, e)),
        _ => Ok(()),
    }
}

/// Finds the nearest `.lamin/current_instance` marker from `start` upwards.
pub fn find_marker(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(MARKER_DIR).join(MARKER_FILE))
        .find(|p| p.is_file())
}

/// The current instance's settings, by the resolution order in the module docs.
pub fn current() -> Result<InstanceSettings> {
    for var in [INSTANCE_ENV, PY_INSTANCE_ENV] {
        if let Ok(spec) = std::env::var(var) {
            if !spec.trim().is_empty() {
                return resolve(spec.trim());
            }
        }
    }
    if let Ok(cwd) = std::env::current_dir() {
        if let Some(marker) = find_marker(&cwd) {
            let slug = std::fs::read_to_string(&marker).map_err(|e| Error::io(&marker, e))?;
            return resolve(slug.trim()).map_err(|e| {
                Error::NotFound(format!(
                    "{} names instance '{}': {e}",
                    marker.display(),
                    slug.trim()
                ))
            });
        }
    }
    let current = settings_dir().join("current_instance.env");
    if current.is_file() {
        return read_settings(&current);
    }
    Err(Error::NoCurrentInstance)
}

/// The current user handle: `--handle`/explicit, else `current_user.env`, else `anonymous`.
pub fn current_user() -> (String, String) {
    let path = settings_dir().join("current_user.env");
    if let Ok(text) = std::fs::read_to_string(path) {
        let map = parse_env(&text);
        let handle = map
            .get("lamin_user_handle")
            .filter(|h| !h.is_empty() && h.as_str() != "null");
        let uid = map
            .get("lamin_user_uid")
            .filter(|u| !u.is_empty() && u.as_str() != "null");
        if let (Some(h), Some(u)) = (handle, uid) {
            return (h.clone(), u.clone());
        }
    }
    ("anonymous".into(), "00000000".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_is_byte_exact_with_python() {
        let s = InstanceSettings {
            owner: "anonymous".into(),
            name: "data".into(),
            storage_root: "/tmp/data".into(),
            storage_region: None,
            db: None,
            modules: vec![],
            id: crate::util::uid::instance_id("anonymous", "data"),
        };
        let expected = "lamindb_instance_owner=anonymous\nlamindb_instance_name=data\nlamindb_instance_storage_root=/tmp/data\nlamindb_instance_storage_region=null\nlamindb_instance_db=null\nlamindb_instance_schema_str=null\nlamindb_instance_id=e137f67e636b5afd9c29bb210c687952\nlamindb_instance_git_repo=null\nlamindb_instance_keep_artifacts_local=False\nlamindb_instance_api_url=null\nlamindb_instance_schema_id=null\nlamindb_instance_fine_grained_access=False\nlamindb_instance_db_permissions=null\nlamindb_instance_is_clone=False\n";
        assert_eq!(s.to_env(), expected);
        let back = InstanceSettings::from_env(expected, Path::new("x")).unwrap();
        assert_eq!(back, s);
        let with_mods = InstanceSettings {
            modules: vec!["bionty".into(), "wetlab".into()],
            ..s
        };
        assert_eq!(
            InstanceSettings::from_env(&with_mods.to_env(), Path::new("x")).unwrap(),
            with_mods
        );
    }

    #[test]
    fn missing_keys_are_named() {
        let err = InstanceSettings::from_env("lamindb_instance_owner=a\n", Path::new("f.env"))
            .unwrap_err();
        assert!(err.to_string().contains("lamindb_instance_name"), "{err}");
    }
}
