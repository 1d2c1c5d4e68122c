-- "My orders" page: a customer's orders, newest first.
CREATE INDEX idx_orders_customer_placed_at ON orders (customer_id, placed_at);
