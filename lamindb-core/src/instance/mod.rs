//! Instances: creating, opening and describing a LaminDB instance.

pub mod migrations;
pub mod mounts;
pub mod plan;
pub mod settings;
pub mod storage;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use ::lamindb_storage::{StorageKind, StorageRoot};
use diesel::prelude::*;

use crate::db::models::{Branch, Storage, User};
use crate::db::schema::{lamindb_branch, lamindb_space, lamindb_storage, lamindb_user};
use crate::db::sql_types::{JsonData, UtcTime};
use crate::db::{DbConnection, Dialect};
use crate::instance::settings::InstanceSettings;
use crate::meta::{Catalog, Module, ModuleSet, SeedContext};
use crate::util::progress::ProgressSink;
use crate::{util::uid, Error, Result};

/// Options of [`Instance::init`].
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// Default storage root (folder or URL).
    pub storage: String,
    /// Postgres URL; SQLite under the storage root if `None`.
    pub db: Option<String>,
    /// Instance name; the storage folder's name if `None`.
    pub name: Option<String>,
    /// Schema modules besides the core.
    pub modules: Vec<String>,
    /// User handle; the settings' current user (or `anonymous`) if `None`.
    pub handle: Option<String>,
}

/// An open instance: its settings, a database connection, its default storage and current user.
///
/// Methods take `&self`; the connection sits behind a mutex so an instance can be shared between
/// threads. Several instances can be open in one process.
pub struct Instance {
    settings: InstanceSettings,
    uid: String,
    conn: Mutex<DbConnection>,
    dialect: Dialect,
    storage: Storage,
    storage_root: StorageRoot,
    user: User,
    catalog: std::sync::Arc<Catalog>,
    pub(crate) recovered: std::sync::atomic::AtomicBool,
    /// Runs started in this process, innermost last.
    pub(crate) run_stack: Mutex<Vec<crate::db::models::Run>>,
    /// The run from `LAMIN_RUN_UID` or [`Instance::attach_run`]; `None` until looked up.
    pub(crate) ambient_run: Mutex<Option<Option<crate::db::models::Run>>>,
    /// The storage records, once read.
    pub(crate) storage_rows: Mutex<Option<Vec<Storage>>>,
    /// Roots of the other storage locations, by storage id.
    pub(crate) roots: Mutex<std::collections::HashMap<i32, StorageRoot>>,
    /// Where transfer progress goes, if anywhere.
    pub(crate) progress: Mutex<Option<std::sync::Arc<dyn ProgressSink>>>,
    /// The branch new records are created on (read from the branch setting on open).
    pub(crate) branch: std::sync::atomic::AtomicI32,
    /// The space new records are created in (`lamindb_space.id`).
    space: std::sync::atomic::AtomicI32,
}

impl Drop for Instance {
    fn drop(&mut self) {
        lock(&self.conn).checkpoint();
    }
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("slug", &self.settings.slug())
            .field("uid", &self.uid)
            .field("storage", &self.storage.root)
            .field("dialect", &self.dialect)
            .finish()
    }
}

/// Locks `m`, also after a panic in another holder: the guarded values (a connection, caches,
/// the run stack) stay usable, and a tracked run must still be recorded after a panic.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The storage marker every instance root holds.
pub(crate) const MARKER_KEY: &str = ".lamindb/storage_uid.txt";

/// Writes the storage marker Python LaminDB writes into a managed storage root.
pub(crate) fn write_marker(
    root: &StorageRoot,
    storage_uid: &str,
    slug: &str,
    instance_id_hex: &str,
    instance_uid: &str,
) -> Result<()> {
    let text = format!(
        "{storage_uid}\ncreation info:\ninstance_slug={slug}\ninstance_id={instance_id_hex}\ninstance_uid={instance_uid}"
    );
    match root.local_path() {
        Some(local) => {
            let dir = local.join(".lamindb");
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            let marker = dir.join("storage_uid.txt");
            std::fs::write(&marker, text).map_err(|e| Error::io(&marker, e))?;
        }
        None => {
            let tmp = tempfile_in_cache("storage_uid.txt", &text)?;
            let put = root.put(&tmp, MARKER_KEY);
            let _ = std::fs::remove_file(&tmp);
            put?;
        }
    }
    Ok(())
}

