#!/usr/bin/env python3
"""Generate lamindb-core's SQLite migration and diesel `table!` schema from the reference DDL.

The reference DDL (`lamindb-sqlite-schema.sql`) is the schema Python LaminDB 2.12.1 creates. The
SQLite migration is that DDL verbatim for the `lamindb_*` tables, their indexes and
`django_migrations`, so that a Rust-made instance is byte-for-byte the same schema.

The Postgres migration is the `pg_dump --schema-only` of a Python-LaminDB-made Postgres instance
(`reference-postgres-schema.sql`), schema-qualified names made relative so that it runs in any schema.
Column types of the diesel schema are taken from Postgres, where Django's types are exact (SQLite
spells BigAutoField as `integer`). Both migrations also record the Django migrations Python
LaminDB expects (`django_migrations_<backend>.tsv`), so that Python LaminDB opens our instances.

Usage: gen_schema.py REFERENCE_SQLITE_DDL REFERENCE_PG_DUMP OUT_SQLITE_UP OUT_PG_UP OUT_SCHEMA_RS
"""
import re
import sys

# Tables that get a diesel `table!` definition (the rest exist in SQL only until an issue needs them).
TYPED_TABLES = """
lamindb_space lamindb_branch lamindb_user lamindb_storage lamindb_transform lamindb_run
lamindb_artifact lamindb_collection lamindb_collectionartifact lamindb_feature lamindb_schema
lamindb_schemafeature lamindb_schemacomponent lamindb_artifactschema lamindb_jsonvalue
lamindb_artifactjsonvalue lamindb_runjsonvalue lamindb_ulabel lamindb_ulabel_parents
lamindb_artifactulabel lamindb_record lamindb_recordjson lamindb_record_parents
lamindb_artifactrecord lamindb_project lamindb_artifactproject lamindb_reference
lamindb_artifactreference lamindb_artifact_input_of_runs lamindb_artifact_recreating_runs
lamindb_collection_input_of_runs lamindb_transformtransform
""".split()

COL_RE = re.compile(r'^"(?P<name>[^"]+)" (?P<type>[a-z]+(?:\(\d+\))?)(?P<rest>.*)$')


def split_columns(body):
    cols, depth, cur = [], 0, ""
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            cols.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        cols.append(cur.strip())
    return cols


def parse(ddl):
    tables, indexes = {}, {}
    for line in ddl.splitlines():
        m = re.match(r'CREATE TABLE "([^"]+)" \((.*)\);$', line)
        if m:
            tables[m.group(1)] = (line, split_columns(m.group(2)))
            continue
        m = re.match(r'CREATE (?:UNIQUE )?INDEX "[^"]+" ON "([^"]+)"', line)
        if m:
            indexes.setdefault(m.group(1), []).append(line)
    return tables, indexes


PG_TYPES = {
    "integer": "Integer",
    "bigint": "BigInt",
    "smallint": "SmallInt",
    "character varying": "Text",
    "text": "Text",
    "boolean": "Bool",
    "timestamp with time zone": "crate::sql_types::DateTimeUtc",
    "date": "Date",
    "jsonb": "crate::sql_types::Json",
    "double precision": "Double",
}


def parse_pg_columns(dump):
    """{table: {column: (diesel type, nullable)}} from a pg_dump."""
    out, current = {}, None
    for line in dump.splitlines():
        m = re.match(r"CREATE TABLE public\.(\w+) \($", line)
        if m:
            current = out.setdefault(m.group(1), {})
            continue
        if current is not None:
            if line.startswith(");"):
                current = None
                continue
            m = re.match(r"\s+(\w+) ([a-z ]+?)(\(\d+\))?( DEFAULT .*?)?( NOT NULL)?,?$", line)
            if m:
                current[m.group(1)] = (PG_TYPES[m.group(2).strip()], m.group(5) is None)
    return out


