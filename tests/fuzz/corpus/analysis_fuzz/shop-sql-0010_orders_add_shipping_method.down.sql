-- Reverses 0010_orders_add_shipping_method.up.sql.
-- idx_orders_shipping_method (0011) is dropped before this runs, so SQLite can drop the column.
ALTER TABLE orders DROP COLUMN shipping_method_id;