/// Writes `text` to a fresh file in the cache folder (to upload it).
fn tempfile_in_cache(name: &str, text: &str) -> Result<std::path::PathBuf> {
    let dir = crate::instance::settings::cache_dir();
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let path = dir.join(format!(".{name}.{}-{}", std::process::id(), uid::random(8)));
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

const SPACE_DESCRIPTION: &str = "Every team & user with access to the instance has access.";
const BRANCHES: [(Branch, &str, &str); 3] = [
    (Branch::Trash, "tttttttttttt", "The trash."),
    (Branch::Archive, "aaaaaaaaaaaa", "The archive."),
    (
        Branch::Main,
        "mmmmmmmmmmmm",
        "The main & default branch of the instance.",
    ),
];

fn user_identity(handle: Option<&str>) -> (String, String) {
    match handle {
        Some(h) if h != "anonymous" => {
            let (cur_handle, cur_uid) = crate::instance::settings::current_user();
            // A handle other than the logged-in one gets a deterministic local uid.
            let uid = if cur_handle == h {
                cur_uid
            } else {
                uid::md5_uid(&format!("user/{h}"), 8)
            };
            (h.to_owned(), uid)
        }
        Some(_) => ("anonymous".into(), "00000000".into()),
        None => crate::instance::settings::current_user(),
    }
}

impl Instance {
    /// Creates an instance: database, migrations, seed rows, storage marker and settings; then
    /// makes it the current instance. Nothing is left behind if it fails.
    pub fn init(opts: &InitOptions) -> Result<Instance> {
        Self::init_with(opts, &ModuleSet::linked())
    }

    /// [`Instance::init`] with the modules of `available` instead of those linked into the
    /// program.
    pub fn init_with(opts: &InitOptions, available: &ModuleSet) -> Result<Instance> {
        let root = StorageRoot::parse(&opts.storage)?;
        if root.as_str().contains(".lamindb") {
            return Err(Error::Validation(
                "please pass a folder name that does not end or contain \".lamindb\"".into(),
            ));
        }
        if matches!(
            root.kind(),
            StorageKind::Http | StorageKind::Https | StorageKind::Hf
        ) {
            return Err(Error::Validation(format!(
                "{} is read-only storage: an instance needs a local folder, s3:// or gs:// root",
                root.as_str()
            )));
        }
        if root.exists(MARKER_KEY)? {
            return Err(Error::AlreadyExists(format!(
                "{} is already the storage of an instance (see {}); connect to it instead ({})",
                root.as_str(),
                root.url_of(MARKER_KEY),
                root.as_str()
            )));
        }
        let (handle, user_uid) = user_identity(opts.handle.as_deref());
        let name = match &opts.name {
            Some(n) => n.clone(),
            None => root
                .as_str()
                .rsplit('/')
                .next()
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::Validation("pass --name: the storage folder has no name".into())
                })?,
        };
        if name.is_empty() || name.contains('/') || name.contains(char::is_whitespace) {
            return Err(Error::Validation(format!(
                "instance name '{name}' is invalid: use letters, digits, '-' and '_'"
            )));
        }
        let settings = InstanceSettings {
            id: uid::instance_id(&handle, &name),
            owner: handle.clone(),
            name,
            storage_root: root.as_str().to_owned(),
            storage_region: None,
            db: opts.db.clone(),
            modules: opts
                .modules
                .iter()
                .map(|m| available.canonical(m))
                .collect(),
        };
        let modules = available.resolve(&settings.slug(), &settings.modules)?;
        // The folder of the SQLite file: under a local root, or in the cache for a cloud root.
        let dot_lamindb = settings
            .sqlite_path()
            .parent()
            .expect("the SQLite path has a folder")
            .to_path_buf();
        let created_dir = !dot_lamindb.exists();
        std::fs::create_dir_all(&dot_lamindb).map_err(|e| Error::io(&dot_lamindb, e))?;
        let result = Self::init_database(&settings, &modules, &handle, &user_uid, &root);
        match result {
            Ok(()) => {}
            Err(e) => {
                // Leave no half-made instance: remove the SQLite file we created.
                if settings.db.is_none() {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!(
                            "{}{suffix}",
                            settings.sqlite_path().display()
                        ));
                    }
                }
                if created_dir {
                    let _ = std::fs::remove_dir(&dot_lamindb);
                }
                return Err(e);
            }
        }
        settings.save_and_select()?;
        Self::open_with(settings, available)
    }

    fn init_database(
        settings: &InstanceSettings,
        modules: &[&'static dyn Module],
        handle: &str,
        user_uid: &str,
        root: &StorageRoot,
    ) -> Result<()> {
        if settings.db.is_none() && settings.sqlite_path().exists() {
            return Err(Error::AlreadyExists(format!(
                "{} exists already; connect to the instance instead of creating it",
                settings.sqlite_path().display()
            )));
        }
        let mut conn = DbConnection::open(&settings.db_url())?;
        if migrations::has_table(&mut conn, crate::meta::core::ARTIFACT.table)? {
            return Err(Error::AlreadyExists(format!(
                "the database {} already holds a LaminDB instance; connect to it instead",
                crate::db::redact_url(&settings.db_url())
            )));
        }
        conn.use_wal()?;
        for m in modules {
            migrations::apply(&mut conn, *m)?;
        }
        let instance_uid = settings.uid();
        let storage_uid = uid::random(12);
        conn.write(|c| {
            let user_id = seed_core(c, handle, user_uid, root, &storage_uid, &instance_uid)?;
            let ctx = SeedContext {
                user_id,
                instance_uid: instance_uid.clone(),
            };
            for m in modules {
                m.seed(c, &ctx)?;
            }
            Ok(())
        })?;
        write_marker(
            root,
            &storage_uid,
            &settings.slug(),
            &settings.id.simple().to_string(),
            &instance_uid,
        )?;
        Ok(())
    }

    /// Opens the instance described by `settings`. Fails when its database needs migrations or a
    /// module this program does not link.
    pub fn open(settings: InstanceSettings) -> Result<Instance> {
        Self::open_with(settings, &ModuleSet::linked())
    }

    /// [`Instance::open`] with the modules of `available` instead of those linked into the
    /// program.
    pub fn open_with(settings: InstanceSettings, available: &ModuleSet) -> Result<Instance> {
        let slug = settings.slug();
        if settings.db.is_none() && !settings.sqlite_path().exists() {
            return Err(Error::NotFound(format!(
                "instance '{slug}' has no database at {}; is the storage folder moved or deleted?",
                settings.sqlite_path().display()
            )));
        }
        let mut conn = DbConnection::open(&settings.db_url())?;
        if !migrations::has_table(&mut conn, "lamindb_artifact")? {
            return Err(Error::NotFound(format!(
                "{} holds no LaminDB instance; create an instance there first",
                crate::db::redact_url(&settings.db_url())
            )));
        }
        let names = instance_modules(&mut conn, &settings, available)?;
        let modules = available.resolve(&slug, &names)?;
        let mut pending = Vec::new();
        for m in &modules {
            pending.extend(migrations::pending(&mut conn, *m)?);
        }
        if !pending.is_empty() {
            return Err(Error::PendingMigrations {
                instance: slug,
                pending: pending.join(", "),
            });
        }
        let catalog = Catalog::new(&modules, available);
        Self::finish_open(settings, conn, catalog)
    }

    /// Applies pending migrations of the instance's modules (`lamin migrate deploy`); returns the
    /// names of the applied migrations.
    pub fn migrate_deploy(settings: &InstanceSettings) -> Result<Vec<String>> {
        Self::migrate_deploy_with(settings, &ModuleSet::linked())
    }

    /// [`Instance::migrate_deploy`] with the modules of `available`.
    pub fn migrate_deploy_with(
        settings: &InstanceSettings,
        available: &ModuleSet,
    ) -> Result<Vec<String>> {
        let mut conn = DbConnection::open(&settings.db_url())?;
        let names = instance_modules(&mut conn, settings, available)?;
        let mut applied = Vec::new();
        // Dependencies first; each module's pending migrations in one transaction (both
        // backends run DDL transactionally), so a failing migration leaves its module as it was.
        for m in available.resolve(&settings.slug(), &names)? {
            applied.extend(conn.transaction(|c| migrations::apply(c, m))?);
        }
        Ok(applied)
    }

    fn finish_open(
        settings: InstanceSettings,
        mut conn: DbConnection,
        catalog: Catalog,
    ) -> Result<Instance> {
        let by_root: Option<Storage> = lamindb_storage::table
            .filter(lamindb_storage::root.eq(&settings.storage_root))
            .select(Storage::as_select())
            .first(&mut conn)
            .optional()?;
        // A local instance folder that was moved still names its storage row in its marker.
        let mut by_marker = || -> Result<Option<Storage>> {
            let marker = Path::new(&settings.storage_root)
                .join(".lamindb")
                .join("storage_uid.txt");
            let Ok(text) = std::fs::read_to_string(marker) else {
                return Ok(None);
            };
            let storage_uid = text.lines().next().unwrap_or_default().trim().to_owned();
            Ok(lamindb_storage::table
                .filter(lamindb_storage::uid.eq(storage_uid))
                .select(Storage::as_select())
                .first(&mut conn)
                .optional()?)
        };
        let storage = match by_root {
            Some(s) => Some(s),
            None => by_marker()?,
        };
        let storage = storage.ok_or_else(|| {
            Error::NotFound(format!(
                "storage '{}' of instance '{}' is not registered in its database",
                settings.storage_root,
                settings.slug()
            ))
        })?;
        let (handle, user_uid) = user_identity(
            Some(&settings.owner)
                .filter(|o| o.as_str() != "anonymous")
                .map(|s| s.as_str()),
        );
        let user = ensure_user(&mut conn, &handle, &user_uid)?;
        // Paths are computed from where the storage is now, which may differ from the recorded root.
        let storage_root = StorageRoot::parse(&settings.storage_root)?;
        let branch = current_branch(&mut conn, &settings);
        let space = current_space(&mut conn, &settings);
        Ok(Instance {
            uid: settings.uid(),
            dialect: conn.dialect(),
            conn: Mutex::new(conn),
            settings,
            storage,
            storage_root,
            user,
            catalog: std::sync::Arc::new(catalog),
            recovered: std::sync::atomic::AtomicBool::new(false),
            run_stack: Mutex::new(Vec::new()),
            ambient_run: Mutex::new(None),
            progress: Mutex::new(None),
            roots: Mutex::new(Default::default()),
            storage_rows: Mutex::new(None),
            branch: std::sync::atomic::AtomicI32::new(branch),
            space: std::sync::atomic::AtomicI32::new(space.into()),
        })
    }

    /// The branch new records are created on and queries look at (with main): the one the
    /// branch setting names when the instance was opened (Python's
    /// `current-branch--<owner>--<name>.txt`, or a development folder's
    /// `.lamin/current_branch`), else main.
    pub fn branch_id(&self) -> i32 {
        self.branch.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The space new records are created in: the one the space setting names when the
    /// instance was opened (`lamin switch --space`), else `all` (1).
    pub fn space_id(&self) -> i16 {
        i16::try_from(self.space.load(std::sync::atomic::Ordering::Relaxed)).unwrap_or(1)
    }

    /// Makes `id` the branch of this instance's new records and queries.
    pub fn set_branch(&self, id: i32) {
        self.branch.store(id, std::sync::atomic::Ordering::Relaxed);
    }

    /// Opens the current instance (see [`crate::instance::settings::current`]).
    pub fn current() -> Result<Instance> {
        Self::open(crate::instance::settings::current()?)
    }

    /// Opens an instance by slug, name or storage folder.
    pub fn connect(spec: &str) -> Result<Instance> {
        Self::open(crate::instance::settings::resolve(spec)?)
    }

    /// The instance settings.
    pub fn settings(&self) -> &InstanceSettings {
        &self.settings
    }

    /// `owner/name`.
    pub fn slug(&self) -> String {
        self.settings.slug()
    }

    /// The instance uid (12 characters).
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The database engine.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The default storage row.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The default storage root.
    pub fn storage_root(&self) -> &StorageRoot {
        &self.storage_root
    }

    /// The current user row.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// The registries of the instance's modules.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The modules recorded in the database.
    pub fn modules(&self) -> Result<Vec<String>> {
        migrations::applied_modules(&mut self.conn())
    }

    /// Locks the connection for a sequence of queries.
    pub fn conn(&self) -> MutexGuard<'_, DbConnection> {
        lock(&self.conn)
    }

    /// Refreshes the Postgres planner's statistics of every table (`ANALYZE`; nothing to do on
    /// SQLite). Postgres plans queries on tables that grew from empty as if they were still
    /// empty — a feature filter over 1000 fresh artifacts took 0.3 s instead of 2 ms — until
    /// autovacuum analyzes them, by default within a minute. Bulk saves refresh their own tables.
    pub fn analyze(&self) -> Result<()> {
        self.analyze_tables(&[])
    }

    /// [`Instance::analyze`] for some tables (all when empty). Names come from the registry
    /// metadata, never from users.
    pub fn analyze_tables(&self, tables: &[&str]) -> Result<()> {
        use diesel::connection::SimpleConnection;
        if self.dialect != Dialect::Postgres {
            return Ok(());
        }
        let list = tables
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(", ");
        self.conn()
            .batch_execute(&format!("ANALYZE {list}"))
            .map_err(Error::from)
    }
}

