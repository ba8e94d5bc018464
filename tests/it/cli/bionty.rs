//! `lamin bionty …` and bionty registries through the generic verbs, with the standalone
//! `lamin` on the real shared ontologies.

use lamindb_tests::{both, shared_data};

use super::Env;

fn cl() -> String {
    shared_data()
        .join("ontologies/cl.obo")
        .to_string_lossy()
        .into_owned()
}

both!(bionty_commands, |backend| {
    let env = Env::new(backend);
    env.init_with(&["--modules", "bionty"]);
    let r = env.json(&["bionty", "import", "CellType", "--file", &cl()]);
    assert_eq!(r["read"], 3324);
    assert_eq!(r["inserted"], 3324);
    assert_eq!(r["parent_links"], 4633);
    assert_eq!(r["source"]["version"], "2026-03-26");
    let again = env.json(&["bionty", "import", "celltype", "--file", &cl()]);
    assert_eq!(again["inserted"], 0);

    let sources = env.json(&["bionty", "sources", "CellType"]);
    let sources = sources.as_array().unwrap();
    assert!(sources
        .iter()
        .any(|s| s["in_db"] == true && s["version"] == "2026-03-26"));
    assert!(sources
        .iter()
        .any(|s| s["currently_used"] == true && s["uid"] == "dq7QgcSP"));

    // validate: exit 4 with the non-validated values and their synonyms; 0 when all validate.
    let out = env.lamin(&[
        "--json", "bionty", "validate", "CellType", "T cell", "t cell", "T-cell", "zzz",
    ]);
    assert_eq!(out.status.code(), Some(4));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["non_validated"],
        serde_json::json!(["t cell", "T-cell", "zzz"])
    );
    assert_eq!(v["synonyms"]["T-cell"], "T cell");
    let text = env.lamin(&["bionty", "validate", "CellType", "T cell", "zzz"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("1 unique term (50.00%) is not validated for name: 'zzz'"),
        "{text}"
    );
    let ok = env.lamin(&[
        "bionty",
        "validate",
        "CellType",
        "--field",
        "ontology_id",
        "CL:0000084",
    ]);
    assert_eq!(ok.status.code(), Some(0));
    // Values the registry lacks, looked up in a public source file (another ontology here):
    // found as names, or not at all.
    let hsapdv = shared_data().join("ontologies/hsapdv.obo");
    let out = env.lamin(&[
        "--json",
        "bionty",
        "validate",
        "DevelopmentalStage",
        "Carnegie stage 01",
        "zzz",
        "--file",
        hsapdv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let public = v["in_public_source"].as_array().unwrap();
    assert!(public.iter().any(|x| x == "Carnegie stage 01"), "{v}");
    assert!(!public.iter().any(|x| x == "zzz"), "{v}");
    let text = env.lamin(&[
        "bionty",
        "validate",
        "DevelopmentalStage",
        "Carnegie stage 01",
        "--file",
        hsapdv.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(
            "detected 1 DevelopmentalStage term in public source for name: 'Carnegie stage 01'"
        ),
        "{text}"
    );
    let std = env.json(&[
        "bionty",
        "standardize",
        "CellType",
        "t cell",
        "T-cell",
        "zzz",
    ]);
    assert_eq!(
        std["values"],
        serde_json::json!(["T cell", "T cell", "zzz"])
    );

    // parents in every format.
    let g = env.json(&[
        "bionty",
        "parents",
        "CellType",
        "CL:0000084",
        "--depth",
        "1",
        "--format",
        "json",
    ]);
    let names: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"lymphocyte"), "{names:?}");
    let dot = env.ok(&["bionty", "parents", "CellType", "T cell", "--format", "dot"]);
    assert!(
        dot.starts_with("digraph") && dot.contains("\"22LvKd01YyNA1a\" -> "),
        "{dot}"
    );
    let mermaid = env.ok(&[
        "bionty", "parents", "CellType", "T cell", "--format", "mermaid", "--depth", "2",
    ]);
    assert!(
        mermaid.starts_with("flowchart BT") && mermaid.contains("22LvKd01YyNA1a -->"),
        "{mermaid}"
    );
    let svg = env.ok(&["bionty", "parents", "CellType", "T cell", "--format", "svg"]);
    assert!(
        svg.starts_with("<svg") && svg.contains("lymphocyte (CL:0000542)"),
        "{svg}"
    );
    let kids = env.ok(&[
        "bionty",
        "parents",
        "CellType",
        "CL:0000084",
        "--children",
        "--depth",
        "1",
    ]);
    assert!(kids.contains("alpha-beta T cell"), "{kids}");
    let missing = env.lamin(&["bionty", "parents", "CellType", "no such cell"]);
    assert_eq!(missing.status.code(), Some(3));

    // The generic verbs on a bionty registry.
    env.ok(&[
        "create",
        "feature",
        "cell_type",
        "--dtype",
        "cat[bionty.CellType]",
    ]);
    let data = env.write("cells.csv", b"cell\nT\n");
    env.ok(&["save", data.to_str().unwrap(), "--key", "data/cells.csv"]);
    env.ok(&[
        "annotate",
        "--key",
        "data/cells.csv",
        "--features",
        "cell_type=T cell",
    ]);
    let listed = env.json(&[
        "list",
        "artifacts",
        "--filter",
        "cell_types__ontology_id=CL:0000084",
    ]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let described = env.ok(&["describe", "--key", "data/cells.csv"]);
    let line = described
        .lines()
        .find(|l| l.contains(".cell_types"))
        .unwrap_or_default();
    assert!(
        line.contains("bionty.CellType") && line.contains("T cell"),
        "{described}"
    );
    let found = env.json(&[
        "list",
        "bionty.celltype",
        "--filter",
        "name__icontains=T cell",
    ]);
    assert!(found.as_array().unwrap().len() > 10);
    let bad = env.lamin(&[
        "annotate",
        "--key",
        "data/cells.csv",
        "--features",
        "cell_type=T-cells of doom",
    ]);
    assert_eq!(bad.status.code(), Some(4));

    // Custom terms and any record by uid.
    let made = env.json(&[
        "create",
        "bionty.CellType",
        "my T cell",
        "--parent",
        "T cell",
        "--synonym",
        "mine",
    ]);
    assert_eq!(made["created"], true);
    assert_eq!(made["parent_links"], 1);
    let d = env.ok(&[
        "describe",
        "bionty.celltype",
        "--uid",
        made["uid"].as_str().unwrap(),
    ]);
    assert!(
        d.contains(".parents: T cell") && d.contains("synonyms: mine"),
        "{d}"
    );
    let d = env.json(&["describe", "bionty.CellType", "--uid", "22LvKd01YyNA1a"]);
    assert!(
        d["children"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "my T cell"),
        "{d}"
    );
    let refused = env.lamin(&["create", "bionty.CellType", "x", "--dtype", "int"]);
    assert_eq!(refused.status.code(), Some(4));
    let hits = env.json(&["search", "bionty.celltype", "T cell"]);
    assert_eq!(
        hits.as_array().unwrap()[0]["uid"],
        "22LvKd01YyNA1a",
        "{hits}"
    );

    // Without a file the source's URL is used; offline, the error names it and the way out.
    let offline = env.lamin_with(
        &["bionty", "import", "Disease"],
        &[
            ("HTTP_PROXY", "http://127.0.0.1:9"),
            ("HTTPS_PROXY", "http://127.0.0.1:9"),
        ],
    );
    assert_ne!(offline.status.code(), Some(0));
    let err = String::from_utf8_lossy(&offline.stderr);
    assert!(err.contains("mondo") && err.contains("--file"), "{err}");
});

both!(parallel_imports_of_one_source_import_it_once, |backend| {
    let env = Env::new(backend);
    env.init_with(&["--modules", "bionty"]);
    // Four `lamin` processes import the same file (a version the catalogue lacks) at once, and
    // two more add the same custom term.
    let mut children: Vec<std::process::Child> = (0..4)
        .map(|_| {
            env.command(lamindb_tests::lamin_bin())
                .args(["bionty", "import", "CellType", "--file", &cl()])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children.extend((0..2).map(|_| {
        env.command(lamindb_tests::lamin_bin())
            .args(["create", "bionty.CellType", "lab cell"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }));
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let again = env.json(&["bionty", "import", "CellType", "--file", &cl()]);
    assert_eq!(
        (again["inserted"].as_u64(), again["parent_links"].as_u64()),
        (Some(0), Some(0))
    );
    let all = env.json(&["list", "bionty.celltype", "--limit", "10000"]);
    assert_eq!(
        all.as_array().unwrap().len(),
        3325,
        "3,324 terms and one custom term"
    );
    let sources = env.json(&["bionty", "sources", "CellType"]);
    let v = sources
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["version"] == "2026-03-26")
        .count();
    assert_eq!(v, 1, "one source row for the file's version: {sources}");
});
