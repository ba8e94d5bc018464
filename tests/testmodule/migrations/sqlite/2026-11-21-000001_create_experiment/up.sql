CREATE TABLE "testmodule_experiment" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uid" varchar(12) NOT NULL UNIQUE,
    "name" varchar(255) NOT NULL,
    "artifact_id" integer NULL REFERENCES "lamindb_artifact" ("id") DEFERRABLE INITIALLY DEFERRED,
    "created_at" datetime DEFAULT (STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')) NOT NULL,
    "created_by_id" integer NOT NULL REFERENCES "lamindb_user" ("id") DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX "testmodule_experiment_name" ON "testmodule_experiment" ("name");
-- A feature-aware link to artifacts, shaped as Python LaminDB's label links (ArtifactULabel).
CREATE TABLE "testmodule_artifactexperiment" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "artifact_id" integer NOT NULL REFERENCES "lamindb_artifact" ("id") DEFERRABLE INITIALLY DEFERRED,
    "experiment_id" integer NOT NULL REFERENCES "testmodule_experiment" ("id") DEFERRABLE INITIALLY DEFERRED,
    "feature_id" integer NULL REFERENCES "lamindb_feature" ("id") DEFERRABLE INITIALLY DEFERRED,
    "run_id" bigint NULL REFERENCES "lamindb_run" ("id") DEFERRABLE INITIALLY DEFERRED,
    "created_at" datetime DEFAULT (STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')) NOT NULL,
    "created_by_id" integer NOT NULL REFERENCES "lamindb_user" ("id") DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX "testmodule_artifactexperiment_artifact_id" ON "testmodule_artifactexperiment" ("artifact_id");
CREATE INDEX "testmodule_artifactexperiment_experiment_id" ON "testmodule_artifactexperiment" ("experiment_id");
CREATE TABLE "testmodule_kind" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL UNIQUE);
INSERT INTO django_migrations (app, name, applied) VALUES ('testmodule', '0001_initial', CURRENT_TIMESTAMP);
