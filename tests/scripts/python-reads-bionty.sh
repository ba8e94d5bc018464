#!/usr/bin/env bash
# Interop check: an instance with the bionty module made by the Rust `lamin` (ontology + gene
# imports, a cat[bionty.CellType] feature, an annotated artifact, a record with a parent, an
# AnnData validated against the built-in composite schema and saved with its labels) is
# read by Python LaminDB 2.12.1 + bionty 2.5.2, which then writes a record that the Rust CLI
# must see. The same instance also has the pertdb module (`--modules bionty,wetlab`; the Rust CLI
# stores it under Python's name `pertdb`): wetlab.Compound / pertdb.GeneticPerturbation /
# pertdb.Biologic records made with `lamin create … --set`, a cat[wetlab.Compound] feature and an
# annotated csv are read by Python's pertdb 2.2.1, which then writes a Compound the Rust CLI must see.
#
# Usage: python-reads-bionty.sh [postgres]
#   default: SQLite instance; `postgres`: a fresh database on 127.0.0.1:5432 (user postgres,
#   trust auth; dropped again at the end; PGHOST/PGPORT/PGUSER override).
# Rust binary: $LAMIN_BIN, else `lamin` on PATH.
# Python: the reference peer venv (bash ../shared/peer/python-lamindb/setup.sh), or
# LAMINDB_PEER_VENV; runs offline via the peer's offline shim.
# Settings, cache and cwd are temp dirs; prints PASS/FAIL per check, exits 1 on any FAIL.
set -euo pipefail

backend="${1:-sqlite}"
case "$backend" in sqlite|postgres) ;; *) echo "usage: $0 [postgres]" >&2; exit 2 ;; esac

here="$(cd "$(dirname "$0")" && pwd)"
peer="${LAMINDB_PEER:-$here/../../../shared/peer/python-lamindb}"
venv="${LAMINDB_PEER_VENV:-$peer/venv}"
data="${LAMINDB_SHARED_DATA:-$here/../../../shared/data}"
[ -x "$venv/bin/python" ] || { echo "no Python LaminDB venv at $venv: run $peer/setup.sh or set LAMINDB_PEER_VENV" >&2; exit 2; }
LAMIN="${LAMIN_BIN:-$(command -v lamin || true)}"
[ -n "$LAMIN" ] && [ -x "$LAMIN" ] || { echo "no Rust lamin binary: set LAMIN_BIN or put lamin on PATH" >&2; exit 2; }
LAMIN="$(cd "$(dirname "$LAMIN")" && pwd)/$(basename "$LAMIN")"
obo="$data/ontologies/cl.obo"
genes="$data/genes/genes_homo_sapiens.csv.gz"
for f in "$obo" "$genes"; do [ -r "$f" ] || { echo "missing test data $f" >&2; exit 2; }; done

