//! The modules of one instance and the registries, relations and links they describe.

use std::collections::HashMap;

use crate::error::RegistryProblem;
use crate::meta::{
    core_module, FeatureColumn, LinkMeta, Module, ModuleRegistration, RegistryMeta, RelationMeta,
    ValueStore, Via, CORE_MODULE,
};
use crate::{Error, Result};

/// The modules a program can give its instances: those linked into it (collected with
/// `inventory`), or a set named explicitly by a test or an embedding application.
#[derive(Clone)]
pub struct ModuleSet {
    available: Vec<&'static dyn Module>,
}

impl std::fmt::Debug for ModuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.available.iter().map(|m| m.name()))
            .finish()
    }
}

impl Default for ModuleSet {
    fn default() -> Self {
        Self::linked()
    }
}

impl ModuleSet {
    /// Every module linked into this program (and, with feature `runtime-modules`, loaded from
    /// a library), core first.
    pub fn linked() -> Self {
        let mut available: Vec<&'static dyn Module> = inventory::iter::<ModuleRegistration>
            .into_iter()
            .map(|r| r.0)
            .collect();
        #[cfg(feature = "runtime-modules")]
        available.extend(crate::meta::runtime::loaded());
        available.sort_by_key(|m| (m.name() != CORE_MODULE, m.name()));
        available.dedup_by_key(|m| m.name());
        ModuleSet { available }
    }

    /// The core registries only; add modules with [`ModuleSet::with`].
    pub fn core() -> Self {
        ModuleSet {
            available: vec![core_module()],
        }
    }

    /// This set and `module`.
    pub fn with(mut self, module: &'static dyn Module) -> Self {
        if self.find(module.name()).is_none() {
            self.available.push(module);
        }
        self
    }

    /// The modules, core first.
    pub fn modules(&self) -> Vec<&'static dyn Module> {
        self.available.clone()
    }

    /// The module called `name` (or one of its aliases).
    pub fn find(&self, name: &str) -> Option<&'static dyn Module> {
        self.available
            .iter()
            .copied()
            .find(|m| m.name() == name || m.aliases().contains(&name))
    }

    /// The name a module is stored under: `pertdb` for `wetlab`; unknown names unchanged.
    pub fn canonical(&self, name: &str) -> String {
        self.find(name)
            .map_or_else(|| name.to_owned(), |m| m.name().to_owned())
    }

    /// The modules of an instance that uses `names` (core always first), checking that each is
    /// available and its dependencies are used too.
    pub(crate) fn resolve(&self, slug: &str, names: &[String]) -> Result<Vec<&'static dyn Module>> {
        let mut out = vec![self.find(CORE_MODULE).unwrap_or_else(core_module)];
        for name in names {
            if name == CORE_MODULE
                || out
                    .iter()
                    .any(|m| m.name() == name || m.aliases().contains(&name.as_str()))
            {
                continue;
            }
            let m = self.find(name).ok_or_else(|| Error::MissingModule {
                instance: slug.to_owned(),
                module: name.clone(),
            })?;
            for dep in m.depends_on() {
                if *dep != CORE_MODULE && !names.iter().any(|n| self.canonical(n) == *dep) {
                    return Err(Error::Validation(format!(
                        "module '{name}' needs module '{dep}'; use both ({dep},{name})"
                    )));
                }
            }
            out.push(m);
        }
        // Dependencies first (migrations run in this order): a stable topological sort, since
        // users list modules in any order (`wetlab,bionty`).
        let mut ordered: Vec<&'static dyn Module> = Vec::with_capacity(out.len());
        while ordered.len() < out.len() {
            let next = out
                .iter()
                .copied()
                .find(|m| {
                    !ordered.iter().any(|o| o.name() == m.name())
                        && m.depends_on()
                            .iter()
                            .all(|d| *d == CORE_MODULE || ordered.iter().any(|o| o.name() == *d))
                })
                .ok_or_else(|| {
                    Error::Validation(
                        "the instance's modules depend on each other in a cycle".into(),
                    )
                })?;
            ordered.push(next);
        }
        Ok(ordered)
    }
}

