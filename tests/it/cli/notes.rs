//! Markdown notes in a development folder saved as records with a readme (`lamin save
//! topic/note.md`), renamed through the uid in their front matter, loaded back; README.md as
//! an artifact plus a README block.

use lamindb_tests::{both, lamin_bin};

use super::*;

/// `lamin ARGS` in the instance's folder (its development folder, as `init` made it).
fn run(env: &Env, args: &[&str]) -> Output {
    let mut cmd = env.command(lamin_bin());
    cmd.args(args);
    cmd.output().unwrap()
}

both!(notes_are_records_with_a_versioned_readme, |backend| {
    let env = Env::new(backend);
    env.init();
    env.ok(&["create", "record", "Blog", "--is-type"]);
    let note = env.write("blog/first-post.md", b"# First\n\nhello\n");

    let out = env.ok(&["save", note.to_str().unwrap()]);
    assert!(out.contains("saved note content: RecordBlock('"), "{out}");
    // The file now names its record; the stored text does not.
    let text = std::fs::read_to_string(&note).unwrap();
    let record = env.json(&["describe", "record", "--name", "first-post"]);
    let uid = record["uid"].as_str().unwrap().to_owned();
    assert_eq!(
        text,
        format!("---\nlamindb:\n  uid: {uid}\n---\n\n# First\n\nhello\n")
    );
    assert_eq!(record["is_type"], true);

    // An unchanged save adds no version; a changed one does.
    let again: Value = env.json(&["save", note.to_str().unwrap()]);
    assert_eq!(again["created_block"], false);
    std::fs::write(&note, text.replace("hello", "hello again")).unwrap();
    let v2 = env.json(&["save", note.to_str().unwrap()]);
    assert_eq!(v2["created_block"], true);
    assert_eq!(&v2["block"].as_str().unwrap()[16..], "0001");

    // Renaming the file renames the record (the uid in the front matter wins).
    let renamed = env.dir.path().join("blog/post-one.md");
    std::fs::rename(&note, &renamed).unwrap();
    let out = env.ok(&["save", renamed.to_str().unwrap()]);
    assert!(
        out.contains("renamed record: first-post → post-one"),
        "{out}"
    );
    assert_eq!(
        env.json(&["describe", "record", "--name", "post-one"])["uid"],
        uid.as_str()
    );

    // Loaded back into the folder of its type (named as the type is), with its uid.
    std::fs::remove_file(&renamed).unwrap();
    let out = env.ok(&["load", "blog/post-one"]);
    assert!(out.contains("note is here:"), "{out}");
    let back = std::fs::read_to_string(env.dir.path().join("Blog/post-one.md")).unwrap();
    assert!(
        back.contains(&format!("uid: {uid}")) && back.contains("hello again"),
        "{back}"
    );

    // A missing type, an unknown uid and a name clash fail as lamin-cli fails: exit 1.
    let lost = env.write("nope/x.md", b"# x\n");
    let out = run(&env, &["save", lost.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Record type 'nope' not found"));
    let ghost = env.write(
        "blog/ghost.md",
        b"---\nlamindb:\n  uid: missinguid0000\n---\n# g\n",
    );
    let out = run(&env, &["save", ghost.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    let other = env.write("blog/other.md", b"# other\n");
    env.ok(&["save", other.to_str().unwrap()]);
    std::fs::write(&other, &back).unwrap();
    let out = run(&env, &["save", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Cannot rename record"));
});

both!(readme_is_an_artifact_and_a_block, |backend| {
    let env = Env::new(backend);
    env.init();
    let readme = env.write("README.md", b"# Project\n\nv1\n");
    let out = env.ok(&["save", readme.to_str().unwrap()]);
    assert!(out.contains("saved README block"), "{out}");
    let first = env.json(&["save", readme.to_str().unwrap()]);
    assert_eq!(first["key"], "README.md");
    let b1 = first["readme_block"].as_str().unwrap().to_owned();
    std::fs::write(&readme, b"# Project\n\nv2\n").unwrap();
    let second = env.json(&["save", readme.to_str().unwrap()]);
    let b2 = second["readme_block"].as_str().unwrap();
    assert_eq!(b1[..16], b2[..16], "a new version of the README block");
    assert_eq!((&b1[16..], &b2[16..]), ("0000", "0001"));
    std::fs::remove_file(&readme).unwrap();
    env.ok(&["load", "README.md"]);
    assert_eq!(std::fs::read(&readme).unwrap(), b"# Project\n\nv2\n");
});

// Six processes save the same new note at once: one record, one readme, one uid in the file.
both!(parallel_saves_of_a_note_make_one_record, |backend| {
    let env = Env::new(backend);
    env.init();
    env.ok(&["create", "record", "Lab", "--is-type"]);
    let note = env.write("lab/meeting.md", b"# Meeting\n\nagenda\n");
    let outputs: Vec<Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| s.spawn(|| run(&env, &["--json", "save", note.to_str().unwrap()])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut records = Vec::new();
    let mut blocks = Vec::new();
    for o in &outputs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let j: Value = serde_json::from_slice(&o.stdout).unwrap();
        records.push(j["record"].as_str().unwrap().to_owned());
        blocks.push(j["block"].as_str().unwrap().to_owned());
    }
    records.dedup();
    blocks.dedup();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(blocks.len(), 1, "{blocks:?}");
    let text = std::fs::read_to_string(&note).unwrap();
    assert_eq!(text.matches("uid:").count(), 1, "{text}");
    assert!(text.contains(&records[0]), "{text}");
});
