ALTER TABLE "upg_thing" ADD COLUMN "size" integer NULL;
