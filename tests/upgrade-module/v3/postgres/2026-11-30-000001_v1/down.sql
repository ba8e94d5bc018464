DROP TABLE upg_thing;