work="$(mktemp -d /tmp/pyreadsbt.XXXXXX)"
pghost="${PGHOST:-127.0.0.1}" pgport="${PGPORT:-5432}" pguser="${PGUSER:-postgres}"
dbname=""
cleanup() {
  if [ -n "$dbname" ]; then
    dropdb -h "$pghost" -p "$pgport" -U "$pguser" --if-exists "$dbname" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/cwd" "$work/settings" "$work/cache"

export LAMIN_SETTINGS_DIR="$work/settings" LAMIN_CACHE_DIR="$work/cache" NO_RICH=1
export PYTHONPATH="$peer/offline_shim"
unset LAMIN_INSTANCE LAMIN_CURRENT_INSTANCE LAMIN_API_KEY LAMINDB_MODULES || true
cd "$work/cwd"

fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# step NAME CMD...: run a Rust CLI step, echo its output on failure.
step() {
  local name="$1"; shift
  local out
  if out="$("$@" 2>&1)"; then pass "rust: $name"; else
    fail "rust: $name"; printf '%s\n' "$out" | sed 's/^/    /' | tail -20
    echo "aborting: the Rust setup did not complete"; exit 1
  fi
}

name="pyreadsbt"
init_args=(init --storage "$work/data" --modules bionty,wetlab --name "$name")
if [ "$backend" = postgres ]; then
  dbname="pyreadsbt_$$_$(date +%s)"
  createdb -h "$pghost" -p "$pgport" -U "$pguser" "$dbname"
  init_args+=(--db "postgresql://$pguser@$pghost:$pgport/$dbname")
fi
echo "== backend: $backend; Rust binary: $LAMIN; work dir: $work"

# --- 1. the Rust side builds the instance -------------------------------------------------
step "init" "$LAMIN" "${init_args[@]}"
step "bionty import CellType" "$LAMIN" bionty import CellType --file "$obo"
step "bionty import Gene" "$LAMIN" bionty import Gene --file "$genes"
step "create feature cell_type" "$LAMIN" create feature cell_type --dtype 'cat[bionty.CellType]'
printf 'cell,n_genes\nc1,1200\nc2,980\nc3,1534\n' > "$work/cells.csv"
step "save data/cells.csv" "$LAMIN" save "$work/cells.csv" --key data/cells.csv
step "annotate cell_type=T cell" "$LAMIN" annotate --key data/cells.csv --features 'cell_type=T cell'
step "create bionty.CellType 'my T cell'" "$LAMIN" create bionty.CellType "my T cell" --parent "T cell"
# pertdb (requested as `wetlab`, its former name; Python's `pertdb` module reads the same tables)
compound_json="$work/compound.json"
step "create wetlab.Compound dexamethasone" sh -c '"$@" > "$0"' "$compound_json" \
  "$LAMIN" --json create wetlab.Compound dexamethasone --set ontology_id=CHEMBL384467 --set synonyms=Decadron
compound_uid="$("$venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["uid"])' "$compound_json")"
echo "== Rust uid of dexamethasone: $compound_uid"
step "create pertdb.GeneticPerturbation sgCD4" "$LAMIN" create pertdb.GeneticPerturbation sgCD4 --set type=CRISPRi
step "create pertdb.Biologic IL-2" "$LAMIN" create pertdb.Biologic IL-2 --set type=cytokine
step "create feature compound" "$LAMIN" create feature compound --dtype 'cat[wetlab.Compound]'
printf 'well,concentration\nA1,0.1\nA2,1.0\nA3,10.0\n' > "$work/plate.csv"
step "save screens/plate.csv" "$LAMIN" save "$work/plate.csv" --key screens/plate.csv
step "annotate compound=dexamethasone" "$LAMIN" annotate --key screens/plate.csv --features compound=dexamethasone
# An AnnData validated against the built-in schema and saved with its labels and feature sets.
step "create ulabel DMSO" "$LAMIN" create ulabel DMSO
step "create ulabel IFNG" "$LAMIN" create ulabel IFNG
step "create feature perturbation" "$LAMIN" create feature perturbation --dtype 'cat[ULabel]'
step "create feature cell_type_by_expert" "$LAMIN" create feature cell_type_by_expert --dtype 'cat[bionty.CellType]'
step "save data/mini_immuno.h5ad --schema" "$LAMIN" save "$here/../fixtures/anndata/mini_immuno.h5ad" \
  --key data/mini_immuno.h5ad --schema ensembl_gene_ids_and_valid_features_in_obs
# Standardized copies of an AnnData with synonyms (h5ad, zarr v2, zarr v3), which Python
# anndata must read with the merged categories and the rest unchanged.
step "create feature cell_type_by_model" "$LAMIN" create feature cell_type_by_model --dtype 'cat[bionty.CellType]'
for fmt in h5ad v2.zarr v3.zarr; do
  step "validate mini_immuno_synonyms.$fmt --standardize" "$LAMIN" validate \
    "$here/../fixtures/anndata/mini_immuno_synonyms.$fmt" \
    --schema ensembl_gene_ids_and_valid_features_in_obs --standardize "$work/standardized.$fmt"
