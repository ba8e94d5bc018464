//! uids, bit-exact with Python LaminDB (`lamindb.base.uids`, `lamin_utils._base62`).
//!
//! Two base62 alphabets are in use: random uids draw from `0-9a-zA-Z`; version counters and
//! md5-derived uids use `0-9A-Za-z`. Version suffixes must therefore be compared by decoding
//! them here, never by SQL ordering.

use md5::{Digest, Md5};
use rand::Rng;

use crate::{Error, Result};

/// Alphabet of random uids (digits, lower case, upper case).
pub const RANDOM_ALPHABET: &[u8; 62] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Alphabet of `lamin_utils._base62` (digits, upper case, lower case).
pub const BASE62_ALPHABET: &[u8; 62] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A random uid of `n` characters from a CSPRNG.
pub fn random(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| RANDOM_ALPHABET[rng.random_range(0..62)] as char)
        .collect()
}

fn digit(c: u8) -> Option<u64> {
    BASE62_ALPHABET
        .iter()
        .position(|&a| a == c)
        .map(|p| p as u64)
}

/// Checks that `uid_or_prefix` can be a uid or uid prefix: non-empty, letters and digits only
/// (so it is safe in a prefix pattern).
pub fn check_uid_prefix(uid_or_prefix: &str) -> Result<()> {
    if uid_or_prefix.is_empty() || !uid_or_prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::Validation(format!(
            "'{uid_or_prefix}' is not a uid: uids are letters and digits"
        )));
    }
    Ok(())
}

/// Decodes a version counter (`0-9A-Za-z` alphabet).
pub fn decode_base62(s: &str) -> Result<u64> {
    s.bytes().try_fold(0u64, |acc, c| {
        let d = digit(c)
            .ok_or_else(|| Error::Validation(format!("'{s}' is not a base62 version counter")))?;
        acc.checked_mul(62)
            .and_then(|v| v.checked_add(d))
            .ok_or_else(|| Error::Validation(format!("version counter '{s}' is too large")))
    })
}

