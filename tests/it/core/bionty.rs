//! The bionty module on real ontologies and gene tables (`../shared/data`), on SQLite and
//! Postgres: Python's tables and sources, imports with their counts and hierarchy, validation,
//! and bionty registries used like any other (features, filters, describe).

use std::io::Read;
use std::path::{Path, PathBuf};

use bionty::sources::{self, SourceQuery};
use bionty::{import_source, Entity, ImportOptions, Input};
use lamindb_core::prelude::*;
use lamindb_core::query::hierarchy::Walk;
use lamindb_curate::values::Vocabulary;
use lamindb_tests::{both, shared_data, TestInstance};
use serde_json::Value;

fn ontology(name: &str) -> PathBuf {
    shared_data().join("ontologies").join(name)
}

fn import(t: &TestInstance, entity: Entity, file: &Path) -> bionty::ImportReport {
    let mut opts = ImportOptions::new(entity);
    opts.input = Some(Input::File(file.to_path_buf()));
    import_source(&t.inst, &opts).unwrap()
}

fn count(t: &TestInstance, table: &str) -> i64 {
    let mut sql = lamindb_core::db::rows::Sql::default();
    sql.push(&format!("SELECT COUNT(*) AS i0 FROM \"{table}\""));
    sql.load_ints(&mut t.inst.conn()).unwrap()[0]
}

fn id_of(t: &TestInstance, entity: Entity, field: &str, value: &str) -> i64 {
    t.inst
        .query_registry(entity.name())
        .unwrap()
        .filter(Q::new(field, value))
        .ids()
        .unwrap()[0]
}

fn python_expected() -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python-bionty");
    serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap()
}

both!(init_seeds_the_sources_python_seeds, |backend| {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    let ours = sources::list(&mut t.inst.conn(), &SourceQuery::default()).unwrap();
    let expected = python_expected();
    let theirs = expected["bionty_source"].as_array().unwrap();
    assert_eq!(ours.len(), theirs.len());
    for p in theirs {
        let s = ours
            .iter()
            .find(|s| s.uid == p["uid"].as_str().unwrap())
            .unwrap_or_else(|| panic!("no source with uid {}", p["uid"]));
        assert_eq!(s.entity, p["entity"].as_str().unwrap());
        assert_eq!(s.name, p["name"].as_str().unwrap());
        assert_eq!(s.organism, p["organism"].as_str().unwrap());
        assert_eq!(s.version, p["version"].as_str().unwrap());
        assert_eq!(s.currently_used, p["currently_used"] == 1, "{}", s.uid);
        assert!(!s.in_db);
        assert_eq!(s.description.as_deref(), p["description"].as_str());
        assert_eq!(s.url.as_deref(), p["url"].as_str());
    }
    // Python sees the module's migrations.
    let mut sql = lamindb_core::db::rows::Sql::default();
    sql.push("SELECT COUNT(*) AS i0 FROM django_migrations WHERE app = 'bionty'");
    assert_eq!(sql.load_ints(&mut t.inst.conn()).unwrap(), [3]);
});

/// (file, entity, live terms of the source's prefix, parent links, terms without a parent)
/// as an independent reading of each file gives them.
const ONTOLOGIES: &[(&str, Entity, usize, usize, i64)] = &[
    ("cl.obo", Entity::CellType, 3324, 4633, 9),
    ("uberon.obo.gz", Entity::Tissue, 14971, 31692, 3),
    ("mondo.obo.gz", Entity::Disease, 27990, 41908, 4),
    ("efo.obo.gz", Entity::ExperimentalFactor, 13451, 12938, 2643),
    ("pato.obo", Entity::Phenotype, 1887, 2227, 1),
    ("hsapdv.obo", Entity::DevelopmentalStage, 239, 475, 1),
    ("hancestro.obo", Entity::Ethnicity, 589, 993, 8),
    ("ncbitaxon-subset.obo", Entity::Organism, 145, 144, 1),
];