done
# A label made on a branch and merged into main (Python must see it on main, the branch merged).
step "switch -c pydev" "$LAMIN" switch -c pydev
step "create ulabel from-branch (on pydev)" "$LAMIN" create ulabel from-branch
step "switch main" "$LAMIN" switch main
step "merge pydev" "$LAMIN" merge pydev
# A collection of two CSV artifacts, and its next version with a third (Python must see the
# members in order, the hash it would compute, and load them as one DataFrame).
for i in 1 2 3; do
  printf 'sample,value\ns%s,%s\n' "$i" "$i" > "$work/part$i.csv"
  step "save part$i.csv" "$LAMIN" save "$work/part$i.csv" --key "parts/part$i.csv"
done
step "create collection pycol" "$LAMIN" create collection pycol --artifact parts/part1.csv --artifact parts/part2.csv
step "create collection pycol (v2)" "$LAMIN" create collection pycol --filter key__startswith=parts/
slug="$("$LAMIN" --json info | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["slug"])')"
echo "== instance $slug"

# --- 2. Python LaminDB reads it (and writes one record) -----------------------------------
# Python finds the instance through the settings files the Rust CLI wrote into
# LAMIN_SETTINGS_DIR (.lamin/instance--OWNER--NAME.env, .lamin/current_instance.env).
set +e
LAMIN_CURRENT_INSTANCE="$slug" "$venv/bin/python" - "$slug" "$compound_uid" "$work" "$here/../fixtures/anndata" <<'EOF'
import sys, traceback

slug, rust_compound_uid, work, fixtures = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
fails = 0

def check(label, fn):
    global fails
    try:
        res = fn()
    except Exception as e:  # noqa: BLE001
        fails += 1
        tb = traceback.format_exc().strip().splitlines()
        print(f"FAIL: python: {label}: {type(e).__name__}: {e}")
        for line in tb[-8:]:
            print("    " + line)
        return
    if res is True:
        print(f"PASS: python: {label}")
    else:
        fails += 1
        print(f"FAIL: python: {label}: got {res!r}")

def expect(got, want):
    return True if got == want else f"{got!r} != {want!r}"

try:
    import lamindb as ln
    import bionty as bt
    connected = ln.setup.settings.instance.slug
except Exception as e:  # noqa: BLE001
    print(f"FAIL: python: import lamindb/bionty + connect: {type(e).__name__}: {e}")
    for line in traceback.format_exc().strip().splitlines()[-12:]:
        print("    " + line)
    sys.exit(1)
check("connected to the Rust-made instance", lambda: expect(connected, slug))
check("instance has bionty module", lambda: "bionty" in ln.setup.settings.instance.modules or ln.setup.settings.instance.modules)

def t_cell():
    return bt.CellType.filter(ontology_id="CL:0000084").one()

check("CellType CL:0000084 name == 'T cell'", lambda: expect(t_cell().name, "T cell"))
check("CellType CL:0000084 uid == '22LvKd01YyNA1a'", lambda: expect(t_cell().uid, "22LvKd01YyNA1a"))
check("T cell.parents include 'lymphocyte'",
      lambda: "lymphocyte" in t_cell().parents.to_list("name") or t_cell().parents.to_list("name"))
check("T cell.query_parents() include 'cell'",
      lambda: "cell" in t_cell().query_parents().to_list("name") or t_cell().query_parents().to_list("name"))
check("'my T cell'.parents == ['T cell']",
      lambda: expect(bt.CellType.get(name="my T cell").parents.to_list("name"), ["T cell"]))
check("'T cell'.children include 'my T cell'",
      lambda: "my T cell" in t_cell().children.to_list("name") or t_cell().children.to_list("name"))
check("bt.CellType.filter().count() == 3325", lambda: expect(bt.CellType.filter().count(), 3325))

def brca2():
    return bt.Gene.filter(ensembl_gene_id="ENSG00000139618").one()

