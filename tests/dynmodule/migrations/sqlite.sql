CREATE TABLE "dynlab_plate" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uid" varchar(12) NOT NULL UNIQUE,
    "name" varchar(255) NOT NULL UNIQUE,
    "wells" integer NOT NULL DEFAULT 96,
    "created_at" datetime DEFAULT (STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')) NOT NULL,
    "created_by_id" integer NULL REFERENCES "lamindb_user" ("id") DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE "dynlab_artifactplate" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "artifact_id" integer NOT NULL REFERENCES "lamindb_artifact" ("id") DEFERRABLE INITIALLY DEFERRED,
    "plate_id" integer NOT NULL REFERENCES "dynlab_plate" ("id") DEFERRABLE INITIALLY DEFERRED,
    "feature_id" integer NULL REFERENCES "lamindb_feature" ("id") DEFERRABLE INITIALLY DEFERRED,
    "run_id" bigint NULL REFERENCES "lamindb_run" ("id") DEFERRABLE INITIALLY DEFERRED,
    "created_at" datetime DEFAULT (STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')) NOT NULL,
    "created_by_id" integer NOT NULL REFERENCES "lamindb_user" ("id") DEFERRABLE INITIALLY DEFERRED
);
INSERT INTO "dynlab_plate" ("uid", "name", "wells") VALUES ('plate0000001', 'plate 1', 96), ('plate0000002', 'plate 2', 384);
