//! `lamin settings`, `connect --here` and `disconnect`: the files Python LaminDB keeps these
//! settings in, written and read by the standalone `lamin`.

use std::path::Path;

use lamindb_tests::{lamin_bin, Backend};

use super::Env;

/// `lamin ARGS` run in folder `cwd`; its trimmed stdout.
fn lamin_in(env: &Env, cwd: &Path, args: &[&str]) -> String {
    let mut cmd = env.command(lamin_bin());
    cmd.current_dir(cwd).args(args);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "lamin {args:?} in {}: {}",
        cwd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn canon(p: &Path) -> String {
    p.canonicalize().unwrap().display().to_string()
}

#[test]
fn dev_dirs_are_set_found_and_unset_by_folder() {
    let env = Env::new(Backend::Sqlite);
    env.init();
    let root = env.dir.path();
    let slug = "anonymous/clitest";
    // init pinned the working folder: it is a development folder.
    assert_eq!(
        lamin_in(&env, root, &["settings", "dev-dir", "get"]),
        canon(root)
    );
    let other = root.join("projects/other");
    std::fs::create_dir_all(other.join("sub")).unwrap();
    lamin_in(
        &env,
        root,
        &["settings", "dev-dir", "set", other.to_str().unwrap()],
    );
    assert_eq!(
        std::fs::read_to_string(other.join(".lamin/current_instance")).unwrap(),
        slug
    );
    // Found from a subfolder; the nearest marker wins.
    assert_eq!(
        lamin_in(&env, &other.join("sub"), &["settings", "dev-dir", "get"]),
        canon(&other)
    );
    let found = lamin_in(&env, root, &["settings", "dev-dir", "find", "."]);
    let lines: Vec<&str> = found.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{}\t{slug}\tmain", canon(root)),
            format!("{}\t{slug}\tmain", canon(&other))
        ],
        "{found}"
    );
    // Unset applies to the folder holding the working folder only.
    lamin_in(&env, &other.join("sub"), &["settings", "dev-dir", "unset"]);
    assert!(!other.join(".lamin/current_instance").exists());
    assert!(root.join(".lamin/current_instance").exists());
    // The older spelling, and `none`.
    assert_eq!(
        lamin_in(&env, root, &["settings", "get", "dev-dir"]),
        canon(root)
    );
    lamin_in(&env, root, &["settings", "set", "dev-dir", "none"]);
    assert!(!root.join(".lamin/current_instance").exists());
    // The home folder is never one.
    let home = root.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = env.command(lamin_bin());
    let out = cmd
        .current_dir(root)
        .env("HOME", &home)
        .args(["settings", "dev-dir", "set", home.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("home folder"));
    assert_eq!(lamin_in(&env, root, &["settings", "get", "branch"]), "main");
}

#[test]
fn the_cache_folder_moves_and_comes_back() {
    let env = Env::new(Backend::Sqlite);
    let root = env.dir.path();
    let home = root.join("home");
    let run = |args: &[&str]| {
        let mut cmd = env.command(lamin_bin());
        cmd.current_dir(root)
            .env_remove("LAMIN_CACHE_DIR")
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .args(args);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let default = home.join(".cache/lamindb");
    assert_eq!(
        run(&["settings", "cache-dir", "get"]),
        format!("The cache directory is {}", default.display())
    );
    std::fs::create_dir_all(&default).unwrap();
    std::fs::write(default.join("cached.txt"), "x").unwrap();
    let moved = root.join("elsewhere");
    run(&["settings", "cache-dir", "set", moved.to_str().unwrap()]);
    assert_eq!(
        run(&["settings", "cache-dir", "get"]),
        format!("The cache directory is {}", moved.display())
    );
    assert_eq!(
        std::fs::read_to_string(root.join("settings/.lamin/storage.env")).unwrap(),
        format!("lamindb_cache_path={}", moved.display())
    );
    assert!(moved.join("cached.txt").exists() && !default.exists());
    run(&["settings", "cache-dir", "reset"]);
    assert!(default.join("cached.txt").exists() && !moved.exists());
    run(&["settings", "cache-dir", "clear"]);
    assert!(default.is_dir() && !default.join("cached.txt").exists());
    // A cache inside the old one would move into itself.
    let mut cmd = env.command(lamin_bin());
    let out = cmd
        .current_dir(root)
        .env_remove("LAMIN_CACHE_DIR")
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .args([
            "settings",
            "cache-dir",
            "set",
            default.join("inner").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn environment_modules_and_pinning_with_here() {
    let env = Env::new(Backend::Sqlite);
    env.init();
    let root = env.dir.path();
    let modules = root.join("settings/.lamin/current_modules.txt");
    lamin_in(&env, root, &["settings", "modules", "set", "bionty,pertdb"]);
    assert_eq!(std::fs::read_to_string(&modules).unwrap(), "bionty,pertdb");
    lamin_in(&env, root, &["settings", "modules", "set", ""]);
    assert_eq!(std::fs::read_to_string(&modules).unwrap(), "");
    lamin_in(&env, root, &["settings", "modules", "unset"]);
    assert!(!modules.exists());
    // With an instance current, its modules are the answer.
    assert_eq!(
        lamin_in(&env, root, &["settings", "modules", "get"]),
        "None"
    );

    // connect --here pins a folder and leaves the instance current elsewhere untouched.
    let current = root.join("settings/.lamin/current_instance.env");
    let before = std::fs::read(&current).unwrap();
    let project = root.join("project-a");
    std::fs::create_dir_all(project.join("subdir")).unwrap();
    lamin_in(&env, &project, &["connect", "anonymous/clitest", "--here"]);
    assert_eq!(
        std::fs::read_to_string(project.join(".lamin/current_instance")).unwrap(),
        "anonymous/clitest"
    );
    assert_eq!(std::fs::read(&current).unwrap(), before);
    assert_eq!(
        lamin_in(
            &env,
            &project.join("subdir"),
            &["settings", "dev-dir", "get"]
        ),
        canon(&project)
    );
    lamin_in(&env, &project.join("subdir"), &["disconnect", "--here"]);
    assert!(!project.join(".lamin/current_instance").exists());
    assert_eq!(std::fs::read(&current).unwrap(), before);
    // Without --here, no instance is current any more (outside pinned folders).
    lamin_in(&env, &project, &["disconnect"]);
    assert!(!current.exists());
}