/// Bulk saves of at least this many rows refresh the planner statistics of their tables.
pub(crate) const ANALYZE_AFTER_ROWS: usize = 500;

/// The modules an instance uses: those with migrations in its database (adopting a Python-made
/// database first) plus those its settings name.
fn instance_modules(
    conn: &mut DbConnection,
    settings: &InstanceSettings,
    available: &ModuleSet,
) -> Result<Vec<String>> {
    migrations::adopt_python_instance(conn, &available.modules())?;
    let mut names = migrations::applied_modules(conn)?;
    for m in &settings.modules {
        if !names.contains(m) {
            names.push(m.clone());
        }
    }
    Ok(names)
}

fn ensure_user(conn: &mut DbConnection, handle: &str, user_uid: &str) -> Result<User> {
    let found: Option<User> = lamindb_user::table
        .filter(lamindb_user::uid.eq(user_uid))
        .select(User::as_select())
        .first(conn)
        .optional()?;
    if let Some(u) = found {
        return Ok(u);
    }
    let now = UtcTime::now();
    diesel::insert_into(lamindb_user::table)
        .values((
            lamindb_user::uid.eq(user_uid),
            lamindb_user::handle.eq(handle),
            lamindb_user::created_at.eq(now),
            lamindb_user::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(lamindb_user::table
        .filter(lamindb_user::uid.eq(user_uid))
        .select(User::as_select())
        .first(conn)?)
}

fn seed_core(
    c: &mut DbConnection,
    handle: &str,
    user_uid: &str,
    root: &StorageRoot,
    storage_uid: &str,
    instance_uid: &str,
) -> Result<i32> {
    let now = UtcTime::now();
    let user = ensure_user(c, handle, user_uid)?;
    diesel::insert_into(lamindb_space::table)
        .values((
            lamindb_space::id.eq(1i16),
            lamindb_space::name.eq("all"),
            lamindb_space::uid.eq("aaaaaaaaaaaa"),
            lamindb_space::description.eq(SPACE_DESCRIPTION),
            lamindb_space::created_at.eq(now),
        ))
        .execute(c)?;
    for (branch, buid, description) in BRANCHES {
        let (id, name) = (branch.id(), branch.name());
        diesel::insert_into(lamindb_branch::table)
            .values((
                lamindb_branch::id.eq(id),
                lamindb_branch::name.eq(name),
                lamindb_branch::uid.eq(buid),
                lamindb_branch::description.eq(description),
                lamindb_branch::created_at.eq(now),
                lamindb_branch::space_id.eq(1i16),
                lamindb_branch::created_by_id.eq(user.id),
                lamindb_branch::status_code.eq(0i16),
                lamindb_branch::aux.eq(None::<JsonData>),
            ))
            .execute(c)?;
    }
    diesel::insert_into(lamindb_storage::table)
        .values((
            lamindb_storage::uid.eq(storage_uid),
            lamindb_storage::root.eq(root.as_str()),
            lamindb_storage::type_.eq(root.kind().as_str()),
            lamindb_storage::instance_uid.eq(instance_uid),
            lamindb_storage::created_at.eq(now),
            lamindb_storage::updated_at.eq(now),
            lamindb_storage::created_by_id.eq(user.id),
            lamindb_storage::is_locked.eq(false),
            lamindb_storage::branch_id.eq(Branch::Main.id()),
            lamindb_storage::created_on_id.eq(Branch::Main.id()),
            lamindb_storage::space_id.eq(1i16),
            lamindb_storage::aux.eq(None::<JsonData>),
        ))
        .execute(c)?;
    if c.dialect() == Dialect::Postgres {
        // Seeded explicit ids do not advance identity sequences.
        for table in ["lamindb_space", "lamindb_branch"] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1)"
            ))
            .execute(c)?;
        }
    }
    Ok(user.id)
}