/// Encodes `n` with at least `min_len` characters (`0-9A-Za-z` alphabet).
pub fn encode_base62(mut n: u64, min_len: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62_ALPHABET[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < min_len {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

/// The next version counter after `s`, as `lamin_utils._base62.increment_base62`.
/// Fails when the counter would no longer fit its width (`zzzz` is the last 4-char counter).
pub fn increment_base62(s: &str) -> Result<String> {
    let next = encode_base62(decode_base62(s)? + 1, s.len());
    if next.len() > s.len() {
        return Err(Error::Conflict(format!(
            "version counter '{s}' is exhausted: the family has no room for another version"
        )));
    }
    Ok(next)
}

/// `lamin_utils._base62.encodebytes`: big-endian integer in base62 (`0-9A-Za-z`), leading zero
/// bytes written as `0` followed by a count character.
pub fn encode_bytes(bytes: &[u8]) -> String {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let mut out = String::new();
    let (n, r) = (zeros / 61, zeros % 61);
    for _ in 0..n {
        out.push('0');
        out.push(BASE62_ALPHABET[61] as char);
    }
    if r > 0 {
        out.push('0');
        out.push(BASE62_ALPHABET[r] as char);
    }
    if zeros == bytes.len() {
        return out;
    }
    // Repeated division of the big-endian number by 62.
    let mut num: Vec<u8> = bytes[zeros..].to_vec();
    let mut digits = Vec::new();
    while !num.is_empty() {
        let mut rem = 0u32;
        let mut next = Vec::with_capacity(num.len());
        for &b in &num {
            let acc = rem * 256 + b as u32;
            let q = acc / 62;
            rem = acc % 62;
            if !(next.is_empty() && q == 0) {
                next.push(q as u8);
            }
        }
        digits.push(BASE62_ALPHABET[rem as usize]);
        num = next;
    }
    digits.reverse();
    out.push_str(std::str::from_utf8(&digits).expect("ascii"));
    out
}

/// The first `n` characters of `encode_bytes(md5(s))`: the deterministic uids of bionty records
/// (n = 14), bionty sources (n = 8) and instances (n = 12, over the id's hex).
pub fn md5_uid(s: &str, n: usize) -> String {
    let mut encoded = encode_bytes(&Md5::digest(s.as_bytes()));
    encoded.truncate(n);
    encoded
}

/// The instance id of a local instance: `uuid5(NAMESPACE_URL, "owner/name")`.
pub fn instance_id(owner: &str, name: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("{owner}/{name}").as_bytes(),
    )
}

/// The instance uid: the first 12 characters of base62(md5(id.hex)).
pub fn instance_uid(id: &uuid::Uuid) -> String {
    md5_uid(&id.simple().to_string(), 12)
}

/// Length of an artifact/collection uid stem.
pub const ARTIFACT_STEM_LEN: usize = 16;
/// Length of a transform uid stem.
pub const TRANSFORM_STEM_LEN: usize = 12;
/// Length of the version counter at the end of a versioned uid.
pub const VERSION_LEN: usize = 4;

/// A new versioned uid: a random stem of `stem_len` plus `0000`.
pub fn new_versioned(stem_len: usize) -> String {
    format!("{}{}", random(stem_len), "0".repeat(VERSION_LEN))
}

/// The uid of the next version in a family, given the uids of its members.
pub fn next_version<'a>(stem: &str, family: impl IntoIterator<Item = &'a str>) -> Result<String> {
    let mut max: Option<u64> = None;
    let mut max_str = String::new();
    for uid in family {
        let suffix = &uid[uid.len().saturating_sub(VERSION_LEN)..];
        let v = decode_base62(suffix)?;
        if max.is_none_or(|m| v > m) {
            max = Some(v);
            max_str = suffix.to_owned();
        }
    }
    let suffix = match max {
        Some(_) => increment_base62(&max_str)?,
        None => "0".repeat(VERSION_LEN),
    };
    Ok(format!("{stem}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_vectors() {
        let id = instance_id("anonymous", "data");
        assert!(id.simple().to_string().starts_with("e137f67e"), "{id}");
        assert_eq!(instance_uid(&id), "20y5jjSJFsk4");
        assert_eq!(md5_uid("CL:0000084", 14), "22LvKd01YyNA1a");
        // bionty Source uid: md5 of entity + name + organism + version, concatenated.
        assert_eq!(md5_uid("bionty.CellTypeclall2025-12-17", 8), "6Z0wRdof");
        assert_eq!(md5_uid("bionty.CellTypeclall2024-08-16", 8), "3Uw2Va7a");
        assert_eq!(md5_uid("a", 30), "O4JnVAW7VB396ejuUkfnl");
        assert_eq!(md5_uid("ID:272", 30), "011Cm9fPR1ZwZTVlyruz1uq");
    }

    #[test]
    fn increments_like_lamin_utils() {
        assert_eq!(increment_base62("0000").unwrap(), "0001");
        assert_eq!(increment_base62("0009").unwrap(), "000A");
        assert_eq!(increment_base62("000Z").unwrap(), "000a");
        assert_eq!(increment_base62("000z").unwrap(), "0010");
        assert!(increment_base62("zzzz").is_err());
        assert_eq!(
            next_version("abc", ["abc0000", "abc000a", "abc000Z"]).unwrap(),
            "abc000b"
        );
        assert_eq!(next_version("abc", std::iter::empty()).unwrap(), "abc0000");
    }

    #[test]
    fn encode_bytes_leading_zeros() {
        assert_eq!(encode_bytes(&[0, 0, 1]), "021");
        assert_eq!(encode_bytes(&[0]), "01");
        assert_eq!(encode_bytes(&[]), "");
        assert_eq!(encode_bytes(&[1, 0]), "48"); // 256 = 4*62 + 8
    }

    proptest! {
        #[test]
        fn base62_round_trip(n in 0u64..(62u64.pow(6))) {
            let s = encode_base62(n, 4);
            prop_assert_eq!(decode_base62(&s).unwrap(), n);
        }

        #[test]
        fn increment_is_plus_one(n in 0u64..(62u64.pow(4) - 1)) {
            let s = encode_base62(n, 4);
            prop_assert_eq!(decode_base62(&increment_base62(&s).unwrap()).unwrap(), n + 1);
        }

        #[test]
        fn random_uids_use_the_alphabet(n in 1usize..32) {
            let u = random(n);
            prop_assert_eq!(u.len(), n);
            prop_assert!(u.bytes().all(|b| RANDOM_ALPHABET.contains(&b)));
        }
    }
}