check("Gene ENSG00000139618 symbol == 'BRCA2'", lambda: expect(brca2().symbol, "BRCA2"))
check("Gene ENSG00000139618 organism == 'human'", lambda: expect(brca2().organism.name, "human"))
check("Source currently_used for bionty.CellType exists",
      lambda: bt.Source.filter(currently_used=True, entity="bionty.CellType").exists())
# cl.obo is cl 2026-03-26, not bionty 2.5.2's default (currently_used) cl version: the import
# records its own Source (in_db=True) and, as bionty's import_source does, leaves the default as is.
check("T cell.source is the imported cl 2026-03-26 source (in_db)",
      lambda: expect((t_cell().source.entity, t_cell().source.name, t_cell().source.version, t_cell().source.in_db),
                     ("bionty.CellType", "cl", "2026-03-26", True)))

def artifact():
    return ln.Artifact.get(key="data/cells.csv")

check("artifact.cell_types contain 'T cell'",
      lambda: "T cell" in artifact().cell_types.to_list("name") or artifact().cell_types.to_list("name"))

def feature_values():
    vals = artifact().features.get_values()
    v = vals.get("cell_type")
    if v == "T cell" or (isinstance(v, (list, set, tuple)) and list(v) == ["T cell"]):
        return True
    return f"get_values() = {vals!r}"

check("artifact.features.get_values()['cell_type'] == 'T cell'", feature_values)
check("artifact.describe() runs", lambda: artifact().describe() is None)
check("artifact.load() reads the csv", lambda: expect(artifact().load().shape, (3, 2)))
check("CellType.validate(['T cell','t cell']) == [True, False]",
      lambda: expect([bool(x) for x in bt.CellType.validate(["T cell", "t cell"])], [True, False]))
check("CellType.standardize(['T-cell']) == ['T cell']",
      lambda: expect(list(bt.CellType.standardize(["T-cell"])), ["T cell"]))
check("CellType.search('T cell').first().name == 'T cell'",
      lambda: expect(bt.CellType.search("T cell").first().name, "T cell"))

# --- the AnnData saved with a schema ---
def adata_artifact():
    return ln.Artifact.get(key="data/mini_immuno.h5ad")

check("AnnData artifact: otype, kind, n_observations",
      lambda: expect((adata_artifact().otype, adata_artifact().kind, adata_artifact().n_observations),
                     ("AnnData", "dataset", 3)))
check("AnnData artifact: schema is the built-in composite (uid 0000000000000002)",
      lambda: expect(adata_artifact().schema.uid, "0000000000000002"))
check("composite slots: obs → valid_features, var.T → valid_ensembl_gene_ids",
      lambda: expect({k: v.uid for k, v in adata_artifact().schema.slots.items()},
                     {"obs": "0000000000000000", "var.T": "0000000000000001"}))

def inferred_sets():
    from lamindb.models import ArtifactSchema
    links = ArtifactSchema.filter(artifact_id=adata_artifact().id)
    return expect(sorted((l.slot, l.schema.n_members) for l in links), [("obs", 2), ("var.T", 3)])

check("inferred feature sets per slot (obs: 2 features, var.T: 3 genes)", inferred_sets)

def var_set_is_pythons():
    from lamindb.models import ArtifactSchema
    link = ArtifactSchema.get(artifact_id=adata_artifact().id, slot="var.T")
    genes = list(link.schema.members)
    ids = sorted(g.ensembl_gene_id for g in genes)
    same = ln.Schema(features=genes, itype="bionty.Gene.ensembl_gene_id")
    return expect((ids, same.hash), (["ENSG00000010610", "ENSG00000153563", "ENSG00000170458"], link.schema.hash))

check("var.T feature set: the 3 genes as members, with the hash Python computes for them", var_set_is_pythons)
check("AnnData labels: .cell_types and .ulabels",
      lambda: expect((sorted(adata_artifact().cell_types.to_list("name")), sorted(adata_artifact().ulabels.to_list("name"))),
                     (["B cell", "CD8-positive, alpha-beta T cell"], ["DMSO", "IFNG"])))
