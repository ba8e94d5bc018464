//! Transforms, runs, tracking, flows and steps, lineage graphs and OpenLineage export.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use lamindb_core::lineage::{Direction, LineageGraph};
use lamindb_core::prelude::*;
use lamindb_core::records::runs::{RunSpec, TransformSpec, TransformStatus};
use lamindb_core::util::secrets::REDACTED;
use lamindb_tests::{both, TestInstance};
use serde_json::{json, Value};

fn demo(t: &TestInstance, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lineage-demo"))
        .args(args)
        .env("LAMIN_INSTANCE", t.inst.slug())
        .env("LAMIN_CACHE_DIR", t.dir.path().join("cache"))
        .env_remove("LAMIN_RUN_UID")
        .env_remove("LAMIN_INITIATED_BY_RUN_UID")
        .output()
        .unwrap()
}

fn edge_set(g: &LineageGraph) -> BTreeSet<(String, String)> {
    g.edges.iter().cloned().collect()
}

fn a_node(a: &Artifact) -> String {
    format!("artifact_{}", a.uid)
}

fn r_node(r: &Run) -> String {
    format!("run_{}", r.uid)
}

both!(a_rust_program_tracks_itself, |backend| {
    let t = TestInstance::new(backend, &[]);
    let input = t.save("in.txt", "a\nb\nc\n", "raw/in.txt");
    let out = demo(&t, &["raw/in.txt", "demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let arts = t.inst.artifacts();
    let upper = arts.get_by_key("demo/upper.txt").unwrap();
    let counts = arts.get_by_key("demo/counts.json").unwrap();
    assert_eq!(upper.run_id, counts.run_id);
    let run = t.inst.runs().by_id(upper.run_id.unwrap()).unwrap();
    assert_eq!(run.status(), Some(RunStatus::Completed));
    assert!(run.finished_at.unwrap() >= run.started_at);
    assert_eq!(run.cli_args.as_deref(), Some("raw/in.txt demo"));
    assert_eq!(run.params.as_ref().unwrap().0["threshold"], 0.5);
    assert_eq!(run.initiated_by_run_id, None);

    let tr = t.inst.transforms().by_id(run.transform_id).unwrap();
    assert_eq!(tr.key, "lamindb-tests/lineage-demo");
    assert_eq!(tr.kind, "pipeline");
    let exe_hash = lamindb_storage::hash_file(Path::new(env!("CARGO_BIN_EXE_lineage-demo")))
        .unwrap()
        .hash;
    assert_eq!(tr.hash.as_deref(), Some(exe_hash.as_str()));

    // Inputs, outputs, environment and report.
    let runs = t.inst.runs();
    assert_eq!(runs.inputs(&run).unwrap(), vec![input.clone()]);
    let outs: Vec<String> = runs
        .outputs(&run)
        .unwrap()
        .into_iter()
        .map(|a| a.uid)
        .collect();
    assert_eq!(outs, vec![upper.uid.clone(), counts.uid.clone()]);
    let env = arts.by_id(run.environment_id.unwrap()).unwrap();
    assert_eq!(env.kind.as_deref(), Some("__lamindb_run__"));
    assert_eq!(env.run_id, None);
    assert_eq!(env.description.as_deref(), Some("run_env_rust.txt"));
    let env_text = std::fs::read_to_string(arts.path(&env).unwrap()).unwrap();
    assert!(
        env_text.contains("lamindb-tests==") && env_text.contains("rustc "),
        "{env_text}"
    );
    let report = arts.by_id(run.report_id.unwrap()).unwrap();
    assert_eq!(
        report.description,
        Some(format!("log streams of run {}", run.uid))
    );
    let log = std::fs::read_to_string(arts.path(&report).unwrap()).unwrap();
    assert!(log.contains("read 3 lines from raw/in.txt"), "{log}");

    // The same program again: same transform, new run; the same outputs are re-created by it,
    // and the environment artifact is shared.
    let out = demo(&t, &["raw/in.txt", "demo"]);
    assert!(out.status.success());
    let again = runs.of_transform(&tr).unwrap();
    assert_eq!(again.len(), 2);
    let second = &again[0];
    assert_eq!(second.environment_id, run.environment_id);
    let recreated: Vec<String> = runs
        .recreated(second)
        .unwrap()
        .into_iter()
        .map(|a| a.uid)
        .collect();
    assert_eq!(recreated, vec![upper.uid.clone(), counts.uid.clone()]);
    assert_eq!(runs.inputs(second).unwrap(), vec![input]);
});

both!(errors_and_panics_finish_the_run_as_errored, |backend| {
    let t = TestInstance::new(backend, &[]);
    t.save("in.txt", "x\n", "raw/in.txt");
    for (flag, expected) in [
        ("--fail", "ended without finish()"),
        ("--panic", "panicked"),
    ] {
        let out = demo(&t, &["raw/in.txt", flag.trim_start_matches('-'), flag]);
        assert!(!out.status.success());
        let (run, _) = t.inst.runs().recent(1).unwrap().remove(0);
        assert_eq!(run.status(), Some(RunStatus::Errored), "{flag}");
        assert!(run.finished_at.is_some());
        let report = t.inst.artifacts().by_id(run.report_id.unwrap()).unwrap();
        let log = std::fs::read_to_string(t.inst.artifacts().path(&report).unwrap()).unwrap();
        assert!(log.contains(expected), "{flag}: {log}");
    }
});

both!(transforms_version_by_source, |backend| {
    let t = TestInstance::new(backend, &[]);
    let tr = t.inst.transforms();
    let mut spec = TransformSpec::new("analysis.py", TransformKind::Script);
    spec.source_code = Some("print(1)\n".into());
    let (v1, s1) = tr.resolve(&spec).unwrap();
    assert_eq!(s1, TransformStatus::Created);
    assert_eq!(v1.uid.len(), 16);
    assert!(v1.uid.ends_with("0000"));
    assert_eq!(
        v1.hash.as_deref(),
        Some(lamindb_storage::hash_string("print(1)\n").as_str())
    );
    let (same, s) = tr.resolve(&spec).unwrap();
    assert_eq!((same.id, s), (v1.id, TransformStatus::Existing));

    spec.source_code = Some("print(2)\n".into());
    let (v2, s2) = tr.resolve(&spec).unwrap();
    assert_eq!(s2, TransformStatus::NewVersion);
    assert_eq!(v2.uid, format!("{}0001", v1.stem_uid()));
    assert!(v2.is_latest);
    assert!(!tr.by_id(v1.id).unwrap().is_latest);
    // Going back to the first source finds the first version again.
    spec.source_code = Some("print(1)\n".into());
    assert_eq!(tr.resolve(&spec).unwrap().0.id, v1.id);

    // A pinned full uid with changed source is an error naming the next uid.
    spec.uid = Some(v2.uid.clone());
    spec.source_code = Some("print(3)\n".into());
    let err = tr.resolve(&spec).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    let next = format!("{}0002", v1.stem_uid());
    assert!(err.to_string().contains(&next), "{err}");
    // ... and passing that uid creates it.
    spec.uid = Some(next.clone());
    let (v3, s3) = tr.resolve(&spec).unwrap();
    assert_eq!(
        (v3.uid.as_str(), s3),
        (next.as_str(), TransformStatus::NewVersion)
    );
    // A stem pins the family: new source, new version.
    spec.uid = Some(v1.stem_uid().to_owned());
    spec.source_code = Some("print(4)\n".into());
    assert_eq!(
        tr.resolve(&spec).unwrap().0.uid,
        format!("{}0003", v1.stem_uid())
    );
    assert_eq!(tr.versions(&v1).unwrap().len(), 4);
    // Other lengths are rejected with a usable suggestion.
    spec.uid = Some("abc".into());
    let err = tr.resolve(&spec).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("16 characters"), "{err}");
});

both!(run_params_are_redacted, |backend| {
    let t = TestInstance::new(backend, &[]);
    let (tr, _) = t
        .inst
        .transforms()
        .resolve(&TransformSpec::new("p", TransformKind::Pipeline))
        .unwrap();
    let run = t
        .inst
        .runs()
        .start(
            &tr,
            &RunSpec {
                params: Some(
                    json!({"OPENAI_API_KEY": "sk", "db": "postgresql://u:pw@h/db", "n": 2}),
                ),
                ..Default::default()
            },
        )
        .unwrap();
    let stored = &t.inst.runs().get(&run.uid).unwrap().params.unwrap().0;
    assert_eq!(
        stored,
        &json!({"OPENAI_API_KEY": REDACTED, "db": REDACTED, "n": 2})
    );
    let err = t
        .inst
        .runs()
        .start(
            &tr,
            &RunSpec {
                params: Some(json!([1])),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
});

/// A three-step flow: `make` writes x, `clean` reads x and writes y, `report` reads y and writes z.
fn three_step_flow(t: &TestInstance) -> (Run, [Run; 3], [Artifact; 3]) {
    let dir = t.dir.path().join("flow");
    std::fs::create_dir_all(&dir).unwrap();
    let ln = &t.inst;
    let step = |name: &str, input: Option<&str>, output: &str| -> Result<Artifact> {
        ln.step(
            FunctionSpec::new(format!("pipeline::{name}")).params(json!({"output": output})),
            |_run| {
                let text = match input {
                    Some(k) => {
                        let a = ln.artifacts().get_by_key(k)?;
                        std::fs::read_to_string(ln.artifacts().cache(&a)?).unwrap()
                    }
                    None => "seed\n".into(),
                };
                let p = dir.join(format!("{name}.txt"));
                std::fs::write(&p, format!("{text}{name}\n")).unwrap();
                Ok::<_, Error>(
                    ln.artifacts()
                        .save(NewArtifactSpec::with_key(&p, output))?
                        .artifact,
                )
            },
        )
    };
    let (flow_run, arts) = ln
        .flow(
            FunctionSpec::new("pipeline::main").params(json!({"n": 3})),
            |run| {
                let x = step("make", None, "flow/x.txt")?;
                let y = step("clean", Some("flow/x.txt"), "flow/y.txt")?;
                let z = step("report", Some("flow/y.txt"), "flow/z.txt")?;
                Ok::<_, Error>((run.run().clone(), [x, y, z]))
            },
        )
        .unwrap();
    let children = ln.runs().children(&flow_run).unwrap();
    let steps: [Run; 3] = children.try_into().expect("three step runs");
    (ln.runs().by_id(flow_run.id).unwrap(), steps, arts)
}

both!(flows_and_steps_are_nested_runs, |backend| {
    let t = TestInstance::new(backend, &[]);
    let (flow, steps, [x, y, z]) = three_step_flow(&t);
    assert_eq!(flow.status(), Some(RunStatus::Completed));
    assert_eq!(flow.entrypoint.as_deref(), Some("main"));
    assert_eq!(flow.params.as_ref().unwrap().0, json!({"n": 3}));
    let names: Vec<_> = steps
        .iter()
        .map(|s| s.entrypoint.clone().unwrap())
        .collect();
    assert_eq!(names, ["make", "clean", "report"]);
    for s in &steps {
        assert_eq!(s.initiated_by_run_id, Some(flow.id));
        assert_eq!(s.status(), Some(RunStatus::Completed));
        let tr = t.inst.transforms().by_id(s.transform_id).unwrap();
        assert_eq!(tr.kind, "function");
    }
    assert_eq!(x.run_id, Some(steps[0].id));
    assert_eq!(y.run_id, Some(steps[1].id));
    assert_eq!(z.run_id, Some(steps[2].id));
    assert_eq!(t.inst.runs().inputs(&steps[1]).unwrap(), vec![x.clone()]);
    assert!(
        t.inst.current_run().unwrap().is_none(),
        "no run left current"
    );

    // Lineage of the final artifact: exactly the chain.
    let g = t.inst.lineage(&z, Direction::Both, None).unwrap();
    let nodes: BTreeSet<String> = g.nodes.iter().map(|n| n.id.clone()).collect();
    let expected_nodes: BTreeSet<String> = [a_node(&x), a_node(&y), a_node(&z)]
        .into_iter()
        .chain(steps.iter().map(r_node))
        .collect();
    assert_eq!(nodes, expected_nodes);
    let expected_edges: BTreeSet<(String, String)> = [
        (r_node(&steps[0]), a_node(&x)),
        (a_node(&x), r_node(&steps[1])),
        (r_node(&steps[1]), a_node(&y)),
        (a_node(&y), r_node(&steps[2])),
        (r_node(&steps[2]), a_node(&z)),
    ]
    .into_iter()
    .collect();
    assert_eq!(edge_set(&g), expected_edges);
    assert_eq!(g.focus, a_node(&z));
    assert_eq!(g.node(&r_node(&steps[1])).unwrap().label, "pipeline::clean");

    // Depth and direction.
    let up1 = t.inst.lineage(&z, Direction::Upstream, Some(1)).unwrap();
    let up1_nodes: BTreeSet<String> = up1.nodes.iter().map(|n| n.id.clone()).collect();
    assert_eq!(
        up1_nodes,
        [a_node(&y), a_node(&z), r_node(&steps[2])]
            .into_iter()
            .collect()
    );
    let down = t.inst.lineage(&x, Direction::Downstream, None).unwrap();
    assert_eq!(down.edges.len(), 4, "x → clean → y → report → z");
    assert!(!down.nodes.iter().any(|n| n.id == r_node(&steps[0])));

    // Renderings carry every edge.
    let dot = g.to_dot();
    for (f, to) in &expected_edges {
        assert!(dot.contains(&format!("\"{f}\" -> \"{to}\"")), "{dot}");
    }
    let mermaid = g.to_mermaid();
    assert!(mermaid.starts_with("flowchart TD\n"));
    for (f, to) in &expected_edges {
        assert!(mermaid.contains(&format!("{f} --> {to}")), "{mermaid}");
    }
    assert_eq!(g.to_json()["edges"].as_array().unwrap().len(), 5);
});

both!(failing_steps_and_misplaced_calls, |backend| {
    let t = TestInstance::new(backend, &[]);
    let ln = &t.inst;
    // A step needs a run in progress.
    let err = ln
        .step(FunctionSpec::new("lonely"), |_| Ok::<_, Error>(()))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    // An erroring step marks itself and its flow as errored.
    let result: Result<()> = ln.flow(FunctionSpec::new("f::main"), |_| {
        ln.step(FunctionSpec::new("f::bad"), |_| {
            Err::<(), _>(Error::Validation("bad input".into()))
        })
    });
    assert!(result.is_err());
    let recent = ln.runs().recent(2).unwrap();
    let (step, flow) = (&recent[0].0, &recent[1].0);
    assert_eq!(step.initiated_by_run_id, Some(flow.id));
    assert_eq!(step.status(), Some(RunStatus::Errored));
    assert_eq!(flow.status(), Some(RunStatus::Errored));
    let log = ln.artifacts().by_id(step.report_id.unwrap()).unwrap();
    let text = std::fs::read_to_string(ln.artifacts().path(&log).unwrap()).unwrap();
    assert!(text.contains("bad input"), "{text}");
    // A flow inside a flow is refused.
    let nested: Result<()> = ln.flow(FunctionSpec::new("outer"), |_| {
        ln.flow(FunctionSpec::new("inner"), |_| Ok::<_, Error>(()))
    });
    assert_eq!(nested.unwrap_err().kind(), ErrorKind::Conflict);
});

both!(
    saving_the_same_content_again_records_a_recreating_run,
    |backend| {
        let t = TestInstance::new(backend, &[]);
        let ln = &t.inst;
        let p = t.file("same.txt", b"same\n");
        let first = ln
            .flow(FunctionSpec::new("a"), |_| {
                Ok::<_, Error>(
                    ln.artifacts()
                        .save(NewArtifactSpec::with_key(&p, "same.txt"))?
                        .artifact,
                )
            })
            .unwrap();
        let (second_run, again) = ln
            .flow(FunctionSpec::new("b"), |run| {
                let saved = ln
                    .artifacts()
                    .save(NewArtifactSpec::with_key(&p, "same.txt"))?;
                // Reading what it re-created does not make it an input.
                ln.artifacts().cache(&saved.artifact)?;
                Ok::<_, Error>((run.run().clone(), saved))
            })
            .unwrap();
        assert_eq!(again.status, SaveStatus::Existing);
        assert_eq!(again.artifact.id, first.id);
        assert_eq!(
            again.artifact.run_id, first.run_id,
            "the creating run stays"
        );
        assert_eq!(ln.runs().recreated(&second_run).unwrap(), vec![first]);
        assert!(ln.runs().inputs(&second_run).unwrap().is_empty());
    }
);

fn openlineage_validators() -> (jsonschema::Validator, Vec<(String, jsonschema::Validator)>) {
    const CORE: &str = "https://openlineage.io/spec/2-0-2/OpenLineage.json";
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/openlineage");
    let load = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let mut docs: Vec<(String, Value)> = vec![(CORE.to_owned(), load("OpenLineage.json"))];
    for f in [
        "ParentRunFacet.json",
        "NominalTimeRunFacet.json",
        "ErrorMessageRunFacet.json",
        "JobTypeJobFacet.json",
        "SourceCodeJobFacet.json",
    ] {
        let v = load(f);
        docs.push((v["$id"].as_str().unwrap().to_owned(), v));
    }
    let ids: Vec<String> = docs.iter().map(|(id, _)| id.clone()).collect();
    let registry = jsonschema::Registry::new()
        .extend(docs)
        .unwrap()
        .prepare()
        .unwrap();
    let compile = |schema: Value| {
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .with_registry(&registry)
            .build(&schema)
            .unwrap()
    };
    let event = compile(json!({ "$ref": format!("{CORE}#/$defs/RunEvent") }));
    let facets = ids
        .into_iter()
        .skip(1)
        .map(|id| {
            let v = compile(json!({ "$ref": id }));
            (id, v)
        })
        .collect();
    (event, facets)
}

fn assert_valid(
    event: &Value,
    validators: &(jsonschema::Validator, Vec<(String, jsonschema::Validator)>),
) {
    let errors: Vec<String> = validators
        .0
        .iter_errors(event)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{event:#}");
    for (id, v) in &validators.1 {
        let facets = if id.contains("JobFacet") {
            &event["job"]["facets"]
        } else {
            &event["run"]["facets"]
        };
        let errors: Vec<String> = v.iter_errors(facets).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{id}: {errors:?}");
    }
}

both!(runs_export_as_valid_openlineage_events, |backend| {
    let t = TestInstance::new(backend, &[]);
    let validators = openlineage_validators();
    let (flow, steps, [x, y, _z]) = three_step_flow(&t);
    let events = t.inst.openlineage_events(&steps[1]).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["eventType"], "START");
    assert_eq!(events[1]["eventType"], "COMPLETE");
    for e in &events {
        assert_valid(e, &validators);
    }
    let e = &events[1];
    assert_eq!(e["job"]["name"], "pipeline::clean");
    assert_eq!(e["job"]["namespace"], t.inst.openlineage_namespace());
    assert_eq!(
        e["run"]["runId"],
        t.inst.openlineage_run_id(&steps[1]).to_string()
    );
    assert_eq!(
        e["run"]["facets"]["parent"]["run"]["runId"],
        t.inst.openlineage_run_id(&flow).to_string()
    );
    assert_eq!(
        e["run"]["facets"]["parent"]["job"]["name"],
        "pipeline::main"
    );
    let path_of = |a: &Artifact| {
        t.inst
            .artifacts()
            .path(a)
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    assert_eq!(
        e["inputs"],
        json!([{"namespace": "file", "name": path_of(&x), "facets": e["inputs"][0]["facets"]}])
    );
    assert_eq!(e["outputs"][0]["name"], path_of(&y));
    assert_eq!(e["inputs"][0]["facets"]["lamindb_artifact"]["uid"], x.uid);

    // A failed run ends with FAIL and an error facet; a running one has only START.
    let (tr, _) = t
        .inst
        .transforms()
        .resolve(&TransformSpec {
            source_code: Some("exit 1\n".into()),
            ..TransformSpec::new("fail.sh", TransformKind::Script)
        })
        .unwrap();
    let run = t.inst.runs().start(&tr, &RunSpec::default()).unwrap();
    assert_eq!(t.inst.openlineage_events(&run).unwrap().len(), 1);
    let run = t
        .inst
        .runs()
        .finish(&run, RunStatus::Errored, None)
        .unwrap();
    let events = t.inst.openlineage_events(&run).unwrap();
    assert_eq!(events[1]["eventType"], "FAIL");
    assert_eq!(
        events[1]["run"]["facets"]["errorMessage"]["programmingLanguage"],
        "bash"
    );
    assert_eq!(
        events[1]["job"]["facets"]["sourceCode"]["sourceCode"],
        "exit 1\n"
    );
    for e in &events {
        assert_valid(e, &validators);
    }
    // The validator is not lenient: an event without a runId is rejected.
    let mut broken = events[1].clone();
    broken["run"].as_object_mut().unwrap().remove("runId");
    assert!(validators.0.iter_errors(&broken).next().is_some());
});
