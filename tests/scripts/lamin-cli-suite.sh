#!/usr/bin/env bash
# Upstream lamin-cli 1.21.0's own offline tests, run against this project's `lamin`.
#
# The tests come from lamin-cli's PyPI sdist (downloaded into the cache, never copied into the
# repository). They call `lamin …` from PATH and check the result with Python LaminDB, so a venv
# with lamindb 2.12.1, lamin-cli 1.21.0 (whose own `lamin` we shadow), pytest, nbproject_test
# and ipykernel is made on first use. Our `lamin` comes first on PATH; HOME, settings, cache and
# the working copy of the tests are temp dirs; Python LaminDB runs offline (a sitecustomize
# answers "not on the hub" without a network call).
#
# Two groups are run and reported per test:
#   path  — the 51 tests that call `lamin` from PATH (hub, S3, git-remote and R tests deselected;
#           in-process CliRunner tests are Python's own CLI and not ours);
#   -m    — test_run.py, test_save_notes.py and test_save_plan.py, which hard-code
#           `python -m lamin_cli`: run from a copy that calls `lamin` from PATH instead.
#
# Usage: lamin-cli-suite.sh [--min N] [--min-m N] [--group path|-m|all] [pytest args…]
#   --min N / --min-m N: exit 1 when fewer than N tests of the path / -m group pass (CI sets
#   them to what passes,
#            so that a regression fails).
# Rust binary: $LAMIN_BIN, else `lamin` on PATH. Venv: $LAMIN_CLI_SUITE_VENV, default
# ~/.cache/lamindb-rs/lamin-cli-suite/venv.
set -euo pipefail

min=0
min_m=0
m_passed=0
group=all
while [ $# -gt 0 ]; do
  case "$1" in
    --min) min="$2"; shift 2 ;;
    --min-m) min_m="$2"; shift 2 ;;
    --group) group="$2"; shift 2 ;;
    *) break ;;
  esac
done

here="$(cd "$(dirname "$0")" && pwd)"
LAMIN="${LAMIN_BIN:-$(command -v lamin || true)}"
[ -n "$LAMIN" ] && [ -x "$LAMIN" ] || { echo "no Rust lamin binary: set LAMIN_BIN or put lamin on PATH" >&2; exit 2; }
LAMIN="$(cd "$(dirname "$LAMIN")" && pwd)/$(basename "$LAMIN")"

version=1.21.0
cache="${LAMIN_CLI_SUITE_CACHE:-$HOME/.cache/lamindb-rs/lamin-cli-suite}"
venv="${LAMIN_CLI_SUITE_VENV:-$cache/venv}"
mkdir -p "$cache"

# --- the venv (Python LaminDB as the tests import it) ---------------------------------------
if [ ! -x "$venv/bin/pytest" ] || [ ! -f "$venv/.complete" ]; then
  echo "== creating $venv (first run: about two minutes)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -U pip
  peer_freeze="${LAMINDB_PEER:-$here/../../../shared/peer/python-lamindb}/freeze.txt"
  if [ -f "$peer_freeze" ]; then
    "$venv/bin/pip" install -q -r "$peer_freeze"   # the reference peer's exact pins
  else
    "$venv/bin/pip" install -q "lamindb==2.12.1" "lamin-cli==$version"
  fi
  "$venv/bin/pip" install -q pytest nbproject_test ipykernel
  touch "$venv/.complete"
fi

# --- the tests, from the sdist -------------------------------------------------------------
sdist="$cache/lamin_cli-$version"
if [ ! -d "$sdist/tests/core" ]; then
  "$venv/bin/pip" download -q --no-deps --no-binary :all: "lamin-cli==$version" -d "$cache"
  tar -xzf "$cache/lamin_cli-$version.tar.gz" -C "$cache"
fi

work="$(mktemp -d /tmp/lamin-cli-suite.XXXXXX)"
# LAMIN_CLI_SUITE_KEEP=1 keeps the working copy and pytest's logs for a look.
if [ -n "${LAMIN_CLI_SUITE_KEEP:-}" ]; then echo "== work dir: $work"; else trap 'rm -rf "$work"' EXIT; fi
# The tests edit files of the tree (scripts, notebooks): each run gets a fresh copy.
cp -r "$sdist" "$work/src"
mkdir -p "$work/home" "$work/bin" "$work/shim"
ln -s "$LAMIN" "$work/bin/lamin"

# Offline: lamindb_setup asks the hub whether an instance is registered when a file outside
# the storage root is saved and in track()/finish(); a local instance is not, so say so.
cat > "$work/shim/sitecustomize.py" <<'EOF'
import importlib.abc, importlib.util, sys

