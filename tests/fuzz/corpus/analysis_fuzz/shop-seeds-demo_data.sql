-- A small catalogue with a few customers and orders, so that local environments have
-- something to show and the backfills of later releases have rows to work on.
INSERT INTO products (id, sku, name, price, active) VALUES (1, 'TEE-001', 'Organic cotton T-shirt', 19.90, TRUE);
INSERT INTO products (id, sku, name, price, active) VALUES (2, 'MUG-002', 'Enamel camping mug', 12.50, TRUE);
INSERT INTO products (id, sku, name, price, active) VALUES (3, 'BAG-003', 'Canvas tote bag', 24.00, TRUE);
INSERT INTO products (id, sku, name, price, active) VALUES (4, 'HAT-004', 'Wool beanie', 17.25, FALSE);

INSERT INTO customers (id, email, full_name, created_at) VALUES (1, 'ada@example.com', 'Ada Lovelace', '2024-01-03 09:15:00');
INSERT INTO customers (id, email, full_name, created_at) VALUES (2, 'grace@example.com', 'Grace Hopper', '2024-01-10 14:02:00');
INSERT INTO customers (id, email, full_name, created_at) VALUES (3, 'alan@example.com', 'Alan Turing', '2024-02-01 08:30:00');

-- status_id: 2 paid, 3 shipped, 4 delivered, 5 cancelled (see order_statuses.sql)
INSERT INTO orders (id, customer_id, status_id, placed_at, total) VALUES (1, 1, 4, '2024-02-05 10:00:00', 52.30);
INSERT INTO orders (id, customer_id, status_id, placed_at, total) VALUES (2, 1, 2, '2024-03-01 16:45:00', 24.00);
INSERT INTO orders (id, customer_id, status_id, placed_at, total) VALUES (3, 2, 3, '2024-03-02 11:20:00', 54.75);
INSERT INTO orders (id, customer_id, status_id, placed_at, total) VALUES (4, 3, 5, '2024-03-04 19:05:00', 19.90);

INSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (1, 1, 1, 2, 19.90);
INSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (2, 1, 2, 1, 12.50);
INSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (3, 2, 3, 1, 24.00);
INSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (4, 3, 2, 3, 12.50);
INSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (5, 3, 4, 1, 17.25);
INSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (6, 4, 1, 1, 19.90);
