//! Many `lamin` processes at once, as a pipeline runs them: writers serialize instead of failing,
//! one key keeps one version family with one latest version, get-or-create never duplicates.

use std::process::Output;

use super::Env;
use lamindb_tests::both;
use serde_json::Value;

/// Runs `jobs` in parallel, each job a list of `lamin` invocations run one after another, and
/// returns every output.
fn parallel(env: &Env, jobs: Vec<Vec<Vec<String>>>) -> Vec<Output> {
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|job| {
                s.spawn(move || {
                    job.iter()
                        .map(|args| {
                            let args: Vec<&str> = args.iter().map(String::as_str).collect();
                            env.lamin(&args)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn all_ok(outputs: &[Output]) {
    let failed: Vec<String> = outputs
        .iter()
        .filter(|o| !o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} failed: {failed:?}",
        failed.len(),
        outputs.len()
    );
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn list(env: &Env, what: &[&str]) -> Vec<Value> {
    let mut a = vec!["list"];
    a.extend_from_slice(what);
    a.extend(["--limit", "1000"]);
    env.json(&a).as_array().unwrap().clone()
}

both!(eight_writers_save_two_hundred_files, |backend| {
    let env = Env::new(backend);
    env.init();
    let jobs: Vec<Vec<Vec<String>>> = (0..8)
        .map(|w| {
            (0..25)
                .map(|i| {
                    let name = format!("w{w}/f{i}.txt");
                    let p = env.write(&name, format!("writer {w} file {i}").as_bytes());
                    args(&["save", p.to_str().unwrap(), "--key", &name])
                })
                .collect()
        })
        .collect();
    all_ok(&parallel(&env, jobs));
    assert_eq!(list(&env, &["artifacts"]).len(), 200);
});

both!(
    one_key_from_eight_writers_is_one_version_family,
    |backend| {
        let env = Env::new(backend);
        env.init();
        let jobs: Vec<Vec<Vec<String>>> = (0..8)
            .map(|w| {
                let p = env.write(&format!("s{w}.txt"), format!("content {w}").as_bytes());
                vec![args(&["save", p.to_str().unwrap(), "--key", "same.txt"])]
            })
            .collect();
        all_ok(&parallel(&env, jobs));
        let all = list(&env, &["artifacts", "--all-versions"]);
        assert_eq!(all.len(), 8, "{all:?}");
        let stems: std::collections::BTreeSet<&str> = all
            .iter()
            .map(|a| &a["uid"].as_str().unwrap()[..16])
            .collect();
        assert_eq!(stems.len(), 1, "one version family: {stems:?}");
        let latest: Vec<&Value> = all.iter().filter(|a| a["is_latest"] == true).collect();
        assert_eq!(latest.len(), 1, "{all:?}");
        let versions: std::collections::BTreeSet<&str> =
            all.iter().map(|a| a["version"].as_str().unwrap()).collect();
        assert_eq!(versions.len(), 8);

        // The same content from eight writers is one artifact.
        let p = env.write("dup.txt", b"same bytes");
        let jobs = (0..8)
            .map(|_| vec![args(&["save", p.to_str().unwrap(), "--key", "dup.txt"])])
            .collect();
        all_ok(&parallel(&env, jobs));
        let dup = list(
            &env,
            &["artifacts", "--all-versions", "--key-prefix", "dup"],
        );
        assert_eq!(dup.len(), 1, "{dup:?}");
    }
);

both!(parallel_creates_of_one_name_make_one_row, |backend| {
    let env = Env::new(backend);
    env.init();
    for (registry, extra) in [
        ("ulabel", vec![]),
        ("project", vec![]),
        ("feature", vec!["--dtype", "int"]),
    ] {
        let jobs = (0..8)
            .map(|_| {
                let mut a = vec!["create", registry, "L1"];
                a.extend(extra.iter().copied());
                vec![args(&a)]
            })
            .collect();
        all_ok(&parallel(&env, jobs));
        let rows = env.json(&["list", registry, "--filter", "name=L1"]);
        assert_eq!(rows.as_array().unwrap().len(), 1, "{registry}: {rows}");
    }
    // Annotation by that name works afterwards.
    let p = env.write("a.txt", b"a");
    env.ok(&["save", p.to_str().unwrap(), "--key", "a.txt"]);
    env.ok(&[
        "annotate",
        "--key",
        "a.txt",
        "--ulabel",
        "L1",
        "--features",
        "L1=3",
    ]);
    let found = list(&env, &["artifacts", "--filter", "L1__gt=2"]);
    assert_eq!(found.len(), 1);
});

both!(parallel_runs_of_one_script_share_one_transform, |backend| {
    let env = Env::new(backend);
    env.init();
    env.write("job.sh", b"echo working\n");
    let jobs = (0..4)
        .map(|_| vec![args(&["run", "--", "bash", "job.sh"])])
        .collect();
    all_ok(&parallel(&env, jobs));
    let transforms = env.json(&["list", "transforms"]);
    let keys: Vec<&str> = transforms
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .filter(|k| *k == "job.sh")
        .collect();
    assert_eq!(keys.len(), 1, "{transforms}");
    assert_eq!(env.json(&["list", "runs"]).as_array().unwrap().len(), 4);
});