_TARGET = "lamindb_setup.core._settings_instance"

class _NotOnHub(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != _TARGET:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            cls = module.InstanceSettings
            prop = cls.is_on_hub
            def is_on_hub(self):
                if self._is_on_hub is None:
                    self._is_on_hub = False
                return prop.fget(self)
            cls.is_on_hub = property(is_on_hub, doc=prop.__doc__)
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, _NotOnHub())
EOF

export HOME="$work/home" PATH="$work/bin:$venv/bin:$PATH" PYTHONPATH="$work/shim" NO_RICH=1
unset LAMIN_SETTINGS_DIR LAMIN_CACHE_DIR LAMIN_INSTANCE LAMIN_CURRENT_INSTANCE LAMIN_API_KEY \
  LAMINDB_MODULES VIRTUAL_ENV || true
[ "$(command -v lamin)" = "$work/bin/lamin" ] || { echo "our lamin is not first on PATH" >&2; exit 2; }
cd "$work/src"

# The 51 tests that call `lamin` from PATH. test_io/test_load/test_save_r_code/
# test_save_scripts_sync_git need the hub, S3, a git remote or R; the -k expression leaves out
# the in-process CliRunner tests of the listed files and their hub/S3/git tests.
path_files=(
  tests/core/test_annotate_with_readme.py tests/core/test_connect_here.py
  tests/core/test_create_switch_delete_list_settings_merge.py tests/core/test_describe.py
  tests/core/test_login.py tests/core/test_migrate.py tests/core/test_save_annotate_files.py
  tests/core/test_save_annotate_scripts.py tests/core/test_save_notebooks.py
  tests/core/test_save_shell_script.py tests/core/test_save_transform_branch_errors.py
  tests/core/test_track.py tests/core/test_update.py
)
path_deselect="not (delete_supports or delete_run_requires or delete_slug or delete_unknown or delete_instance_slug or no_write_access or list_space_maps or managed_uses_hub or hub_switch_branch or api_key or test_cli_login or finish_canonical or save_cloud_file or with_git_and_uid)"

# run_group NAME pytest-args…: runs pytest, prints one line per test, returns the pass count
# in $passed and the test count in $total.
run_group() {
  local name="$1"; shift
  local log="$work/$name.log"
  python -m pytest -p no:cacheprovider -q -rA "$@" > "$log" 2>&1 || true
  grep -E '^(PASSED|FAILED|ERROR) ' "$log" | sed "s/^/[$name] /" || true
  passed=$(grep -cE '^PASSED ' "$log" || true)
  total=$(grep -cE '^(PASSED|FAILED|ERROR) ' "$log" || true)
  if [ "$total" = 0 ]; then
    echo "[$name] pytest ran no test:"; tail -30 "$log"
  fi
}

path_passed=0
if [ "$group" = all ] || [ "$group" = path ]; then
  run_group path "${path_files[@]}" -k "$path_deselect" "$@"
  path_passed=$passed path_total=$total
  echo "== lamin-cli $version, tests calling lamin from PATH: $path_passed of $path_total passed"
fi
if [ "$group" = all ] || [ "$group" = -m ]; then
  # The tests that run `python -m lamin_cli` in a subprocess, with our `lamin` from PATH
  # instead (the files' other tests import lamin_cli's internals and are Python's own).
  mapfile -t m_tests < <(python - <<'PY'
import re
for f in ["test_run.py", "test_save_notes.py", "test_save_plan.py"]:
    path = f"tests/core/{f}"
    src = open(path).read()
    for part in re.split(r"\n(?=def test_)", src):
        m = re.match(r"def (test_\w+)", part)
        if m and ("_lamin(" in part or '"-m", "lamin_cli"' in part):
            print(f"{path}::{m.group(1)}")
PY
)
  for f in test_run.py test_save_notes.py test_save_plan.py; do
    sed -i 's/sys\.executable, "-m", "lamin_cli",/"lamin",/g' "tests/core/$f"
  done
  run_group m "${m_tests[@]}" "$@"
  echo "== lamin-cli $version, python -m lamin_cli tests run with lamin from PATH: $passed of $total passed"
  m_passed=$passed
fi
if [ "$group" != path ] && [ "$m_passed" -lt "$min_m" ]; then
  echo "fewer than $min_m tests of the -m group pass" >&2
  exit 1
fi
if [ "$group" != -m ] && [ "$path_passed" -lt "$min" ]; then
  echo "fewer than $min tests of the PATH group pass" >&2
  exit 1
fi
