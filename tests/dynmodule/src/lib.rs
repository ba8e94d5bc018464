//! `dynlab`: a schema module built as a library (`cdylib`) and loaded by the prebuilt `lamin`
//! with `--module-path` — one registry (`dynlab.Plate`, two seeded plates) with a
//! feature-aware link to artifacts (`artifact.plates`). Feature `v2` builds its next version
//! (a `barcode` column and the migration that adds it).

#[cfg(not(any(feature = "abi-mismatch", feature = "v2")))]
lamindb_module_abi::export_module! {
    name: "dynlab",
    depends_on: "",
    registries_json: include_str!("../registries.json"),
    migrations: [
        ("2026-11-30-000000_create_plate",
         include_str!("../migrations/sqlite.sql"),
         include_str!("../migrations/postgres.sql")),
    ],
}

#[cfg(all(feature = "v2", not(feature = "abi-mismatch")))]
lamindb_module_abi::export_module! {
    name: "dynlab",
    depends_on: "",
    registries_json: include_str!("../registries_v2.json"),
    migrations: [
        ("2026-11-30-000000_create_plate",
         include_str!("../migrations/sqlite.sql"),
         include_str!("../migrations/postgres.sql")),
        ("2026-11-30-000001_add_barcode",
         include_str!("../migrations/sqlite_v2.sql"),
         include_str!("../migrations/postgres_v2.sql")),
    ],
}

/// A library built for another ABI version: the host must refuse it before reading more.
#[cfg(feature = "abi-mismatch")]
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn lamindb_module_abi_version() -> u32 {
    lamindb_module_abi::ABI_VERSION + 1
}
