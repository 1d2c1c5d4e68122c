-- Reverses ../0012_index_orders_customer_placed_at.up.sql on MySQL/MariaDB, where DROP INDEX names its table.
DROP INDEX idx_orders_customer_placed_at ON orders;
