//! Storage for lamindb-rs: storage roots, content hashing, canonical suffixes and object IO.
//!
//! This crate is the one place that touches stored bytes. It knows nothing about SQL or registries:
//! `lamindb-core` asks it to hash, place, read and delete objects under a [`StorageRoot`].
//!
//! Hashes and suffixes are bit-exact with Python LaminDB (`lamindb_setup.core.hashing`,
//! `lamindb_setup.core.upath`), so that the same file gets the same `hash` and `suffix` in both.

pub mod aws_config;
mod error;
pub mod failpoint;
mod hash;
pub mod remote;
mod root;
mod suffix;

pub use error::{Error, Result};
pub use hash::{
    b64, dir_size, hash_dict, hash_dir, hash_dir_with_progress, hash_file, hash_from_etag,
    hash_from_gcs_etag, hash_from_hashes, hash_path, hash_set, hash_string, ContentHash, HashType,
    SIZE_LIMIT_MD5,
};
pub use remote::ObjectStat;
pub use root::{mtime_secs, StorageKind, StorageRoot};
pub use suffix::{canonical_suffix, is_known_suffix};

/// The names most callers need.
pub mod prelude {
    pub use crate::{hash_path, ContentHash, HashType, StorageKind, StorageRoot};
}
