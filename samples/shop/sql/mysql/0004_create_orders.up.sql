-- 0004_create_orders.up.sql on MySQL/MariaDB. InnoDB makes an index for each foreign key that has
-- none, and drops it silently once another index can serve: 0012's (customer_id, placed_at) would
-- take over customer_id's, and 0012's down could then not drop its own. Declared here, it stays.
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  status_id INTEGER NOT NULL REFERENCES order_statuses (id),
  placed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  total NUMERIC(12,2) NOT NULL DEFAULT 0,
  INDEX customer_id (customer_id)
);
