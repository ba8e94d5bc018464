DROP TABLE "upg_box";
ALTER TABLE "upg_thing" DROP COLUMN "colour";
