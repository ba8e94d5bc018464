ALTER TABLE dynlab_plate ADD COLUMN barcode character varying(32) NULL;
