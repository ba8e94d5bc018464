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

It also writes the core registry descriptions (`lamindb-core/src/meta/core.rs`): fields, foreign
keys, link-table columns, `feature_id` and tracked columns from the DDL, names and accessors from
`core_registries.py`.

Usage: gen_schema.py REFERENCE_SQLITE_DDL REFERENCE_PG_DUMP OUT_SQLITE_UP OUT_PG_UP OUT_SCHEMA_RS OUT_META_RS
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
    "timestamp with time zone": "crate::db::sql_types::DateTimeUtc",
    "date": "Date",
    "jsonb": "crate::db::sql_types::Json",
    "double precision": "Double",
    # Django's DurationField: microseconds as bigint on SQLite, interval on Postgres.
    "interval": "Interval",
}


def parse_pg_columns(dump):
    """{table: {column: (diesel type, nullable, varchar length or None)}} from a pg_dump."""
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
                length = int(m.group(3)[1:-1]) if m.group(3) else None
                current[m.group(1)] = (PG_TYPES[m.group(2).strip()], m.group(5) is None, length)
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
        t, nullable, _ = pg_cols[name][col]
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


def django_rows(tsv, only="lamindb"):
    rows = [l.split("\t")[:2] for l in open(tsv).read().splitlines()[1:] if l.strip()]
    values = ",\n".join(f"('{app}', '{name}', CURRENT_TIMESTAMP)" for app, name in rows if app == only)
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


FIELD_TYPES = {
    "Integer": "Int",
    "BigInt": "Int",
    "SmallInt": "Int",
    "Text": "Text",
    "Bool": "Bool",
    "crate::db::sql_types::DateTimeUtc": "DateTime",
    "Date": "Date",
    "crate::db::sql_types::Json": "Json",
    "Double": "Float",
    "Interval": "Int",
}


def ddl_columns(cols):
    """[(column, referenced table or None, not null)] in DDL order."""
    out = []
    for c in cols:
        m = COL_RE.match(c)
        if not m:
            continue
        ref = re.search(r'REFERENCES "([^"]+)"', m.group("rest"))
        out.append((m.group("name"), ref.group(1) if ref else None, "NOT NULL" in m.group("rest")))
    return out


def rs_str(v):
    return "None" if v is None else f'Some("{v}")'