/// The branch the branch setting names for work in the current folder, else main.
fn current_branch(conn: &mut DbConnection, settings: &InstanceSettings) -> i32 {
    let main = crate::db::models::Branch::Main.id();
    current_context(conn, settings, crate::instance::settings::Context::Branch)
        .and_then(|id| i32::try_from(id).ok())
        .unwrap_or(main)
}

/// The space the space setting names for work in the current folder, else `all` (1).
fn current_space(conn: &mut DbConnection, settings: &InstanceSettings) -> i16 {
    current_context(conn, settings, crate::instance::settings::Context::Space)
        .and_then(|id| i16::try_from(id).ok())
        .unwrap_or(1)
}

/// The id of the record `context`'s setting names, if it is in this instance.
fn current_context(
    conn: &mut DbConnection,
    settings: &InstanceSettings,
    context: crate::instance::settings::Context,
) -> Option<i64> {
    use crate::instance::settings::Context;
    let (uid, name) = std::env::current_dir()
        .ok()
        .and_then(|cwd| context.current(settings, &cwd))?;
    let (table, what) = match context {
        Context::Branch => ("lamindb_branch", "branch"),
        Context::Space => ("lamindb_space", "space"),
    };
    let mut q = crate::db::rows::Sql::default();
    q.push(&format!(
        "SELECT CAST(id AS BIGINT) AS i0 FROM {table} WHERE uid = "
    ))
    .bind(crate::db::rows::Bind::Text(uid))
    .push(" ORDER BY id");
    let found = q.load_ints(conn).ok().and_then(|ids| ids.first().copied());
    if found.is_none() {
        tracing::warn!(
            "the current {what} '{name}' is not in this instance; using {}",
            context.default_name()
        );
    }
    found
}

impl Instance {
    /// Reports the progress of large uploads, downloads and validations to `sink`.
    pub fn set_progress(&self, sink: std::sync::Arc<dyn ProgressSink>) {
        *lock(&self.progress) = Some(sink);
    }

    /// A progress task of `total` units (none when no sink is installed or the work is
    /// below the unit's threshold).
    pub fn progress_task(
        &self,
        label: &str,
        total: u64,
        unit: crate::util::progress::Unit,
    ) -> Option<Box<dyn crate::util::progress::ProgressTask>> {
        let sink = lock(&self.progress).clone()?;
        (total >= unit.threshold()).then(|| sink.start(label, total, unit))
    }

    /// Runs `f` with a progress callback for a transfer of `total` bytes (none when no sink is
    /// installed or the transfer is small).
    pub fn with_progress<T>(
        &self,
        label: &str,
        total: u64,
        f: impl FnOnce(Option<&(dyn Fn(u64) + Sync)>) -> T,
    ) -> T {
        match self.progress_task(label, total, crate::util::progress::Unit::Bytes) {
            Some(task) => {
                let cb = move |done: u64| task.set(done);
                f(Some(&cb))
            }
            None => f(None),
        }
    }
}