fn roots(t: &TestInstance, entity: Entity) -> i64 {
    let (links, child, _) = entity.parents_table().unwrap();
    let mut sql = lamindb_core::db::rows::Sql::default();
    sql.push(&format!(
        "SELECT COUNT(*) AS i0 FROM \"{}\" WHERE id NOT IN (SELECT \"{child}\" FROM \"{links}\")",
        entity.meta().table
    ));
    sql.load_ints(&mut t.inst.conn()).unwrap()[0]
}

both!(every_shared_ontology_imports_with_its_counts, |backend| {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    for (file, entity, terms, links, parentless) in ONTOLOGIES {
        let r = import(&t, *entity, &ontology(file));
        assert_eq!(
            (r.read, r.inserted, r.parent_links),
            (*terms, *terms, *links),
            "{file}"
        );
        assert_eq!(count(&t, entity.meta().table), *terms as i64, "{file}");
        assert_eq!(roots(&t, *entity), *parentless, "{file}: roots");
        assert!(r.source.in_db, "{file}");
    }
    // MmusDv shares DevelopmentalStage with HsapDv: it adds to the registry under its own source.
    let mut opts = ImportOptions::new(Entity::DevelopmentalStage);
    opts.source = Some("mmusdv".into());
    opts.input = Some(Input::File(ontology("mmusdv.obo")));
    let r = import_source(&t.inst, &opts).unwrap();
    assert_eq!((r.read, r.parent_links), (134, 265));
    assert_eq!(r.source.name, "mmusdv");
    assert_eq!(r.source.organism, "mouse");
});

both!(cell_ontology_terms_are_pythons, |backend| {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    let r = import(&t, Entity::CellType, &ontology("cl.obo"));
    // The file's own version becomes a source row next to the catalogue's.
    assert_eq!(r.source.version, "2026-03-26");
    assert_eq!(r.source.name, "cl");
    assert_eq!(
        r.source.uid,
        bionty::ids::source_uid("bionty.CellType", "cl", "all", "2026-03-26")
    );
    // Same uids as Python bionty made for the same terms.
    let expected = python_expected();
    for rec in expected["records"].as_array().unwrap() {
        if rec["registry"] != "bionty.CellType" {
            continue;
        }
        let rows = t
            .inst
            .query_registry("bionty.CellType")
            .unwrap()
            .filter(Q::new("ontology_id", rec["ontology_id"].as_str().unwrap()))
            .rows(&["uid", "name"])
            .unwrap();
        assert_eq!(rows.rows[0][0].display(), rec["uid"].as_str().unwrap());
        assert_eq!(rows.rows[0][1].display(), rec["name"].as_str().unwrap());
    }
    // Definitions are stored as Python stores them (str.title()), synonyms joined with '|'.
    let rows = t
        .inst
        .query_registry("bionty.CellType")
        .unwrap()
        .filter(Q::new("ontology_id", "CL:0000084"))
        .rows(&["description", "synonyms", "source_id"])
        .unwrap();
    let desc = rows.rows[0][0].display();
    assert!(desc.starts_with("A Type Of Lymphocyte"), "{desc}");
    assert!(rows.rows[0][1].display().split('|').any(|s| s == "T-cell"));
    assert_eq!(rows.rows[0][2].as_i64(), Some(r.source.id));
    // Closure of T cell: lymphocyte and the root are ancestors; CD8 alpha-beta T cells below.
    let tcell = id_of(&t, Entity::CellType, "ontology_id", "CL:0000084");
    let up = t
        .inst
        .hierarchy(Entity::CellType.meta(), tcell, Walk::Up, None)
        .unwrap();
    for anc in ["CL:0000542", "CL:0000000", "CL:0000738"] {
        let id = id_of(&t, Entity::CellType, "ontology_id", anc);
        assert!(
            up.nodes.iter().any(|(n, _)| *n == id),
            "{anc} is an ancestor of T cell"
        );
    }
    assert!(up.nodes.iter().all(|(n, _)| *n != tcell));
    let lymphocyte = id_of(&t, Entity::CellType, "ontology_id", "CL:0000542");
    assert!(up.nodes.contains(&(lymphocyte, 1)));
    assert!(up
        .edges
        .iter()
        .any(|e| e.child == tcell && e.parent == lymphocyte));
    let one = t
        .inst
        .hierarchy(Entity::CellType.meta(), tcell, Walk::Up, Some(1))
        .unwrap();
    assert!(one.nodes.iter().all(|(_, d)| *d == 1));
    let down = t
        .inst
        .hierarchy(Entity::CellType.meta(), tcell, Walk::Down, None)
        .unwrap();
    let cd8 = id_of(&t, Entity::CellType, "ontology_id", "CL:0000625");
    assert!(down.nodes.iter().any(|(n, _)| *n == cd8));
    // A second import changes nothing.
    let again = import(&t, Entity::CellType, &ontology("cl.obo"));
    assert_eq!((again.inserted, again.parent_links), (0, 0));
    assert_eq!(count(&t, "bionty_celltype"), 3324);
});