check("AnnData artifact.describe() runs", lambda: adata_artifact().describe() is None)
check("AnnData artifact.load() is (3, 3)", lambda: expect(adata_artifact().load().shape, (3, 3)))

def create_python_record():
    rec = bt.CellType(name="python cell", ontology_id="CL:9999999").save()
    rec.parents.add(t_cell())
    return expect(bt.CellType.get(ontology_id="CL:9999999").parents.to_list("name"), ["T cell"])

check("create bt.CellType 'python cell' (CL:9999999, parent T cell)", create_python_record)

# --- pertdb ---
try:
    import pertdb
except Exception as e:  # noqa: BLE001
    pertdb = None
    fails += 1
    print(f"FAIL: python: import pertdb: {type(e).__name__}: {e}")
    for line in traceback.format_exc().strip().splitlines()[-12:]:
        print("    " + line)
if pertdb is not None:
    check("instance has pertdb module", lambda: "pertdb" in ln.setup.settings.instance.modules or ln.setup.settings.instance.modules)

    def dexa():
        return pertdb.Compound.get(name="dexamethasone")

    check("bionty ontology uid of 'CHEMBL384467' is 14 chars",
          lambda: expect(len(bt.uids.ontology("CHEMBL384467")), 14))
    check(f"Compound dexamethasone uid == Rust's {rust_compound_uid!r} == bt.uids.ontology('CHEMBL384467')",
          lambda: expect((dexa().uid, rust_compound_uid), (bt.uids.ontology("CHEMBL384467"),) * 2))
    check("Compound dexamethasone ontology_id == 'CHEMBL384467'", lambda: expect(dexa().ontology_id, "CHEMBL384467"))
    check("Compound dexamethasone synonyms == 'Decadron'", lambda: expect(dexa().synonyms, "Decadron"))
    check("GeneticPerturbation sgCD4 type == 'CRISPRi'",
          lambda: expect(pertdb.GeneticPerturbation.get(name="sgCD4").type, "CRISPRi"))
    check("Biologic IL-2 type == 'cytokine'", lambda: expect(pertdb.Biologic.get(name="IL-2").type, "cytokine"))
    check("Feature compound dtype == 'cat[pertdb.Compound]'",
          lambda: expect(ln.Feature.get(name="compound").dtype_as_str, "cat[pertdb.Compound]"))

    def plate():
        return ln.Artifact.get(key="screens/plate.csv")

    check("screens/plate.csv .compounds contain 'dexamethasone'",
          lambda: "dexamethasone" in plate().compounds.to_list("name") or plate().compounds.to_list("name"))

    def compound_value():
        vals = plate().features.get_values()
        v = vals.get("compound")
        if v == "dexamethasone" or (isinstance(v, (list, set, tuple)) and list(v) == ["dexamethasone"]):
            return True
        return f"get_values() = {vals!r}"

    check("screens/plate.csv features.get_values()['compound'] == 'dexamethasone'", compound_value)
    check("screens/plate.csv describe() runs", lambda: plate().describe() is None)
    check("Compound.standardize(['Decadron']) == ['dexamethasone']",
          lambda: expect(list(pertdb.Compound.standardize(["Decadron"])), ["dexamethasone"]))
    check("create pertdb.Compound 'aspirin'",
          lambda: expect(pertdb.Compound(name="aspirin").save().name, "aspirin"))
# --- a collection lamin made ---
def pycol():
    from lamindb_setup.core.hashing import hash_set
    c = ln.Collection.get(key="pycol", is_latest=True)
    keys = [a.key for a in c.ordered_artifacts]
    df = c.load()
    return expect(
        (keys, c.hash == hash_set({a.hash for a in c.artifacts.all()}), list(df["sample"]),
         c.versions.count()),
        (["parts/part1.csv", "parts/part2.csv", "parts/part3.csv"], True, ["s1", "s2", "s3"], 2),
    )
