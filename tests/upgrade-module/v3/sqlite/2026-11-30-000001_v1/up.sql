CREATE TABLE "upg_thing" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uid" varchar(12) NOT NULL UNIQUE,
    "name" varchar(255) NOT NULL
);