both!(uberon_follows_part_of_hierarchies, |backend| {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    import(&t, Entity::Tissue, &ontology("uberon.obo.gz"));
    let lung = id_of(&t, Entity::Tissue, "name", "lung");
    let pair = id_of(&t, Entity::Tissue, "ontology_id", "UBERON:0000170");
    let up = t
        .inst
        .hierarchy(Entity::Tissue.meta(), lung, Walk::Up, Some(1))
        .unwrap();
    assert!(
        up.nodes.contains(&(pair, 1)),
        "lung is part of the pair of lungs"
    );
    // Filters through the hierarchy relation work like any relation.
    let n = t
        .inst
        .query_registry("bionty.Tissue")
        .unwrap()
        .filter(Q::new("parents__name", "pair of lungs"))
        .count()
        .unwrap();
    assert!(n >= 1);
});

both!(gene_tables_import_with_their_organism, |backend| {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    let genes = shared_data().join("genes");
    let r = import(&t, Entity::Gene, &genes.join("genes_homo_sapiens.csv.gz"));
    assert_eq!((r.read, r.inserted), (78894, 78894));
    assert_eq!(
        r.source.organism, "human",
        "organism inferred from ENSG ids"
    );
    assert_eq!(r.source.name, "ensembl");
    // Symbols that occur twice are both kept.
    let dup = t
        .inst
        .query_registry("bionty.Gene")
        .unwrap()
        .filter(Q::new("symbol", "PINX1"))
        .count()
        .unwrap();
    assert!(dup >= 1);
    let rows = t
        .inst
        .query_registry("bionty.Gene")
        .unwrap()
        .filter(Q::new("ensembl_gene_id", "ENSG00000139618"))
        .rows(&["uid", "symbol", "biotype"])
        .unwrap();
    assert_eq!(rows.rows[0][0].display(), "1DQZiYQ1wP6xYy");
    assert_eq!(rows.rows[0][1].display(), "BRCA2");
    assert_eq!(rows.rows[0][2].display(), "protein_coding");
    let human = t
        .inst
        .query_registry("bionty.Organism")
        .unwrap()
        .filter(Q::new("name", "human"))
        .rows(&["uid", "ontology_id"])
        .unwrap();
    assert_eq!(human.rows[0][0].display(), "1dpCL6TduFJ3AP");
    let by_organism = t
        .inst
        .query_registry("bionty.Gene")
        .unwrap()
        .filter(Q::new("organism__name", "human"))
        .count()
        .unwrap();
    assert_eq!(by_organism, 78894);
    // Mouse genes go to the mouse organism and source.
    let r = import(&t, Entity::Gene, &genes.join("genes_mus_musculus.csv.gz"));
    assert_eq!(r.source.organism, "mouse");
    assert_eq!(r.inserted, 78317);
    // ERCC spike-ins have no Ensembl id: their organism must be given; they keep stable_id.
    let mut opts = ImportOptions::new(Entity::Gene);
    opts.input = Some(Input::File(genes.join("genes_ercc.csv.gz")));
    let err = import_source(&t.inst, &opts).unwrap_err();
    assert!(err.to_string().contains("pass the organism"), "{err}");
    opts.organism = Some("human".into());
    let r = import_source(&t.inst, &opts).unwrap();
    assert_eq!(r.inserted, 92);
    let ercc = t
        .inst
        .query_registry("bionty.Gene")
        .unwrap()
        .filter(Q::new("stable_id", "ERCC-00002"))
        .rows(&["uid", "ensembl_gene_id"])
        .unwrap();
    assert_eq!(
        ercc.rows[0][0].display(),
        lamindb_core::util::uid::md5_uid("ERCC-00002", 14)
    );
    assert_eq!(ercc.rows[0][1].display(), "");
});