check("Collection pycol: ordered members, Python's hash_set, load() concatenates, 2 versions", pycol)
# --- a branch lamin merged ---
check("ULabel made on branch pydev is on main after lamin merge",
      lambda: expect(ln.ULabel.get(name="from-branch").branch.name, "main"))
check("branch pydev is marked merged (_status_code -1)",
      lambda: expect(ln.Branch.get(name="pydev")._status_code, -1))

# --- the standardized AnnData copies lamin wrote ---
def standardized(fmt):
    import anndata as ad, numpy as np
    read = ad.read_h5ad if fmt == "h5ad" else ad.read_zarr
    out, src = read(f"{work}/standardized.{fmt}"), read(f"{fixtures}/mini_immuno_synonyms.{fmt}")
    got = (
        list(out.obs["cell_type_by_expert"]),
        list(out.obs["cell_type_by_expert"].cat.categories),
        list(out.obs["cell_type_by_model"]),
        bool(np.array_equal(out.X, src.X)),
        list(out.obs.index) == list(src.obs.index),
        list(out.obs["perturbation"]) == list(src.obs["perturbation"]),
        out.uns["study"] == src.uns["study"],
    )
    return expect(got, (["B cell", "B cell", "CD8-positive, alpha-beta T cell"],
                        ["B cell", "CD8-positive, alpha-beta T cell"],
                        ["B cell", "T cell", "T cell"], True, True, True, True))

for fmt in ["h5ad", "v2.zarr", "v3.zarr"]:
    check(f"anndata reads lamin's standardized {fmt} copy", lambda fmt=fmt: standardized(fmt))
print(f"python: {fails} failure(s)")
sys.exit(1 if fails else 0)
EOF
py_rc=$?
set -e
[ "$py_rc" -eq 0 ] || fails=$((fails + 1))

# --- 3. the Rust CLI sees what Python wrote -----------------------------------------------
if out="$("$LAMIN" --json list bionty.celltype --filter ontology_id=CL:9999999 2>&1)" &&
   printf '%s' "$out" | "$venv/bin/python" -c '
import json, sys
rows = json.load(sys.stdin)
sys.exit(0 if len(rows) == 1 and rows[0]["name"] == "python cell" else 1)'; then
  pass "rust: list bionty.celltype --filter ontology_id=CL:9999999 finds 'python cell'"
else
  fail "rust: list bionty.celltype --filter ontology_id=CL:9999999 finds 'python cell'"
  printf '%s\n' "$out" | sed 's/^/    /' | tail -20
fi
if out="$("$LAMIN" --json bionty parents CellType CL:9999999 --depth 1 2>&1)" && grep -q 'CL:0000084' <<<"$out"; then
  pass "rust: bionty parents CellType CL:9999999 shows T cell"
else
  fail "rust: bionty parents CellType CL:9999999 shows T cell"
  printf '%s\n' "$out" | sed 's/^/    /' | tail -20
fi
if out="$("$LAMIN" bionty validate CellType "python cell" "T cell" 2>&1)"; then
  pass "rust: bionty validate CellType 'python cell' 'T cell'"
else
  fail "rust: bionty validate CellType 'python cell' 'T cell'"
  printf '%s\n' "$out" | sed 's/^/    /' | tail -20
fi

if out="$("$LAMIN" --json list pertdb.compound --filter name=aspirin 2>&1)" &&
   printf '%s' "$out" | "$venv/bin/python" -c '
import json, sys
rows = json.load(sys.stdin)
sys.exit(0 if len(rows) == 1 and rows[0]["name"] == "aspirin" else 1)'; then
  pass "rust: list pertdb.compound --filter name=aspirin finds one row"
else
  fail "rust: list pertdb.compound --filter name=aspirin finds one row"
  printf '%s\n' "$out" | sed 's/^/    /' | tail -20
fi

echo "== $backend: $fails failure(s)"
[ "$fails" -eq 0 ]