def meta_rs(tables, pg_cols, cr=None, doc=None, list_name="CORE_REGISTRIES", meta_path="super", known_tables=()):
    """Registry descriptions as Rust statics: those of `cr` (a module with REGISTRIES, LINKS,
    REVERSE_KEYS, VALUE_NAMES; the core's by default). Foreign keys to `known_tables` (another
    module's registries, such as the core's for a schema module) are typed as foreign keys too."""
    if cr is None:
        sys.path.insert(0, __import__("os").path.dirname(__file__))
        import core_registries as cr
    doc = doc or "//! Descriptions of the core registries (Python LaminDB's `lamindb_*` tables)."

    table_of = {name: table for name, table, *_ in cr.REGISTRIES}
    table_of.update(getattr(cr, "KNOWN_REGISTRIES", {}))
    registry_tables = set(table_of.values()) | set(known_tables)
    out = [
        f"// @generated by lamindb-core/tools/gen_schema.py from the reference DDL and",
        f"// {getattr(cr, 'SOURCE', 'lamindb-core/tools/core_registries.py')}; do not edit.",
        doc,
        "",
        "#![allow(unused_imports)]",
        "",
        f"use {meta_path}::FeatureColumn::{{Absent, Optional, Required}};",
        f"use {meta_path}::FieldType::{{Bool, Date, DateTime, Float, ForeignKey as Fk, Int, Json, Text}};",
        f"use {meta_path}::{{FieldMeta, LinkMeta, RegistryMeta, ReverseKey, Tracks, ValueStore}};",
        "",
    ]
    for name, table, name_field, uid_len, aliases, values in cr.REGISTRIES:
        ident = name.rsplit(".", 1)[-1].upper()
        fields = []
        for col, ref, _ in ddl_columns(tables[table][1]):
            t = pg_cols[table][col][0]
            ft = f'Fk("{ref}")' if ref in registry_tables else FIELD_TYPES[t]
            ml = pg_cols[table][col][2]
            ml = f"Some({ml})" if ml and t == "Text" else "None"
            fields.append(f'        FieldMeta {{ name: "{col}", field_type: {ft}, max_len: {ml}, default: None }},')
        keys = [
            f'        ReverseKey {{ name: "{acc}", table: "{t}", column: "{c}" }},'
            for reg, acc, t, c in cr.REVERSE_KEYS
            if reg == name
        ]
        links = []
        own = {n for n, *_ in cr.REGISTRIES}
        for ltable, host, acc, value, rev, label, cols in cr.LINKS:
            # A link is declared by its host, or by its value when the host belongs to another
            # module (bionty's links to core artifacts live with bionty's registries).
            if (host if host in own else value) != name:
                continue
            lcols = ddl_columns(tables[ltable][1])
            names = [c for c, _, _ in lcols]
            if cols is None:
                # created_by_id and a tracking run_id reference registries too; skip them.
                skip = {"feature_id", "created_by_id"} | ({"run_id"} if "Run" not in (host, value) else set())
                refs = [c for c, r, _ in lcols if r in (table_of[host], table_of[value]) and c not in skip]
                assert len(refs) == 2, (ltable, refs)
                hc = next(c for c in refs if dict((c, r) for c, r, _ in lcols)[c] == table_of[host])
                vc = next(c for c in refs if c != hc)
            else:
                hc, vc = cols
            assert hc in names and vc in names, ltable
            feature = "Absent"
            for c, _, notnull in lcols:
                if c == "feature_id" and c not in (hc, vc):
                    feature = "Required" if notnull else "Optional"
            tracks = (
                f"Tracks {{ created_at: {str('created_at' in names).lower()}, "
                f"created_by: {str('created_by_id' in names).lower()}, "
                f"run: {str('run_id' in names and 'run_id' not in (hc, vc)).lower()} }}"
            )
            links.append(
                f'        LinkMeta {{ table: "{ltable}", host: "{table_of[host]}", host_column: "{hc}", '
                f'value: "{table_of[value]}", value_column: "{vc}", accessor: "{acc}", reverse: {rs_str(rev)}, '
                f"feature: {feature}, tracks: {tracks}, label: {str(label).lower()} }},"
            )
        if values is None:
            vs = "None"
        elif values[0] == "link":
            vs = f'Some(ValueStore::Link("{values[1]}"))'
        else:
            vs = f'Some(ValueStore::Own {{ table: "{values[1]}", host_column: "{values[2]}" }})'
        al = ", ".join(f'("{a}", "{b}")' for a, b in aliases)
        out.append(f"/// `{name}` (`{table}`).")
        out.append(f"pub static {ident}: RegistryMeta = RegistryMeta {{")
        out.append(f'    name: "{name}",')
        out.append(f'    table: "{table}",')
        out.append(f"    name_field: {rs_str(name_field)},")
        out.append(f"    uid_len: {'None' if uid_len is None else f'Some({uid_len})'},")
        out.append("    fields: &[")
        out.extend(fields)
        out.append("    ],")
        out.append("    reverse_keys: &[" + ("" if not keys else ""))
        out.extend(keys)
        out.append("    ],")
        out.append("    links: &[")
        out.extend(links)
        out.append("    ],")
        out.append(f"    aliases: &[{al}],")
        vn = ", ".join(
            f'("{field}", &[' + ", ".join(f'("{n}", {c})' for n, c in names) + "])"
            for field, names in cr.VALUE_NAMES.get(name, [])
        )
        out.append(f"    value_names: &[{vn}],")
        out.append(f"    values: {vs},")
        out.append("};")
        out.append("")
    out.append(f"/// {getattr(cr, 'LIST_DOC', 'The core registries.')}")
    out.append(f"pub static {list_name}: &[&RegistryMeta] = &[")
    for name, *_ in cr.REGISTRIES:
        out.append(f"    &{name.rsplit('.', 1)[-1].upper()},")
    out.append("];")
    return "\n".join(out) + "\n"


def main():
    ref, pg_dump, out_sql, out_pg, out_rs, out_meta = sys.argv[1:7]
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
    with open(out_meta, "w") as f:
        f.write(meta_rs(tables, pg_cols))


if __name__ == "__main__":
    main()