both!(bad_files_import_nothing_and_say_where, |backend| {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    let text = std::fs::read_to_string(ontology("cl.obo")).unwrap();
    // Cut in the middle of a definition.
    let at = text.find("def: \"").unwrap() + 12;
    let truncated = t.file("cut.obo", &text.as_bytes()[..at]);
    let mut opts = ImportOptions::new(Entity::CellType);
    opts.input = Some(Input::File(truncated));
    let err = import_source(&t.inst, &opts).unwrap_err();
    let line = text[..at].lines().count();
    assert!(err.to_string().contains(&format!("line {line}")), "{err}");
    assert!(err.to_string().contains("nothing was imported"), "{err}");
    // A corrupted gzip stream.
    let mut gz = Vec::new();
    std::fs::File::open(ontology("pato.obo"))
        .unwrap()
        .read_to_end(&mut gz)
        .unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &gz).unwrap();
    let mut bytes = enc.finish().unwrap();
    bytes.truncate(bytes.len() / 2);
    opts.entity = Entity::Phenotype;
    opts.input = Some(Input::File(t.file("pato.obo.gz", &bytes)));
    let err = import_source(&t.inst, &opts).unwrap_err();
    assert!(err.to_string().contains("line "), "{err}");
    assert_eq!(count(&t, "bionty_celltype"), 0);
    assert_eq!(count(&t, "bionty_phenotype"), 0);
    let in_db = sources::list(&mut t.inst.conn(), &SourceQuery::default())
        .unwrap()
        .iter()
        .filter(|s| s.in_db)
        .count();
    assert_eq!(in_db, 0);
    // OWL is refused by name, an unknown file by path.
    opts.input = Some(Input::File(t.file("cl.owl", b"<rdf/>")));
    assert!(import_source(&t.inst, &opts)
        .unwrap_err()
        .to_string()
        .contains("OWL"));
    opts.input = Some(Input::File(t.dir.path().join("missing.obo")));
    assert!(import_source(&t.inst, &opts)
        .unwrap_err()
        .to_string()
        .contains("missing.obo"));
});

both!(imports_from_a_url_and_caches_it, |backend| {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    let server = lamindb_tests::HttpFiles::start();
    std::fs::copy(ontology("hsapdv.obo"), server.dir.path().join("hsapdv.obo")).unwrap();
    let mut opts = ImportOptions::new(Entity::DevelopmentalStage);
    opts.input = Some(Input::Url(format!("{}/hsapdv.obo", server.url)));
    let r = import_source(&t.inst, &opts).unwrap();
    assert_eq!(r.read, 239);
    assert!(r
        .file
        .starts_with(lamindb_core::instance::settings::cache_dir()));
    // The cached copy is used once the server is gone… unless it no longer matches its checksum.
    std::fs::remove_file(server.dir.path().join("hsapdv.obo")).unwrap();
    assert_eq!(import_source(&t.inst, &opts).unwrap().read, 239);
    std::fs::write(&r.file, b"tampered").unwrap();
    let err = import_source(&t.inst, &opts).unwrap_err();
    assert!(err.to_string().contains("hsapdv.obo"), "{err}");
    // Without a file, the source's own URL is used; unreachable, the error names it.
    let err = import_source(&t.inst, &ImportOptions::new(Entity::Disease)).unwrap_err();
    assert!(err.to_string().contains("mondo"), "{err}");
});