/// The registries of one instance's modules, and everything generic code derives from their
/// descriptions: relations in both directions of every link, label links, value stores.
#[derive(Debug)]
pub struct Catalog {
    modules: Vec<&'static str>,
    /// `(alias, module)` for module aliases (`wetlab` → `pertdb`).
    aliases: Vec<(&'static str, &'static str)>,
    available: Vec<&'static str>,
    registries: Vec<&'static RegistryMeta>,
    by_table: HashMap<&'static str, &'static RegistryMeta>,
    links: Vec<&'static LinkMeta>,
}

impl Catalog {
    /// The catalog of `modules` (an instance's, as resolved when it opens); `available` names
    /// the modules the program could have given it, for error messages.
    pub fn new(modules: &[&'static dyn Module], available: &ModuleSet) -> Catalog {
        let registries: Vec<&'static RegistryMeta> = modules
            .iter()
            .flat_map(|m| m.registries().iter().copied())
            .collect();
        let by_table = registries.iter().map(|r| (r.table, *r)).collect();
        let links = registries.iter().flat_map(|r| r.links.iter()).collect();
        Catalog {
            modules: modules.iter().map(|m| m.name()).collect(),
            aliases: modules
                .iter()
                .flat_map(|m| m.aliases().iter().map(move |a| (*a, m.name())))
                .collect(),
            available: available.available.iter().map(|m| m.name()).collect(),
            registries,
            by_table,
            links,
        }
    }

    /// The modules, core first.
    pub fn modules(&self) -> &[&'static str] {
        &self.modules
    }

    /// Every registry, core first.
    pub fn registries(&self) -> impl Iterator<Item = &'static RegistryMeta> + '_ {
        self.registries.iter().copied()
    }

    /// Every link table.
    pub fn links(&self) -> impl Iterator<Item = &'static LinkMeta> + '_ {
        self.links.iter().copied()
    }

    /// The registry stored in `table`.
    pub fn by_table(&self, table: &str) -> Option<&'static RegistryMeta> {
        self.by_table.get(table).copied()
    }

