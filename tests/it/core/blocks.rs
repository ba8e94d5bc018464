//! Readmes and comments of records (`<registry table>block`): a readme is versioned by its
//! text, comments are not; every annotated registry has them, branches included.

use lamindb_core::prelude::*;
use lamindb_core::records::blocks::BlockKind;
use lamindb_tests::{both, TestInstance};

both!(readmes_are_versioned_and_comments_accumulate, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    let path = t.dir.path().join("a.txt");
    std::fs::write(&path, "a").unwrap();
    let a = ln
        .artifacts()
        .save(NewArtifactSpec::with_key(path, "a.txt"))
        .unwrap()
        .artifact;
    let artifact = ln.catalog().registry("Artifact").unwrap();
    let host = i64::from(a.id);
    let first = ln
        .blocks()
        .add(artifact, host, BlockKind::Readme, "# Readme\n")
        .unwrap();
    assert!(first.created);
    assert_eq!(&first.uid[16..], "0000");
    // The same text is the same readme; another text its next version.
    let same = ln
        .blocks()
        .add(artifact, host, BlockKind::Readme, "# Readme\n")
        .unwrap();
    assert_eq!(
        same,
        lamindb_core::records::blocks::AddedBlock {
            uid: first.uid.clone(),
            created: false
        }
    );
    let second = ln
        .blocks()
        .add(artifact, host, BlockKind::Readme, "# Readme v2\n")
        .unwrap();
    assert_eq!(&second.uid[..16], &first.uid[..16]);
    assert_eq!(&second.uid[16..], "0001");
    ln.blocks()
        .add(artifact, host, BlockKind::Comment, "QC passed")
        .unwrap();
    ln.blocks()
        .add(artifact, host, BlockKind::Comment, "QC passed")
        .unwrap();
    let blocks = ln.blocks().of(artifact, host).unwrap();
    let kinds: Vec<(&str, &str)> = blocks
        .iter()
        .map(|(k, _, c)| (k.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("readme", "# Readme v2\n"),
            ("comment", "QC passed"),
            ("comment", "QC passed")
        ]
    );
    // Branches (the block lives on the branch it describes) and features have readmes too.
    let branch = ln.catalog().registry("Branch").unwrap();
    let b = ln
        .blocks()
        .add(branch, 1, BlockKind::Readme, "main branch")
        .unwrap();
    assert!(b.created);
    assert_eq!(ln.blocks().of(branch, 1).unwrap()[0].2, "main branch");
    let f = ln
        .features()
        .create(NewFeature::new("f", "int"))
        .unwrap()
        .record;
    let feature = ln.catalog().registry("Feature").unwrap();
    ln.blocks()
        .add(feature, f.id.into(), BlockKind::Readme, "about f")
        .unwrap();
    // A registry without a block table says so.
    let storage = ln.catalog().registry("Storage").unwrap();
    let e = ln
        .blocks()
        .add(storage, 1, BlockKind::Comment, "x")
        .unwrap_err();
    assert!(e.to_string().contains("no readme or comments"), "{e}");
});