both!(validate_and_standardize_real_values, |backend| {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    import(&t, Entity::CellType, &ontology("cl.obo"));
    let q = t.inst.query_registry("bionty.CellType").unwrap();
    let v = Vocabulary::load(&q, None).unwrap();
    assert_eq!(v.len(), 3324);
    let values = [
        "T cell",
        "t cell",
        "T-cell",
        "T lymphocyte",
        "neuron",
        "not a cell",
        "",
    ];
    assert_eq!(
        v.validate(&values),
        [true, false, false, false, true, false, false]
    );
    let insp = v.inspect(&values);
    assert_eq!(insp.validated, ["T cell", "neuron"]);
    assert_eq!(
        insp.non_validated,
        ["t cell", "T-cell", "T lymphocyte", "not a cell"]
    );
    assert_eq!(
        insp.synonyms.get("t cell").map(String::as_str),
        Some("T cell")
    );
    assert_eq!(
        insp.synonyms.get("T-cell").map(String::as_str),
        Some("T cell")
    );
    let msgs = insp.messages("name").join("\n");
    assert!(
        msgs.contains("2 unique terms (33.30%) are validated for name"),
        "{msgs}"
    );
    assert!(msgs.contains("inconsistent casing/synonyms"), "{msgs}");
    let (std, mapping) = v.standardize(&values, false);
    assert_eq!(std[..3], ["T cell", "T cell", "T cell"]);
    assert_eq!(std[5], "not a cell");
    assert_eq!(mapping.len(), 3);
    // Ontology ids validate on their own field; an obsolete term's id is not in the registry.
    let ids = Vocabulary::load(&q, Some("ontology_id")).unwrap();
    let obsolete = std::fs::read_to_string(ontology("cl.obo"))
        .unwrap()
        .split("[Term]")
        .find(|s| s.contains("is_obsolete: true"))
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("id: "))
                .map(str::to_owned)
        })
        .unwrap();
    assert_eq!(
        ids.validate(&["CL:0000084", obsolete.as_str()]),
        [true, false]
    );
    // Search ranks the exact name first.
    let hits = q.search("T cell", &Default::default()).unwrap();
    assert_eq!(
        hits[0].id,
        id_of(&t, Entity::CellType, "ontology_id", "CL:0000084")
    );
});

both!(bionty_registries_annotate_filter_and_describe, |backend| {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    import(&t, Entity::CellType, &ontology("cl.obo"));
    let ln = &t.inst;
    let a = t.save("cells.csv", "cell\nT\n", "data/cells.csv");
    ln.features()
        .create(NewFeature::new("cell_type", "cat[bionty.CellType]"))
        .unwrap();
    ln.features()
        .create(NewFeature::new(
            "cell_type_id",
            "cat[bionty.CellType.ontology_id]",
        ))
        .unwrap();
    let values = serde_json::json!({"cell_type": "T cell", "cell_type_id": "CL:0000625"});
    ln.annotations(&a)
        .add_values(values.as_object().unwrap())
        .unwrap();
    let bad = serde_json::json!({"cell_type": "T-cells of doom"});
    assert!(ln
        .annotations(&a)
        .add_values(bad.as_object().unwrap())
        .is_err());
    let keys = |q: Q| lamindb_tests::artifact_keys(ln, q);
    assert_eq!(
        keys(Q::new("cell_types__ontology_id", "CL:0000084")),
        ["data/cells.csv"]
    );
    assert_eq!(keys(Q::new("cell_type", "T cell")), ["data/cells.csv"]);
    assert_eq!(
        keys(Q::new("cell_types__name", "neuron")),
        Vec::<String>::new()
    );
    let d = ln.describe_artifact(&a).unwrap();
    let text = d.to_string();
    assert!(text.contains(".cell_types"), "{text}");
    assert!(text.contains("bionty.CellType"), "{text}");
    assert!(text.contains("T cell"), "{text}");
    let n = ln
        .query_registry("bionty.CellType")
        .unwrap()
        .filter(Q::parse("name__icontains=T cell").unwrap())
        .count()
        .unwrap();
    assert!(n > 10);
});

