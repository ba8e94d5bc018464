ALTER TABLE "upg_thing" ADD COLUMN "colour" varchar(32) NOT NULL DEFAULT 'grey';
CREATE TABLE "upg_box" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uid" varchar(12) NOT NULL UNIQUE,
    "name" varchar(255) NOT NULL,
    "thing_id" integer NULL REFERENCES "upg_thing" ("id") DEFERRABLE INITIALLY DEFERRED
);
