-- Reverses 0012_index_orders_customer_placed_at.up.sql.
DROP INDEX idx_orders_customer_placed_at;