def table_rs(name, cols, pg_cols):
    out, pk, fields = [], None, []
    for c in cols:
        m = COL_RE.match(c)
        if not m:
            continue  # table constraints
        col, rest = m.group("name"), m.group("rest")
        if "PRIMARY KEY" in rest:
            pk = col
        t, nullable = pg_cols[name][col]
        if nullable:
            t = f"Nullable<{t}>"
        fields.append((col, t))
    # diesel wants the primary key first for readability; keep DDL order otherwise
    fields.sort(key=lambda f: f[0] != pk)
    out.append(f"    {name} ({pk}) {{")
    for col, t in fields:
        ident = col
        if col.startswith("_"):
            out.append(f'        #[sql_name = "{col}"]')
            ident = "aux" if col == "_aux" else col.lstrip("_")
        elif col in ("type",):
            out.append(f'        #[sql_name = "{col}"]')
            ident = "type_"
        out.append(f"        {ident} -> {t},")
    out.append("    }")
    return "\n".join(out), fields


def django_rows(tsv):
    rows = [l.split("\t")[:2] for l in open(tsv).read().splitlines()[1:] if l.strip()]
    values = ",\n".join(f"('{app}', '{name}', CURRENT_TIMESTAMP)" for app, name in rows if app == "lamindb")
    return f"INSERT INTO django_migrations (app, name, applied) VALUES\n{values};\n"


def postgres_up(dump):
    keep = []
    for line in dump.splitlines():
        if line.startswith(("\\restrict", "\\unrestrict", "SET ", "SELECT pg_catalog.set_config", "--")):
            continue
        keep.append(line.replace("public.", ""))
    text = "\n".join(keep)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return "SET LOCAL check_function_bodies = false;\n\n" + text


def main():
    ref, pg_dump, out_sql, out_pg, out_rs = sys.argv[1:6]
    here = __import__("os").path.dirname(__file__)
    tables, indexes = parse(open(ref).read())
    dump = open(pg_dump).read()
    pg_cols = parse_pg_columns(dump)
    with open(out_pg, "w") as f:
        f.write("-- lamindb 2.12.1 core schema for Postgres (generated by lamindb-core/tools/gen_schema.py from\n")
        f.write("-- the pg_dump of a Python-LaminDB-made instance; do not edit by hand).\n")
        f.write(postgres_up(dump))
        f.write(django_rows(f"{here}/django_migrations_postgres.tsv"))
    names = sorted(t for t in tables if t.startswith("lamindb_")) + ["django_migrations"]
    with open(out_sql, "w") as f:
        f.write("-- lamindb 2.12.1 core schema (generated by lamindb-core/tools/gen_schema.py from the\n")
        f.write("-- reference DDL of Python LaminDB; do not edit by hand).\n")
        for t in names:
            f.write(tables[t][0] + "\n")
        for t in names:
            for idx in indexes.get(t, []):
                f.write(idx + "\n")
        f.write(django_rows(f"{here}/django_migrations_sqlite.tsv"))
    fks = []
    blocks = []
    for t in TYPED_TABLES:
        line, cols = tables[t]
        block, _ = table_rs(t, cols, pg_cols)
        blocks.append(block)
        for c in cols:
            m = re.match(r'^"([^"]+)" .* REFERENCES "([^"]+)" \("id"\)', c)
            if m and m.group(2) in TYPED_TABLES and m.group(2) != t:
                fks.append((t, m.group(2), m.group(1)))
    with open(out_rs, "w") as f:
        f.write("// @generated by lamindb-core/tools/gen_schema.py from the reference DDL; do not edit.\n")
        f.write("//! Diesel schema of the LaminDB core tables (same names, columns and types as Python LaminDB).\n\n")
        f.write("#![allow(missing_docs)]\n\n")
        f.write("diesel::table! {\n    use diesel::sql_types::*;\n\n")
        f.write("\n}\n\ndiesel::table! {\n    use diesel::sql_types::*;\n\n".join(blocks))
        f.write("\n}\n\n")
        seen = set()
        for child, parent, col in fks:
            pair = frozenset((child, parent))
            if pair in seen:
                continue  # diesel allows one JoinTo per pair of tables, in either direction
            seen.add(pair)
            ident = col.lstrip("_")
            f.write(f"diesel::joinable!({child} -> {parent} ({ident}));\n")
        f.write("\ndiesel::allow_tables_to_appear_in_same_query!(\n")
        for t in TYPED_TABLES:
            f.write(f"    {t},\n")
        f.write(");\n")


if __name__ == "__main__":
    main()
