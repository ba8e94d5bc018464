-- A migration that fails: its module's whole deploy is undone.
INSERT INTO upg_no_such_table (id) VALUES (1);
