-- Orders placed by customers.
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  status_id INTEGER NOT NULL REFERENCES order_statuses (id),
  placed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  total NUMERIC(12,2) NOT NULL DEFAULT 0
);