#[test]
fn a_python_made_bionty_instance_opens_with_its_records() {
    let (_tmp, storage) = lamindb_tests::unpack_python_fixture("python-bionty");
    let inst = Instance::connect(storage.to_str().unwrap()).unwrap();
    assert!(inst.modules().unwrap().contains(&"bionty".to_string()));
    let expected = python_expected();
    for rec in expected["records"].as_array().unwrap() {
        let reg = rec["registry"].as_str().unwrap();
        let rows = inst
            .query_registry(reg)
            .unwrap()
            .filter(Q::new("uid", rec["uid"].as_str().unwrap()))
            .count()
            .unwrap();
        assert_eq!(rows, 1, "{reg} {}", rec["uid"]);
        // Rust computes the same uid from the same fields.
        let entity = Entity::parse(reg).unwrap();
        // The fixture's organism-bound records all belong to its one organism, human.
        let organism = rec["organism_uid"].as_str().map(|_| "human");
        let uid = bionty::ids::record_uid(
            entity,
            rec[entity.id_field()].as_str(),
            rec["stable_id"].as_str(),
            rec[entity.name_field()].as_str().unwrap_or_default(),
            organism,
        );
        assert_eq!(uid, rec["uid"].as_str().unwrap(), "{rec}");
    }
    let art = expected["artifact"]["key"].as_str().unwrap();
    let keys = lamindb_tests::artifact_keys(&inst, Q::new("cell_types__name", "T cell"));
    assert_eq!(keys, [art]);
}

