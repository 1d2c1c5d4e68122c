-- Reverses 0011_index_orders_shipping_method.up.sql.
DROP INDEX idx_orders_shipping_method;
