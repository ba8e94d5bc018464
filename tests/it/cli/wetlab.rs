//! pertdb (wetlab) registries through the standalone `lamin`.

use lamindb_tests::both;

use super::Env;

both!(pertdb_commands, |backend| {
    let env = Env::new(backend);
    env.init_with(&["--modules", "bionty,wetlab"]);
    let info = env.json(&["info"]);
    assert!(info.to_string().contains("pertdb"), "{info}");
    let c = env.json(&[
        "create",
        "wetlab.Compound",
        "dexamethasone",
        "--set",
        "ontology_id=CHEMBL384467",
        "--set",
        "synonyms=Decadron",
    ]);
    assert_eq!(c["created"], true);
    let bad = env.lamin(&[
        "create",
        "pertdb.GeneticPerturbation",
        "sgCD4",
        "--set",
        "type=CRISPR",
    ]);
    assert_eq!(bad.status.code(), Some(4));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("CRISPRi") && err.contains("transient-transfection"),
        "{err}"
    );
    env.ok(&[
        "create",
        "pertdb.GeneticPerturbation",
        "sgCD4",
        "--set",
        "type=CRISPRi",
    ]);
    let f = env.json(&[
        "create",
        "feature",
        "compound",
        "--dtype",
        "cat[wetlab.Compound]",
    ]);
    assert_eq!(f["dtype"], "cat[pertdb.Compound]");
    let data = env.write("plate.csv", b"well,compound\nA1,dex\n");
    env.ok(&["save", data.to_str().unwrap(), "--key", "screens/plate.csv"]);
    env.ok(&[
        "annotate",
        "--key",
        "screens/plate.csv",
        "--features",
        "compound=dexamethasone",
    ]);
    let listed = env.json(&[
        "list",
        "artifacts",
        "--filter",
        "compounds__name=dexamethasone",
    ]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let d = env.ok(&["describe", "--key", "screens/plate.csv"]);
    assert!(
        d.contains("pertdb.Compound") && d.contains("dexamethasone"),
        "{d}"
    );
    let found = env.json(&["list", "pertdb.compound"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
    let refused = env.lamin(&["create", "pertdb.Compound", "x", "--parent", "y"]);
    assert_eq!(refused.status.code(), Some(4));
});
