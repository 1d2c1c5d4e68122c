-- orchestrate review script: the exact SQL this deploy runs, in order.
-- app: shop
-- direction: deploy
-- from: (nothing deployed)
-- to: 1.0.0
-- environment: local (sqlite)
-- plan fingerprint: cf5a926c3da5edb0dc9e256a680b184515bcfa58bb2d86d9134835d68446f0f1
-- manifest plan.yaml sha256:18cfe9535aaba8a4e94977a9ed3fda17b0a7d4d58b18a78516e5713771825a56
-- manifest releases/1.0.0.yaml sha256:fbe91df65451344e75f87117874aa930ef0b83f86c3db6842e994e4ddccd4361
-- manifest releases/1.1.0.yaml sha256:f59bbdb3afd2049d3045ca247a2ea2e1e90a6806610761d2efb99c8ff7a35c61
-- manifest releases/1.2.0.yaml sha256:b778b081ed9812fe73b89bac4c57c876e46fa2ffc194a9f85b388fd761fede16
-- manifest releases/1.3.0.yaml sha256:b285dbde099ac48da4040df3c331cc07f854494925fc4b1ed5211b9d6b0602fb
-- steps: 9
-- approval binds every line but the '-- estimate:' and '-- where:' ones; the ledger chunks, consumed as a rollback runs, are checked one by one with the digest of the data each writes back, when approved with this file (--approved FILE; --approved sha256:... does not bind them)