/// bionty's own parquet table of HsapDv (made by Python bionty's converter from the shared
/// OBO file, see tests/fixtures/bionty) and our OBO reader agree term by term.
#[test]
fn pythons_parquet_table_and_the_obo_file_give_the_same_terms() {
    let parquet = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bionty/df_human__hsapdv__2025-01-23__DevelopmentalStage.parquet");
    let from_parquet =
        bionty::import::read_table(Entity::DevelopmentalStage, &parquet, "hsapdv").unwrap();
    let from_obo = bionty::import::read_table(
        Entity::DevelopmentalStage,
        &ontology("hsapdv.obo"),
        "hsapdv",
    )
    .unwrap();
    let by_id = |t: &bionty::format::Table| {
        t.rows
            .iter()
            .map(|r| (r.id.clone().unwrap(), r.clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let (p, o) = (by_id(&from_parquet), by_id(&from_obo));
    // Python keeps obsolete terms whose name does not say so; every live OBO term is there.
    assert!(o.keys().all(|k| p.contains_key(k)));
    assert!(p.len() >= o.len() && p.len() <= 260);
    for (id, ours) in &o {
        let theirs = &p[id];
        assert_eq!(ours.name, theirs.name, "{id}");
        assert_eq!(ours.description, theirs.description, "{id}");
        let set = |v: &Vec<String>| v.iter().cloned().collect::<std::collections::BTreeSet<_>>();
        assert_eq!(set(&ours.parents), set(&theirs.parents), "{id}");
        assert_eq!(set(&ours.synonyms), set(&theirs.synonyms), "{id}");
    }
}

both!(a_parquet_table_imports, |backend| {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    let parquet = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bionty/df_human__hsapdv__2025-01-23__DevelopmentalStage.parquet");
    let mut opts = ImportOptions::new(Entity::DevelopmentalStage);
    opts.input = Some(Input::File(parquet));
    opts.version = Some("2025-01-23".into());
    let r = import_source(&t.inst, &opts).unwrap();
    assert!(r.read >= 239, "{}", r.read);
    assert_eq!(r.parent_links, 475);
    assert_eq!(
        r.source.uid, "7JO1x6p1",
        "the catalogue's own hsapdv source row"
    );
});

both!(a_new_source_version_updates_records_in_place, |backend| {
    let t = TestInstance::new(backend, &[bionty::NAME]);
    let first = import(&t, Entity::DevelopmentalStage, &ontology("hsapdv.obo"));
    let text = std::fs::read_to_string(ontology("hsapdv.obo")).unwrap();
    // The next release: a new version, one term renamed.
    let term = text.split("[Term]").nth(1).unwrap();
    let id = term
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap()
        .to_owned();
    let name = term
        .lines()
        .find_map(|l| l.strip_prefix("name: "))
        .unwrap()
        .to_owned();
    let next = text
        .replacen("data-version: v2025-01-23", "data-version: v2026-02-02", 1)
        .replacen(
            &format!("name: {name}\n"),
            &format!("name: {name} (renamed)\n"),
            1,
        );
    let file = t.file("hsapdv-next.obo", next.as_bytes());
    // Without update_records existing records keep their source and names.
    let kept = import(&t, Entity::DevelopmentalStage, &file);
    assert_eq!((kept.inserted, kept.updated), (0, 0));
    let name_of = |t: &TestInstance| {
        t.inst
            .query_registry("bionty.DevelopmentalStage")
            .unwrap()
            .filter(Q::new("ontology_id", id.as_str()))
            .rows(&["name", "source_id"])
            .unwrap()
            .rows[0]
            .clone()
    };
    assert_eq!(name_of(&t)[0].display(), name);
    let mut opts = ImportOptions::new(Entity::DevelopmentalStage);
    opts.input = Some(Input::File(file));
    opts.update_records = true;
    let r = import_source(&t.inst, &opts).unwrap();
    assert_eq!((r.inserted, r.updated), (0, 239));
    assert_eq!(r.source.version, "2026-02-02");
    assert!(r.source.currently_used);
    let row = name_of(&t);
    assert_eq!(row[0].display(), format!("{name} (renamed)"));
    assert_eq!(row[1].as_i64(), Some(r.source.id));
    assert_eq!(
        count(&t, "bionty_developmentalstage"),
        239,
        "same records, same uids"
    );
    let old = sources::list(
        &mut t.inst.conn(),
        &SourceQuery {
            version: Some(&first.source.version),
            name: Some("hsapdv"),
            entity: Some("bionty.DevelopmentalStage"),
            ..SourceQuery::default()
        },
    )
    .unwrap();
    assert_eq!(old.len(), 1);
    assert!(!old[0].currently_used);
});

both!(single_terms_come_with_their_ancestors, |backend| {
    use bionty::records::{create_term, find, from_source, NewTerm};
    let t = TestInstance::new(backend, &[bionty::NAME]);
    let mut opts = ImportOptions::new(Entity::CellType);
    opts.input = Some(Input::File(ontology("cl.obo")));
    // By name, by synonym (any case) and by id.
    let values = ["T cell", "t-lymphocyte", "CL:0000625"].map(String::from);
    let r = from_source(&t.inst, &opts, &values).unwrap();
    assert_eq!(r.records.len(), 3);
    assert_eq!(r.records[0].1, r.records[1].1, "a synonym finds its term");
    let tcell = find(&t.inst, Entity::CellType, "CL:0000084").unwrap();
    assert_eq!(r.records[0].1, tcell);
    let n = count(&t, "bionty_celltype");
    assert_eq!(n as usize, r.added);
    // Every ancestor came along, linked: the closure from the DB equals the file's.
    let up = t
        .inst
        .hierarchy(Entity::CellType.meta(), tcell, Walk::Up, None)
        .unwrap();
    assert!(up.nodes.len() >= 5);
    assert!(up
        .nodes
        .iter()
        .any(|(id, _)| *id == find(&t.inst, Entity::CellType, "cell").unwrap()));
    assert!(n < 100, "only the matches and their ancestors: {n}");
    let again = from_source(&t.inst, &opts, &values).unwrap();
    assert_eq!((again.added, again.parent_links), (0, 0));
    let err = from_source(&t.inst, &opts, &["no such cell".into()]).unwrap_err();
    assert!(err.to_string().contains("'no such cell'"), "{err}");

    // A custom term under T cell, with Python's uid for a term without an id.
    let c = create_term(
        &t.inst,
        Entity::CellType,
        &NewTerm {
            name: "my cell type".into(),
            parents: vec!["T cell".into()],
            ..NewTerm::default()
        },
    )
    .unwrap();
    assert_eq!(c.uid, "3LKPlZYJ7ijFsz");
    assert!(c.created);
    assert_eq!(c.parent_links, 1);
    let down = t
        .inst
        .hierarchy(Entity::CellType.meta(), tcell, Walk::Down, Some(1))
        .unwrap();
    assert!(down.nodes.iter().any(|(id, _)| *id == c.id));
    let again = create_term(
        &t.inst,
        Entity::CellType,
        &NewTerm {
            name: "my cell type".into(),
            ..NewTerm::default()
        },
    )
    .unwrap();
    assert_eq!((again.id, again.created), (c.id, false));
    let err = create_term(
        &t.inst,
        Entity::CellType,
        &NewTerm {
            name: "orphan".into(),
            parents: vec!["nothing like this".into()],
            ..NewTerm::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("nothing like this"), "{err}");
    assert!(
        find(&t.inst, Entity::CellType, "orphan").is_err(),
        "nothing half-made"
    );
    let gene = create_term(
        &t.inst,
        Entity::Gene,
        &NewTerm {
            name: "MYGENE1".into(),
            organism: Some("human".into()),
            ..NewTerm::default()
        },
    )
    .unwrap();
    assert_eq!(
        gene.uid, "21KrNevI3zTsIL",
        "Python's uid: symbol + organism"
    );
});

#[test]
fn imports_from_s3() {
    let t = TestInstance::new(lamindb_tests::Backend::Sqlite, &[bionty::NAME]);
    let prefix = format!(
        "bionty{}",
        lamindb_core::util::uid::random(8).to_lowercase()
    );
    let bucket =
        lamindb_storage::StorageRoot::parse(&format!("s3://{}/{prefix}", lamindb_tests::S3_BUCKET))
            .unwrap();
    bucket.put(&ontology("pato.obo"), "pato.obo").unwrap();
    let mut opts = ImportOptions::new(Entity::Phenotype);
    opts.input = Some(Input::parse(&format!(
        "s3://{}/{prefix}/pato.obo",
        lamindb_tests::S3_BUCKET
    )));
    let r = import_source(&t.inst, &opts).unwrap();
    assert_eq!((r.read, r.parent_links), (1887, 2227));
    assert!(r
        .file
        .starts_with(lamindb_core::instance::settings::cache_dir()));
}

both!(
    an_ensembl_gene_parquet_imports_with_ncbi_ids_joined,
    |backend| {
        use polars::prelude::*;
        let t = TestInstance::new(backend, &[bionty::NAME]);
        // bionty's Ensembl gene table: one row per (gene, NCBI id).
        let mut df = df!(
            "ensembl_gene_id" => ["ENSG00000010610", "ENSG00000010610", "ENSG00000139618"],
            "symbol" => ["CD4", "CD4", "BRCA2"],
            "ncbi_gene_id" => [Some("920"), Some("921"), None],
            "biotype" => ["protein_coding", "protein_coding", "protein_coding"],
            "description" => ["CD4 molecule ", "CD4 molecule ", "BRCA2 DNA repair associated "],
            "synonyms" => [Some("T4|Leu-3"), Some("T4|Leu-3"), None]
        )
        .unwrap();
        let path = t
            .dir
            .path()
            .join("df_human__ensembl__release-116__Gene.parquet");
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let mut opts = ImportOptions::new(Entity::Gene);
        opts.input = Some(Input::File(path));
        let r = import_source(&t.inst, &opts).unwrap();
        assert_eq!((r.read, r.inserted), (2, 2));
        assert_eq!(
            r.source.uid, "77oUuOMe",
            "the catalogue's human Ensembl source"
        );
        let rows = t
            .inst
            .query_registry("bionty.Gene")
            .unwrap()
            .filter(Q::new("symbol", "CD4"))
            .rows(&["uid", "ncbi_gene_ids", "synonyms"])
            .unwrap();
        assert_eq!(rows.rows[0][0].display(), "1j4At3x7akJU8n");
        assert_eq!(rows.rows[0][1].display(), "920|921");
        assert_eq!(rows.rows[0][2].display(), "T4|Leu-3");
    }
);
