-- Reverses ../0011_index_orders_shipping_method.up.sql on MySQL/MariaDB, where DROP INDEX names its table.
DROP INDEX idx_orders_shipping_method ON orders;
