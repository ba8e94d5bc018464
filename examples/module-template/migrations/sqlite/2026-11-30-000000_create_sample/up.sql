-- mylab.Sample: the registry, with the columns every LaminDB registry row has (uid, name,
-- description, created_at, created_by_id, run_id) and the lab's own (tissue_kind).
CREATE TABLE "mylab_sample" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uid" varchar(12) NOT NULL UNIQUE,
    "name" varchar(255) NOT NULL UNIQUE,
    "description" text NULL,
    "tissue_kind" varchar(64) NULL,
    "created_at" datetime DEFAULT (STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')) NOT NULL,
    "created_by_id" integer NOT NULL REFERENCES "lamindb_user" ("id") DEFERRABLE INITIALLY DEFERRED,
    "run_id" bigint NULL REFERENCES "lamindb_run" ("id") DEFERRABLE INITIALLY DEFERRED
);
-- Artifacts annotated with samples, as labels or as values of `cat[mylab.Sample]` features:
-- shaped as Python LaminDB's label links (artifact, value, feature_id, run, creator, time).
CREATE TABLE "mylab_artifactsample" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "artifact_id" integer NOT NULL REFERENCES "lamindb_artifact" ("id") DEFERRABLE INITIALLY DEFERRED,
    "sample_id" integer NOT NULL REFERENCES "mylab_sample" ("id") DEFERRABLE INITIALLY DEFERRED,
    "feature_id" integer NULL REFERENCES "lamindb_feature" ("id") DEFERRABLE INITIALLY DEFERRED,
    "run_id" bigint NULL REFERENCES "lamindb_run" ("id") DEFERRABLE INITIALLY DEFERRED,
    "created_at" datetime DEFAULT (STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')) NOT NULL,
    "created_by_id" integer NOT NULL REFERENCES "lamindb_user" ("id") DEFERRABLE INITIALLY DEFERRED
);
CREATE UNIQUE INDEX "mylab_artifactsample_uniq" ON "mylab_artifactsample" ("artifact_id", "sample_id", "feature_id");
CREATE INDEX "mylab_artifactsample_sample_id" ON "mylab_artifactsample" ("sample_id");
