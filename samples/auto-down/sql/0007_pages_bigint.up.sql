ALTER TABLE books ALTER COLUMN pages TYPE bigint;
