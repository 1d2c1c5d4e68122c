-- Reverses mysql/0010_orders_add_shipping_method.up.sql: the foreign key, then the column (its
-- index goes with it).
ALTER TABLE orders DROP FOREIGN KEY orders_shipping_method_fk;
ALTER TABLE orders DROP COLUMN shipping_method_id;
