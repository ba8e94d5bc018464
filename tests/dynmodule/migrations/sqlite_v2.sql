ALTER TABLE "dynlab_plate" ADD COLUMN "barcode" varchar(32) NULL;