-- orchestrate's state tables, created when missing (orchestrate does this itself)
CREATE TABLE IF NOT EXISTS orchestrate_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_releases (version TEXT PRIMARY KEY, seq BIGINT NOT NULL, image TEXT NOT NULL, release_order TEXT NOT NULL, deployed_at TEXT NOT NULL, run_id BIGINT);
CREATE TABLE IF NOT EXISTS orchestrate_migrations (id TEXT PRIMARY KEY, release TEXT NOT NULL, seq BIGINT NOT NULL, up_sql TEXT NOT NULL, up_sha256 TEXT NOT NULL, down_sql TEXT, down_sha256 TEXT, irreversible INTEGER NOT NULL, transactional INTEGER NOT NULL, applied_at TEXT NOT NULL, run_id BIGINT);
CREATE TABLE IF NOT EXISTS orchestrate_seeds (id TEXT PRIMARY KEY, release TEXT NOT NULL, seq BIGINT NOT NULL, sql_sha256 TEXT NOT NULL, has_undo INTEGER NOT NULL, undo_sql TEXT, applied_at TEXT NOT NULL, run_id BIGINT);
CREATE TABLE IF NOT EXISTS orchestrate_runs (id BIGINT PRIMARY KEY, kind TEXT NOT NULL, app TEXT NOT NULL, environment TEXT, fingerprint TEXT NOT NULL, from_version TEXT, to_version TEXT NOT NULL, actor TEXT NOT NULL, host TEXT, pid BIGINT, reason TEXT, command TEXT, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, error TEXT, step_count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_steps (run_id BIGINT NOT NULL, n INTEGER NOT NULL, kind TEXT NOT NULL, release TEXT NOT NULL, ref TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL, started_at TEXT, finished_at TEXT, error TEXT, spec TEXT NOT NULL, PRIMARY KEY (run_id, n));
CREATE TABLE IF NOT EXISTS orchestrate_ledger (id BIGINT PRIMARY KEY, seed_id TEXT NOT NULL, release TEXT NOT NULL, table_name TEXT NOT NULL, op TEXT NOT NULL, key_columns TEXT NOT NULL, column_names TEXT NOT NULL, row_count BIGINT NOT NULL, xid BIGINT, old_rows TEXT, new_rows TEXT, key_min BIGINT, key_max BIGINT);
CREATE INDEX IF NOT EXISTS orchestrate_ledger_by_seed ON orchestrate_ledger (seed_id, id);
CREATE TABLE IF NOT EXISTS orchestrate_swap_parts (run_id BIGINT NOT NULL, n INTEGER NOT NULL, part TEXT NOT NULL, status TEXT NOT NULL, at TEXT NOT NULL, error TEXT, PRIMARY KEY (run_id, n, part));
CREATE TABLE IF NOT EXISTS orchestrate_ledger_restores (table_name TEXT NOT NULL, xid BIGINT NOT NULL);
INSERT INTO orchestrate_meta (key, value) VALUES ('schema_version', '1') ON CONFLICT DO NOTHING;

-- step 1 of 9: [1.0.0] apply migration 0001_create_customers
--   sha256: ff1f647b3d46076da8aedc80eba2d0458527a24e276bfe4a22a8af54cbc025cb
--   transactional: yes (one transaction with its record)
--   line 2: CREATE TABLE, DATABASE lock on customers
BEGIN;
-- Customers who place orders. Ids are assigned by the application.
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  email VARCHAR(255) NOT NULL UNIQUE,
  full_name VARCHAR(200) NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO orchestrate_migrations (id, release, seq, up_sql, up_sha256, down_sql, down_sha256, irreversible, transactional, applied_at, run_id) VALUES ('0001_create_customers', '1.0.0', (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_migrations), '-- Customers who place orders. Ids are assigned by the application.
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  email VARCHAR(255) NOT NULL UNIQUE,
  full_name VARCHAR(200) NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
', 'ff1f647b3d46076da8aedc80eba2d0458527a24e276bfe4a22a8af54cbc025cb', '-- Reverses 0001_create_customers.up.sql.
DROP TABLE customers;
', '80f4766092c0f6a93aeaa3593988e37dfe67739950d814a8f1406c924283a690', '0', '1', CURRENT_TIMESTAMP, '0');
COMMIT;

-- step 2 of 9: [1.0.0] apply migration 0002_create_products
--   sha256: 7da1b255c813822a323578216b882c684a2cc739c086c7819774e7045eeb9443
--   transactional: yes (one transaction with its record)
--   line 2: CREATE TABLE, DATABASE lock on products
BEGIN;
-- The catalogue. Inactive products stay for the order history but cannot be bought.
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  sku VARCHAR(40) NOT NULL UNIQUE,
  name VARCHAR(200) NOT NULL,
  price NUMERIC(12,2) NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE
);
INSERT INTO orchestrate_migrations (id, release, seq, up_sql, up_sha256, down_sql, down_sha256, irreversible, transactional, applied_at, run_id) VALUES ('0002_create_products', '1.0.0', (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_migrations), '-- The catalogue. Inactive products stay for the order history but cannot be bought.
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  sku VARCHAR(40) NOT NULL UNIQUE,
  name VARCHAR(200) NOT NULL,
  price NUMERIC(12,2) NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE
);
', '7da1b255c813822a323578216b882c684a2cc739c086c7819774e7045eeb9443', '-- Reverses 0002_create_products.up.sql.
DROP TABLE products;
', '5043afb6cf909b8243c1f014eeb448c4ec80a68142485fe94bc5ad43d54eb406', '0', '1', CURRENT_TIMESTAMP, '0');
COMMIT;

-- step 3 of 9: [1.0.0] apply migration 0003_create_order_statuses
--   sha256: 307a9c655496a380c10be2b68213b49428762c92f8e02a0befe6aa5bca838681
--   transactional: yes (one transaction with its record)
--   line 2: CREATE TABLE, DATABASE lock on order_statuses
BEGIN;
-- Reference table of order statuses (rows come from the order_statuses seed).
CREATE TABLE order_statuses (
  id INTEGER PRIMARY KEY,
  code VARCHAR(20) NOT NULL UNIQUE,
  label VARCHAR(100) NOT NULL,
  is_final BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO orchestrate_migrations (id, release, seq, up_sql, up_sha256, down_sql, down_sha256, irreversible, transactional, applied_at, run_id) VALUES ('0003_create_order_statuses', '1.0.0', (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_migrations), '-- Reference table of order statuses (rows come from the order_statuses seed).
CREATE TABLE order_statuses (
  id INTEGER PRIMARY KEY,
  code VARCHAR(20) NOT NULL UNIQUE,
  label VARCHAR(100) NOT NULL,
  is_final BOOLEAN NOT NULL DEFAULT FALSE
);
', '307a9c655496a380c10be2b68213b49428762c92f8e02a0befe6aa5bca838681', '-- Reverses 0003_create_order_statuses.up.sql.
DROP TABLE order_statuses;
', '7fd4621ba10acad02f7bd47f0523915feb739d6083816040f3a70f5e1817ab37', '0', '1', CURRENT_TIMESTAMP, '0');
COMMIT;

-- step 4 of 9: [1.0.0] apply migration 0004_create_orders
--   sha256: 8ee32752883f634a6ac89fef40a48d2c7f50d0365e0942b9f900e0d85790c50d
--   transactional: yes (one transaction with its record)
--   line 2: CREATE TABLE, DATABASE lock on orders
BEGIN;
-- Orders placed by customers.
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  status_id INTEGER NOT NULL REFERENCES order_statuses (id),
  placed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  total NUMERIC(12,2) NOT NULL DEFAULT 0
);
INSERT INTO orchestrate_migrations (id, release, seq, up_sql, up_sha256, down_sql, down_sha256, irreversible, transactional, applied_at, run_id) VALUES ('0004_create_orders', '1.0.0', (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_migrations), '-- Orders placed by customers.
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  status_id INTEGER NOT NULL REFERENCES order_statuses (id),
  placed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  total NUMERIC(12,2) NOT NULL DEFAULT 0
);
', '8ee32752883f634a6ac89fef40a48d2c7f50d0365e0942b9f900e0d85790c50d', '-- Reverses 0004_create_orders.up.sql.
DROP TABLE orders;
', 'df07c5d3939aa3704ed68daeb340cb257fe44e322d070c752674816a0d2a86a0', '0', '1', CURRENT_TIMESTAMP, '0');
COMMIT;

-- step 5 of 9: [1.0.0] apply migration 0005_create_order_items
--   sha256: eb86e0c819251247ec1b0fd4c83ae6de704046c4c98fbc5bc67f46d4abb2f127
--   transactional: yes (one transaction with its record)
--   line 2: CREATE TABLE, DATABASE lock on order_items
BEGIN;
-- Lines of an order; unit_price is the price at the time of the order.
CREATE TABLE order_items (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id INTEGER NOT NULL REFERENCES products (id),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price NUMERIC(12,2) NOT NULL
);
INSERT INTO orchestrate_migrations (id, release, seq, up_sql, up_sha256, down_sql, down_sha256, irreversible, transactional, applied_at, run_id) VALUES ('0005_create_order_items', '1.0.0', (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_migrations), '-- Lines of an order; unit_price is the price at the time of the order.
CREATE TABLE order_items (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id INTEGER NOT NULL REFERENCES products (id),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price NUMERIC(12,2) NOT NULL
);
', 'eb86e0c819251247ec1b0fd4c83ae6de704046c4c98fbc5bc67f46d4abb2f127', '-- Reverses 0005_create_order_items.up.sql.
DROP TABLE order_items;
', 'eb907fa5de964a2737f2798079274702d8a703269fccb29ffed000b8fc409442', '0', '1', CURRENT_TIMESTAMP, '0');
COMMIT;

-- step 6 of 9: [1.0.0] run seed order_statuses
--   sha256: 7774035bd94866c6b5f0b12079b85f66cfd59c99e1cab899a6c21d77c65aec57
--   transactional: yes (one transaction with its record)
--   line 2: INSERT, DATABASE lock on order_statuses
--   line 3: INSERT, DATABASE lock on order_statuses
--   line 4: INSERT, DATABASE lock on order_statuses
--   line 5: INSERT, DATABASE lock on order_statuses
--   line 6: INSERT, DATABASE lock on order_statuses
BEGIN;
-- Order statuses known to the 1.0.0 application.
INSERT INTO order_statuses (id, code, label, is_final) VALUES (1, 'pending', 'Awaiting payment', FALSE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (2, 'paid', 'Paid', FALSE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (3, 'shipped', 'Shipped', FALSE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (4, 'delivered', 'Delivered', TRUE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (5, 'cancelled', 'Cancelled', TRUE);
INSERT INTO orchestrate_seeds (id, release, seq, sql_sha256, has_undo, undo_sql, applied_at, run_id) VALUES ('order_statuses', '1.0.0', (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_seeds), '7774035bd94866c6b5f0b12079b85f66cfd59c99e1cab899a6c21d77c65aec57', '1', '-- Undoes order_statuses.sql.
DELETE FROM order_statuses WHERE id IN (1, 2, 3, 4, 5);
', CURRENT_TIMESTAMP, '0');
COMMIT;

-- step 7 of 9: [1.0.0] run seed demo_data
--   sha256: df4159d57a96d1792795c0e9ce36eceb839adc2ed8042a13532949a89ca30a00
--   transactional: yes (one transaction with its record)
--   line 3: INSERT, DATABASE lock on products
--   line 4: INSERT, DATABASE lock on products
--   line 5: INSERT, DATABASE lock on products
--   line 6: INSERT, DATABASE lock on products
--   line 8: INSERT, DATABASE lock on customers
--   line 9: INSERT, DATABASE lock on customers
--   line 10: INSERT, DATABASE lock on customers
--   line 13: INSERT, DATABASE lock on orders
--   line 14: INSERT, DATABASE lock on orders
--   line 15: INSERT, DATABASE lock on orders
--   line 16: INSERT, DATABASE lock on orders
--   line 18: INSERT, DATABASE lock on order_items
--   line 19: INSERT, DATABASE lock on order_items
--   line 20: INSERT, DATABASE lock on order_items
--   line 21: INSERT, DATABASE lock on order_items
--   line 22: INSERT, DATABASE lock on order_items
--   line 23: INSERT, DATABASE lock on order_items
BEGIN;
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
INSERT INTO orchestrate_seeds (id, release, seq, sql_sha256, has_undo, undo_sql, applied_at, run_id) VALUES ('demo_data', '1.0.0', (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_seeds), 'df4159d57a96d1792795c0e9ce36eceb839adc2ed8042a13532949a89ca30a00', '1', '-- Undoes demo_data.sql, children before parents.
DELETE FROM order_items WHERE id IN (1, 2, 3, 4, 5, 6);
DELETE FROM orders WHERE id IN (1, 2, 3, 4);
DELETE FROM customers WHERE id IN (1, 2, 3);
DELETE FROM products WHERE id IN (1, 2, 3, 4);
', CURRENT_TIMESTAMP, '0');
COMMIT;

-- step 8 of 9: [1.0.0] record release 1.0.0 as deployed
--   transactional: yes (one transaction with its record)
BEGIN;
INSERT INTO orchestrate_releases (version, seq, image, release_order, deployed_at, run_id) VALUES ('1.0.0', (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_releases), 'registry.example.com/shop:1.0.0', 'code-first', CURRENT_TIMESTAMP, '0');
COMMIT;

-- step 9 of 9: [1.0.0] swap image (none) -> registry.example.com/shop:1.0.0
--   why: first deploy: the image moves once, after the database steps
--   not SQL: orchestrate's deployer points the application at registry.example.com/shop:1.0.0 and reads it back to verify:
--     write registry.example.com/shop:1.0.0 into the deployer's image file (a new file renamed over the old one)