    /// The registry called `name` as Python writes it (`ULabel`, `bionty.CellType`; case is
    /// ignored), if the instance has it.
    pub fn find(&self, name: &str) -> Option<&'static RegistryMeta> {
        let name = self.unalias(name);
        self.registries()
            .find(|r| r.name.eq_ignore_ascii_case(&name))
    }

    /// `name` with a module alias replaced by the module's name (`wetlab.Compound` →
    /// `pertdb.Compound`).
    fn unalias(&self, name: &str) -> String {
        match name.split_once('.') {
            Some((m, rest)) => match self.aliases.iter().find(|(a, _)| a.eq_ignore_ascii_case(m)) {
                Some((_, module)) => format!("{module}.{rest}"),
                None => name.to_owned(),
            },
            None => name.to_owned(),
        }
    }

    /// The registry called `name`; the error says whether its module is missing from the
    /// instance or from the program.
    pub fn registry(&self, name: &str) -> Result<&'static RegistryMeta> {
        if let Some(r) = self.find(name) {
            return Ok(r);
        }
        let module = name.split_once('.').map(|(m, _)| m.to_ascii_lowercase());
        let problem = match &module {
            Some(m) if self.modules.iter().any(|n| n == m) => RegistryProblem::Unknown,
            Some(m) if self.available.iter().any(|n| n == m) => RegistryProblem::ModuleNotUsed,
            Some(_) => RegistryProblem::ModuleNotLinked,
            None => RegistryProblem::Unknown,
        };
        let mut known: Vec<String> = self.registries().map(|r| r.name.to_owned()).collect();
        known.sort_unstable();
        Err(Error::UnknownRegistry {
            name: name.to_owned(),
            module,
            problem,
            known,
        })
    }

    /// The to-many relations of `meta`: reverse foreign keys, then both ends of every link
    /// table of any module that touches it.
    pub fn relations(&self, meta: &RegistryMeta) -> Vec<RelationMeta> {
        let mut out: Vec<RelationMeta> = meta
            .reverse_keys
            .iter()
            .map(|k| RelationMeta {
                name: k.name,
                target: k.table,
                via: Via::Reverse { column: k.column },
            })
            .collect();
        for link in self.links() {
            if link.host == meta.table {
                out.push(RelationMeta {
                    name: link.accessor,
                    target: link.value,
                    via: Via::Link {
                        link,
                        source: link.host_column,
                        target: link.value_column,
                    },
                });
            }
            if let (true, Some(reverse)) = (link.value == meta.table, link.reverse) {
                out.push(RelationMeta {
                    name: reverse,
                    target: link.host,
                    via: Via::Link {
                        link,
                        source: link.value_column,
                        target: link.host_column,
                    },
                });
            }
        }
        out
    }

    /// The to-many relation of `meta` called `name`.
    pub fn relation(&self, meta: &RegistryMeta, name: &str) -> Option<RelationMeta> {
        self.relations(meta).into_iter().find(|r| r.name == name)
    }

    /// Every name a lookup on `meta` may start with: fields, to-one and to-many relations and
    /// aliases.
    pub fn lookup_names(&self, meta: &RegistryMeta) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = meta.fields.iter().map(|f| f.name).collect();
        names.extend(meta.fields.iter().filter_map(|f| match f.field_type {
            crate::meta::FieldType::ForeignKey(_) => f.name.strip_suffix("_id"),
            _ => None,
        }));
        names.extend(self.relations(meta).iter().map(|r| r.name));
        names.extend(meta.aliases.iter().map(|a| a.0));
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The label links of `host`: the tables that annotate its rows with labels of any registry.
    pub fn label_links(&self, host: &RegistryMeta) -> impl Iterator<Item = &'static LinkMeta> + '_ {
        let table = host.table;
        self.links().filter(move |l| l.label && l.host == table)
    }

    /// The link that annotates `host` rows with `value` rows. With `for_feature`, the link that
    /// stores values of a categorical feature (`feature_id` required where a registry keeps
    /// feature values apart from plain labels, as records do); without, the link for plain
    /// labels (`feature_id` absent or optional).
    pub fn label_link(
        &self,
        host: &RegistryMeta,
        value: &RegistryMeta,
        for_feature: bool,
    ) -> Option<&'static LinkMeta> {
        let candidates = || self.label_links(host).filter(|l| l.value == value.table);
        if for_feature {
            candidates()
                .find(|l| l.feature == FeatureColumn::Required)
                .or_else(|| candidates().find(|l| l.feature == FeatureColumn::Optional))
        } else {
            candidates().find(|l| l.feature != FeatureColumn::Required)
        }
    }

    /// Where simple feature values of `host` rows live, resolved: the link to the shared value
    /// registry, or the host's own value table.
    pub fn value_store(&self, host: &RegistryMeta) -> Option<Values> {
        match host.values? {
            ValueStore::Link(accessor) => self
                .links()
                .find(|l| l.host == host.table && l.accessor == accessor)
                .map(Values::Shared),
            ValueStore::Own { table, host_column } => Some(Values::Own { table, host_column }),
        }
    }
}

/// [`ValueStore`] with its link resolved.
#[derive(Debug, Clone, Copy)]
pub enum Values {
    /// Shared value rows (`link.value`, with `value`, `hash` and `feature_id`) linked to hosts.
    Shared(&'static LinkMeta),
    /// One row per host and feature.
    Own {
        /// The value table.
        table: &'static str,
        /// Column holding the host's id.
        host_column: &'static str,
    },
}

impl Values {
    /// The value rows with their hosts, for SQL: a `FROM` clause whose value rows are named
    /// `v` (with `value` and `feature_id`), and the column expression holding the host's id.
    pub fn source(&self) -> (String, String) {
        match *self {
            Values::Own { table, host_column } => {
                (format!("\"{table}\" v"), format!("v.\"{host_column}\""))
            }
            Values::Shared(link) => (
                format!(
                    "\"{}\" k JOIN \"{}\" v ON v.\"id\" = k.\"{}\"",
                    link.table, link.value, link.value_column
                ),
                format!("k.\"{}\"", link.host_column),
            ),
        }
    }
}
