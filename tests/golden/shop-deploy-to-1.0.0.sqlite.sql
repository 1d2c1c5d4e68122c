-- orchestrate review script: the exact SQL this deploy runs, in order, recorded from a run that was rolled back.
-- app: shop
-- direction: deploy
-- from: (nothing deployed)
-- to: 1.0.0
-- environment: local (sqlite)
-- plan fingerprint: cf5a926c3da5edb0dc9e256a680b184515bcfa58bb2d86d9134835d68446f0f1
-- manifest plan.yaml sha256:18cfe9535aaba8a4e94977a9ed3fda17b0a7d4d58b18a78516e5713771825a56
-- manifest releases/1.0.0.yaml sha256:069c74bdb0e79c00ba5900895d1f59298fd4c06e61671fe1b185d988821d374f
-- manifest releases/1.1.0.yaml sha256:f59bbdb3afd2049d3045ca247a2ea2e1e90a6806610761d2efb99c8ff7a35c61
-- manifest releases/1.2.0.yaml sha256:08462c3817f8f2e922019383d2064f1be747609555669c782642d3a5a2883483
-- manifest releases/1.3.0.yaml sha256:b285dbde099ac48da4040df3c331cc07f854494925fc4b1ed5211b9d6b0602fb
-- steps: 9
-- approval binds every line but the '-- estimate:' and '-- where:' ones; the ledger chunks, consumed as a rollback runs, are checked one by one with the digest of the data each writes back, when approved with this file (--approved FILE; --approved sha256:... does not bind them)
-- run it by hand with `sqlite3 DATABASE < FILE` (it stops at the first error): it does what `orchestrate deploy` does to the database, and records the run as orchestrate would

.bail on
.timeout 5000
PRAGMA foreign_keys = ON;

-- the run lock, held until the end of the script (orchestrate waits for it meanwhile)
CREATE TABLE IF NOT EXISTS orchestrate_lock (id INTEGER PRIMARY KEY, owner TEXT, host TEXT, pid BIGINT, command TEXT, since TEXT);
INSERT INTO orchestrate_lock (id, owner, host, pid, command, since) VALUES (1, 'sqlite3', 'localhost', 0, 'the review script, run by hand', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

-- the database is as it was when this script was rendered
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
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_index (id BIGINT PRIMARY KEY, run_id BIGINT, step INTEGER, release TEXT, source TEXT, source_table TEXT NOT NULL, kind TEXT NOT NULL, key_columns TEXT NOT NULL, columns TEXT NOT NULL, row_count BIGINT NOT NULL, storage TEXT NOT NULL, created_at TEXT NOT NULL, restored_at TEXT, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_counter (id INTEGER PRIMARY KEY, last_id BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_release_schemas (version TEXT PRIMARY KEY, schema_text TEXT NOT NULL, schema_sha256 TEXT NOT NULL, recorded_at TEXT NOT NULL, run_id BIGINT);
CREATE TABLE IF NOT EXISTS orchestrate_schema_checks (run_id BIGINT NOT NULL, release TEXT NOT NULL, checked_at TEXT NOT NULL, differences TEXT NOT NULL, PRIMARY KEY (run_id, release));
CREATE TABLE IF NOT EXISTS orchestrate_step_statements (run_id BIGINT NOT NULL, n INTEGER NOT NULL, next_statement INTEGER NOT NULL, in_flight INTEGER, at TEXT NOT NULL, PRIMARY KEY (run_id, n));
BEGIN;
SELECT json_extract('{}', ' the database is not as it was when this script was rendered (render it again with `orchestrate sql` and have it reviewed); nothing was changed: runs were recorded since (' || count(*) || ' row(s))') FROM (SELECT id FROM orchestrate_runs) HAVING count(*) > 0;
COMMIT;

-- the run, as orchestrate runs it
BEGIN;
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
CREATE TABLE IF NOT EXISTS orchestrate_lock (id INTEGER PRIMARY KEY, owner TEXT, host TEXT, pid BIGINT, command TEXT, since TEXT);
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_index (id BIGINT PRIMARY KEY, run_id BIGINT, step INTEGER, release TEXT, source TEXT, source_table TEXT NOT NULL, kind TEXT NOT NULL, key_columns TEXT NOT NULL, columns TEXT NOT NULL, row_count BIGINT NOT NULL, storage TEXT NOT NULL, created_at TEXT NOT NULL, restored_at TEXT, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_counter (id INTEGER PRIMARY KEY, last_id BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_release_schemas (version TEXT PRIMARY KEY, schema_text TEXT NOT NULL, schema_sha256 TEXT NOT NULL, recorded_at TEXT NOT NULL, run_id BIGINT);
CREATE TABLE IF NOT EXISTS orchestrate_schema_checks (run_id BIGINT NOT NULL, release TEXT NOT NULL, checked_at TEXT NOT NULL, differences TEXT NOT NULL, PRIMARY KEY (run_id, release));
CREATE TABLE IF NOT EXISTS orchestrate_step_statements (run_id BIGINT NOT NULL, n INTEGER NOT NULL, next_statement INTEGER NOT NULL, in_flight INTEGER, at TEXT NOT NULL, PRIMARY KEY (run_id, n));
INSERT INTO orchestrate_meta (key, value) VALUES ('schema_version', '4');
COMMIT;
BEGIN;
INSERT INTO orchestrate_runs (id, kind, app, environment, fingerprint, from_version, to_version, actor, host, pid, reason, command, status, started_at, step_count) VALUES ('1', 'deploy', 'shop', 'local', 'cf5a926c3da5edb0dc9e256a680b184515bcfa58bb2d86d9134835d68446f0f1', NULL, '1.0.0', 'sqlite3', 'localhost', '0', 'the review script, run by hand', 'the review script, run by hand', 'running', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '9');
INSERT INTO orchestrate_steps (run_id, n, kind, release, ref, status, attempts, spec) VALUES ('1', '1', 'apply-migration', '1.0.0', '0001_create_customers', 'pending', 0, '{"down_sha256":"80f4766092c0f6a93aeaa3593988e37dfe67739950d814a8f1406c924283a690","down_sql":"-- Reverses 0001_create_customers.up.sql.\nDROP TABLE customers;\n","has_undo":false,"id":"0001_create_customers","image_from":"","image_to":"","irreversible":false,"kind":"apply-migration","note":"","order":"","release":"1.0.0","sql":"-- Customers who place orders. Ids are assigned by the application.\nCREATE TABLE customers (\n  id INTEGER PRIMARY KEY,\n  email VARCHAR(255) NOT NULL UNIQUE,\n  full_name VARCHAR(200) NOT NULL,\n  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n);\n","sql_sha256":"ff1f647b3d46076da8aedc80eba2d0458527a24e276bfe4a22a8af54cbc025cb","transactional":true}'), ('1', '2', 'apply-migration', '1.0.0', '0002_create_products', 'pending', 0, '{"down_sha256":"5043afb6cf909b8243c1f014eeb448c4ec80a68142485fe94bc5ad43d54eb406","down_sql":"-- Reverses 0002_create_products.up.sql.\nDROP TABLE products;\n","has_undo":false,"id":"0002_create_products","image_from":"","image_to":"","irreversible":false,"kind":"apply-migration","note":"","order":"","release":"1.0.0","sql":"-- The catalogue. Inactive products stay for the order history but cannot be bought.\nCREATE TABLE products (\n  id INTEGER PRIMARY KEY,\n  sku VARCHAR(40) NOT NULL UNIQUE,\n  name VARCHAR(200) NOT NULL,\n  price NUMERIC(12,2) NOT NULL,\n  active BOOLEAN NOT NULL DEFAULT TRUE\n);\n","sql_sha256":"7da1b255c813822a323578216b882c684a2cc739c086c7819774e7045eeb9443","transactional":true}'), ('1', '3', 'apply-migration', '1.0.0', '0003_create_order_statuses', 'pending', 0, '{"down_sha256":"7fd4621ba10acad02f7bd47f0523915feb739d6083816040f3a70f5e1817ab37","down_sql":"-- Reverses 0003_create_order_statuses.up.sql.\nDROP TABLE order_statuses;\n","has_undo":false,"id":"0003_create_order_statuses","image_from":"","image_to":"","irreversible":false,"kind":"apply-migration","note":"","order":"","release":"1.0.0","sql":"-- Reference table of order statuses (rows come from the order_statuses seed).\nCREATE TABLE order_statuses (\n  id INTEGER PRIMARY KEY,\n  code VARCHAR(20) NOT NULL UNIQUE,\n  label VARCHAR(100) NOT NULL,\n  is_final BOOLEAN NOT NULL DEFAULT FALSE\n);\n","sql_sha256":"307a9c655496a380c10be2b68213b49428762c92f8e02a0befe6aa5bca838681","transactional":true}'), ('1', '4', 'apply-migration', '1.0.0', '0004_create_orders', 'pending', 0, '{"down_sha256":"df07c5d3939aa3704ed68daeb340cb257fe44e322d070c752674816a0d2a86a0","down_sql":"-- Reverses 0004_create_orders.up.sql.\nDROP TABLE orders;\n","has_undo":false,"id":"0004_create_orders","image_from":"","image_to":"","irreversible":false,"kind":"apply-migration","note":"","order":"","release":"1.0.0","sql":"-- Orders placed by customers.\nCREATE TABLE orders (\n  id INTEGER PRIMARY KEY,\n  customer_id INTEGER NOT NULL REFERENCES customers (id),\n  status_id INTEGER NOT NULL REFERENCES order_statuses (id),\n  placed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  total NUMERIC(12,2) NOT NULL DEFAULT 0\n);\n","sql_sha256":"8ee32752883f634a6ac89fef40a48d2c7f50d0365e0942b9f900e0d85790c50d","transactional":true}'), ('1', '5', 'apply-migration', '1.0.0', '0005_create_order_items', 'pending', 0, '{"down_sha256":"eb907fa5de964a2737f2798079274702d8a703269fccb29ffed000b8fc409442","down_sql":"-- Reverses 0005_create_order_items.up.sql.\nDROP TABLE order_items;\n","has_undo":false,"id":"0005_create_order_items","image_from":"","image_to":"","irreversible":false,"kind":"apply-migration","note":"","order":"","release":"1.0.0","sql":"-- Lines of an order; unit_price is the price at the time of the order.\nCREATE TABLE order_items (\n  id INTEGER PRIMARY KEY,\n  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,\n  product_id INTEGER NOT NULL REFERENCES products (id),\n  quantity INTEGER NOT NULL CHECK (quantity > 0),\n  unit_price NUMERIC(12,2) NOT NULL\n);\n","sql_sha256":"eb86e0c819251247ec1b0fd4c83ae6de704046c4c98fbc5bc67f46d4abb2f127","transactional":true}'), ('1', '6', 'run-seed', '1.0.0', 'order_statuses', 'pending', 0, '{"down_sha256":"197a0b7cb5c3116b0eba1d9bdb3ad798179aafc52f97cce7a574dc09152790e2","down_sql":"-- Undoes order_statuses.sql.\nDELETE FROM order_statuses WHERE id IN (1, 2, 3, 4, 5);\n","has_undo":true,"id":"order_statuses","image_from":"","image_to":"","irreversible":false,"kind":"run-seed","note":"","order":"","release":"1.0.0","sql":"-- Order statuses known to the 1.0.0 application.\nINSERT INTO order_statuses (id, code, label, is_final) VALUES (1, ''pending'', ''Awaiting payment'', FALSE);\nINSERT INTO order_statuses (id, code, label, is_final) VALUES (2, ''paid'', ''Paid'', FALSE);\nINSERT INTO order_statuses (id, code, label, is_final) VALUES (3, ''shipped'', ''Shipped'', FALSE);\nINSERT INTO order_statuses (id, code, label, is_final) VALUES (4, ''delivered'', ''Delivered'', TRUE);\nINSERT INTO order_statuses (id, code, label, is_final) VALUES (5, ''cancelled'', ''Cancelled'', TRUE);\n","sql_sha256":"7774035bd94866c6b5f0b12079b85f66cfd59c99e1cab899a6c21d77c65aec57","tables":[{"key":[],"name":"order_statuses"}],"transactional":true}'), ('1', '7', 'run-seed', '1.0.0', 'demo_data', 'pending', 0, '{"down_sha256":"097a661b4c96abaa879a0d3a13fbf089bd3f40b100e80f5c75c5c47025b63c6c","down_sql":"-- Undoes demo_data.sql, children before parents.\nDELETE FROM order_items WHERE id IN (1, 2, 3, 4, 5, 6);\nDELETE FROM orders WHERE id IN (1, 2, 3, 4);\nDELETE FROM customers WHERE id IN (1, 2, 3);\nDELETE FROM products WHERE id IN (1, 2, 3, 4);\n","has_undo":true,"id":"demo_data","image_from":"","image_to":"","irreversible":false,"kind":"run-seed","note":"","order":"","release":"1.0.0","sql":"-- A small catalogue with a few customers and orders, so that local environments have\n-- something to show and the backfills of later releases have rows to work on.\nINSERT INTO products (id, sku, name, price, active) VALUES (1, ''TEE-001'', ''Organic cotton T-shirt'', 19.90, TRUE);\nINSERT INTO products (id, sku, name, price, active) VALUES (2, ''MUG-002'', ''Enamel camping mug'', 12.50, TRUE);\nINSERT INTO products (id, sku, name, price, active) VALUES (3, ''BAG-003'', ''Canvas tote bag'', 24.00, TRUE);\nINSERT INTO products (id, sku, name, price, active) VALUES (4, ''HAT-004'', ''Wool beanie'', 17.25, FALSE);\n\nINSERT INTO customers (id, email, full_name, created_at) VALUES (1, ''ada@example.com'', ''Ada Lovelace'', ''2024-01-03 09:15:00'');\nINSERT INTO customers (id, email, full_name, created_at) VALUES (2, ''grace@example.com'', ''Grace Hopper'', ''2024-01-10 14:02:00'');\nINSERT INTO customers (id, email, full_name, created_at) VALUES (3, ''alan@example.com'', ''Alan Turing'', ''2024-02-01 08:30:00'');\n\n-- status_id: 2 paid, 3 shipped, 4 delivered, 5 cancelled (see order_statuses.sql)\nINSERT INTO orders (id, customer_id, status_id, placed_at, total) VALUES (1, 1, 4, ''2024-02-05 10:00:00'', 52.30);\nINSERT INTO orders (id, customer_id, status_id, placed_at, total) VALUES (2, 1, 2, ''2024-03-01 16:45:00'', 24.00);\nINSERT INTO orders (id, customer_id, status_id, placed_at, total) VALUES (3, 2, 3, ''2024-03-02 11:20:00'', 54.75);\nINSERT INTO orders (id, customer_id, status_id, placed_at, total) VALUES (4, 3, 5, ''2024-03-04 19:05:00'', 19.90);\n\nINSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (1, 1, 1, 2, 19.90);\nINSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (2, 1, 2, 1, 12.50);\nINSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (3, 2, 3, 1, 24.00);\nINSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (4, 3, 2, 3, 12.50);\nINSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (5, 3, 4, 1, 17.25);\nINSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (6, 4, 1, 1, 19.90);\n","sql_sha256":"df4159d57a96d1792795c0e9ce36eceb839adc2ed8042a13532949a89ca30a00","tables":[{"key":[],"name":"products"},{"key":[],"name":"customers"},{"key":[],"name":"orders"},{"key":[],"name":"order_items"}],"transactional":true}'), ('1', '8', 'record-release', '1.0.0', NULL, 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"","image_from":"","image_to":"registry.example.com/shop:1.0.0","irreversible":false,"kind":"record-release","note":"","order":"code-first","release":"1.0.0","sql":"","sql_sha256":"","transactional":true}'), ('1', '9', 'swap-image', '1.0.0', NULL, 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"","image_from":"","image_to":"registry.example.com/shop:1.0.0","irreversible":false,"kind":"swap-image","note":"","order":"","release":"1.0.0","sql":"","sql_sha256":"","transactional":false,"why":"first deploy: the image moves once, after the database steps"}');
COMMIT;

-- step 1 of 9: [1.0.0] apply migration 0001_create_customers
--   sha256: ff1f647b3d46076da8aedc80eba2d0458527a24e276bfe4a22a8af54cbc025cb
--   transactional: yes (one transaction with its record)
--   line 2: CREATE TABLE, DATABASE lock on customers
BEGIN;
-- the step's SQL:
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
', '80f4766092c0f6a93aeaa3593988e37dfe67739950d814a8f1406c924283a690', '0', '1', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '1');
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '1' AND n = '1';
COMMIT;

-- step 2 of 9: [1.0.0] apply migration 0002_create_products
--   sha256: 7da1b255c813822a323578216b882c684a2cc739c086c7819774e7045eeb9443
--   transactional: yes (one transaction with its record)
--   line 2: CREATE TABLE, DATABASE lock on products
BEGIN;
-- the step's SQL:
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
', '5043afb6cf909b8243c1f014eeb448c4ec80a68142485fe94bc5ad43d54eb406', '0', '1', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '1');
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '1' AND n = '2';
COMMIT;

-- step 3 of 9: [1.0.0] apply migration 0003_create_order_statuses
--   sha256: 307a9c655496a380c10be2b68213b49428762c92f8e02a0befe6aa5bca838681
--   transactional: yes (one transaction with its record)
--   line 2: CREATE TABLE, DATABASE lock on order_statuses
BEGIN;
-- the step's SQL:
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
', '7fd4621ba10acad02f7bd47f0523915feb739d6083816040f3a70f5e1817ab37', '0', '1', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '1');
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '1' AND n = '3';
COMMIT;

-- step 4 of 9: [1.0.0] apply migration 0004_create_orders
--   sha256: 8ee32752883f634a6ac89fef40a48d2c7f50d0365e0942b9f900e0d85790c50d
--   transactional: yes (one transaction with its record)
--   line 2: CREATE TABLE, DATABASE lock on orders
BEGIN;
-- the step's SQL:
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
', 'df07c5d3939aa3704ed68daeb340cb257fe44e322d070c752674816a0d2a86a0', '0', '1', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '1');
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '1' AND n = '4';
COMMIT;

-- step 5 of 9: [1.0.0] apply migration 0005_create_order_items
--   sha256: eb86e0c819251247ec1b0fd4c83ae6de704046c4c98fbc5bc67f46d4abb2f127
--   transactional: yes (one transaction with its record)
--   line 2: CREATE TABLE, DATABASE lock on order_items
BEGIN;
-- the step's SQL:
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
', 'eb907fa5de964a2737f2798079274702d8a703269fccb29ffed000b8fc409442', '0', '1', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '1');
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '1' AND n = '5';
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
CREATE TEMP TABLE IF NOT EXISTS orchestrate_ledger_stage (seq INTEGER PRIMARY KEY, table_name TEXT NOT NULL, op TEXT NOT NULL, row_key TEXT, old_row TEXT, new_row TEXT);
DELETE FROM temp.orchestrate_ledger_stage;
CREATE TEMP TRIGGER orchestrate_ledger_ins_0 AFTER INSERT ON main."order_statuses" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('order_statuses', 'insert', json_array(NEW."id"), NULL, json_object('id', NEW."id", 'code', NEW."code", 'label', NEW."label", 'is_final', NEW."is_final")); END;
CREATE TEMP TRIGGER orchestrate_ledger_key_0 BEFORE UPDATE ON main."order_statuses" WHEN NOT (OLD."id" IS NEW."id") BEGIN SELECT RAISE(ABORT, 'seed order_statuses changed the key columns (id) of a row of table order_statuses: the ledger finds rows by key; declare other key: columns'); END;
CREATE TEMP TRIGGER orchestrate_ledger_upd_0 AFTER UPDATE ON main."order_statuses" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('order_statuses', 'update', json_array(OLD."id"), json_object('id', OLD."id", 'code', OLD."code", 'label', OLD."label", 'is_final', OLD."is_final"), json_object('id', NEW."id", 'code', NEW."code", 'label', NEW."label", 'is_final', NEW."is_final")); END;
CREATE TEMP TRIGGER orchestrate_ledger_del_0 AFTER DELETE ON main."order_statuses" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('order_statuses', 'delete', json_array(OLD."id"), json_object('id', OLD."id", 'code', OLD."code", 'label', OLD."label", 'is_final', OLD."is_final"), NULL); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_1_INSERT BEFORE INSERT ON main."customers" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table customers, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add customers to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_1_UPDATE BEFORE UPDATE ON main."customers" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table customers, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add customers to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_1_DELETE BEFORE DELETE ON main."customers" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table customers, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add customers to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_2_INSERT BEFORE INSERT ON main."order_items" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table order_items, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add order_items to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_2_UPDATE BEFORE UPDATE ON main."order_items" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table order_items, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add order_items to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_2_DELETE BEFORE DELETE ON main."order_items" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table order_items, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add order_items to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_3_INSERT BEFORE INSERT ON main."orders" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table orders, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add orders to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_3_UPDATE BEFORE UPDATE ON main."orders" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table orders, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add orders to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_3_DELETE BEFORE DELETE ON main."orders" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table orders, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add orders to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_4_INSERT BEFORE INSERT ON main."products" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table products, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add products to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_4_UPDATE BEFORE UPDATE ON main."products" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table products, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add products to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_4_DELETE BEFORE DELETE ON main."products" BEGIN SELECT RAISE(ABORT, 'seed order_statuses wrote to table products, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add products to the seed''s tables: (or stop writing to it)'); END;
-- the step's SQL:
-- Order statuses known to the 1.0.0 application.
INSERT INTO order_statuses (id, code, label, is_final) VALUES (1, 'pending', 'Awaiting payment', FALSE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (2, 'paid', 'Paid', FALSE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (3, 'shipped', 'Shipped', FALSE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (4, 'delivered', 'Delivered', TRUE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (5, 'cancelled', 'Cancelled', TRUE);
DROP TRIGGER temp."orchestrate_ledger_ins_0";
DROP TRIGGER temp."orchestrate_ledger_key_0";
DROP TRIGGER temp."orchestrate_ledger_upd_0";
DROP TRIGGER temp."orchestrate_ledger_del_0";
DROP TRIGGER temp."orchestrate_ledger_deny_1_INSERT";
DROP TRIGGER temp."orchestrate_ledger_deny_1_UPDATE";
DROP TRIGGER temp."orchestrate_ledger_deny_1_DELETE";
DROP TRIGGER temp."orchestrate_ledger_deny_2_INSERT";
DROP TRIGGER temp."orchestrate_ledger_deny_2_UPDATE";
DROP TRIGGER temp."orchestrate_ledger_deny_2_DELETE";
DROP TRIGGER temp."orchestrate_ledger_deny_3_INSERT";
DROP TRIGGER temp."orchestrate_ledger_deny_3_UPDATE";
DROP TRIGGER temp."orchestrate_ledger_deny_3_DELETE";
DROP TRIGGER temp."orchestrate_ledger_deny_4_INSERT";
DROP TRIGGER temp."orchestrate_ledger_deny_4_UPDATE";
DROP TRIGGER temp."orchestrate_ledger_deny_4_DELETE";
INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, key_columns, column_names, row_count, xid, old_rows, new_rows) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM orchestrate_ledger), 'order_statuses', '1.0.0', 'order_statuses', 'insert', '["id"]', '["id","code","label","is_final"]', '5', NULL, NULL, '[{"id":1,"code":"pending","label":"Awaiting payment","is_final":0},{"id":2,"code":"paid","label":"Paid","is_final":0},{"id":3,"code":"shipped","label":"Shipped","is_final":0},{"id":4,"code":"delivered","label":"Delivered","is_final":1},{"id":5,"code":"cancelled","label":"Cancelled","is_final":1}]');
DELETE FROM temp.orchestrate_ledger_stage;
INSERT INTO orchestrate_seeds (id, release, seq, sql_sha256, has_undo, undo_sql, applied_at, run_id) VALUES ('order_statuses', '1.0.0', (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_seeds), '7774035bd94866c6b5f0b12079b85f66cfd59c99e1cab899a6c21d77c65aec57', '1', '-- Undoes order_statuses.sql.
DELETE FROM order_statuses WHERE id IN (1, 2, 3, 4, 5);
', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '1');
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '1' AND n = '6';
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
CREATE TEMP TABLE IF NOT EXISTS orchestrate_ledger_stage (seq INTEGER PRIMARY KEY, table_name TEXT NOT NULL, op TEXT NOT NULL, row_key TEXT, old_row TEXT, new_row TEXT);
DELETE FROM temp.orchestrate_ledger_stage;
CREATE TEMP TRIGGER orchestrate_ledger_ins_0 AFTER INSERT ON main."products" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('products', 'insert', json_array(NEW."id"), NULL, json_object('id', NEW."id", 'sku', NEW."sku", 'name', NEW."name", 'price', NEW."price", 'active', NEW."active")); END;
CREATE TEMP TRIGGER orchestrate_ledger_key_0 BEFORE UPDATE ON main."products" WHEN NOT (OLD."id" IS NEW."id") BEGIN SELECT RAISE(ABORT, 'seed demo_data changed the key columns (id) of a row of table products: the ledger finds rows by key; declare other key: columns'); END;
CREATE TEMP TRIGGER orchestrate_ledger_upd_0 AFTER UPDATE ON main."products" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('products', 'update', json_array(OLD."id"), json_object('id', OLD."id", 'sku', OLD."sku", 'name', OLD."name", 'price', OLD."price", 'active', OLD."active"), json_object('id', NEW."id", 'sku', NEW."sku", 'name', NEW."name", 'price', NEW."price", 'active', NEW."active")); END;
CREATE TEMP TRIGGER orchestrate_ledger_del_0 AFTER DELETE ON main."products" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('products', 'delete', json_array(OLD."id"), json_object('id', OLD."id", 'sku', OLD."sku", 'name', OLD."name", 'price', OLD."price", 'active', OLD."active"), NULL); END;
CREATE TEMP TRIGGER orchestrate_ledger_ins_1 AFTER INSERT ON main."customers" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('customers', 'insert', json_array(NEW."id"), NULL, json_object('id', NEW."id", 'email', NEW."email", 'full_name', NEW."full_name", 'created_at', NEW."created_at")); END;
CREATE TEMP TRIGGER orchestrate_ledger_key_1 BEFORE UPDATE ON main."customers" WHEN NOT (OLD."id" IS NEW."id") BEGIN SELECT RAISE(ABORT, 'seed demo_data changed the key columns (id) of a row of table customers: the ledger finds rows by key; declare other key: columns'); END;
CREATE TEMP TRIGGER orchestrate_ledger_upd_1 AFTER UPDATE ON main."customers" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('customers', 'update', json_array(OLD."id"), json_object('id', OLD."id", 'email', OLD."email", 'full_name', OLD."full_name", 'created_at', OLD."created_at"), json_object('id', NEW."id", 'email', NEW."email", 'full_name', NEW."full_name", 'created_at', NEW."created_at")); END;
CREATE TEMP TRIGGER orchestrate_ledger_del_1 AFTER DELETE ON main."customers" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('customers', 'delete', json_array(OLD."id"), json_object('id', OLD."id", 'email', OLD."email", 'full_name', OLD."full_name", 'created_at', OLD."created_at"), NULL); END;
CREATE TEMP TRIGGER orchestrate_ledger_ins_2 AFTER INSERT ON main."orders" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('orders', 'insert', json_array(NEW."id"), NULL, json_object('id', NEW."id", 'customer_id', NEW."customer_id", 'status_id', NEW."status_id", 'placed_at', NEW."placed_at", 'total', NEW."total")); END;
CREATE TEMP TRIGGER orchestrate_ledger_key_2 BEFORE UPDATE ON main."orders" WHEN NOT (OLD."id" IS NEW."id") BEGIN SELECT RAISE(ABORT, 'seed demo_data changed the key columns (id) of a row of table orders: the ledger finds rows by key; declare other key: columns'); END;
CREATE TEMP TRIGGER orchestrate_ledger_upd_2 AFTER UPDATE ON main."orders" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('orders', 'update', json_array(OLD."id"), json_object('id', OLD."id", 'customer_id', OLD."customer_id", 'status_id', OLD."status_id", 'placed_at', OLD."placed_at", 'total', OLD."total"), json_object('id', NEW."id", 'customer_id', NEW."customer_id", 'status_id', NEW."status_id", 'placed_at', NEW."placed_at", 'total', NEW."total")); END;
CREATE TEMP TRIGGER orchestrate_ledger_del_2 AFTER DELETE ON main."orders" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('orders', 'delete', json_array(OLD."id"), json_object('id', OLD."id", 'customer_id', OLD."customer_id", 'status_id', OLD."status_id", 'placed_at', OLD."placed_at", 'total', OLD."total"), NULL); END;
CREATE TEMP TRIGGER orchestrate_ledger_ins_3 AFTER INSERT ON main."order_items" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('order_items', 'insert', json_array(NEW."id"), NULL, json_object('id', NEW."id", 'order_id', NEW."order_id", 'product_id', NEW."product_id", 'quantity', NEW."quantity", 'unit_price', NEW."unit_price")); END;
CREATE TEMP TRIGGER orchestrate_ledger_key_3 BEFORE UPDATE ON main."order_items" WHEN NOT (OLD."id" IS NEW."id") BEGIN SELECT RAISE(ABORT, 'seed demo_data changed the key columns (id) of a row of table order_items: the ledger finds rows by key; declare other key: columns'); END;
CREATE TEMP TRIGGER orchestrate_ledger_upd_3 AFTER UPDATE ON main."order_items" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('order_items', 'update', json_array(OLD."id"), json_object('id', OLD."id", 'order_id', OLD."order_id", 'product_id', OLD."product_id", 'quantity', OLD."quantity", 'unit_price', OLD."unit_price"), json_object('id', NEW."id", 'order_id', NEW."order_id", 'product_id', NEW."product_id", 'quantity', NEW."quantity", 'unit_price', NEW."unit_price")); END;
CREATE TEMP TRIGGER orchestrate_ledger_del_3 AFTER DELETE ON main."order_items" BEGIN INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES ('order_items', 'delete', json_array(OLD."id"), json_object('id', OLD."id", 'order_id', OLD."order_id", 'product_id', OLD."product_id", 'quantity', OLD."quantity", 'unit_price', OLD."unit_price"), NULL); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_4_INSERT BEFORE INSERT ON main."order_statuses" BEGIN SELECT RAISE(ABORT, 'seed demo_data wrote to table order_statuses, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add order_statuses to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_4_UPDATE BEFORE UPDATE ON main."order_statuses" BEGIN SELECT RAISE(ABORT, 'seed demo_data wrote to table order_statuses, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add order_statuses to the seed''s tables: (or stop writing to it)'); END;
CREATE TEMP TRIGGER orchestrate_ledger_deny_4_DELETE BEFORE DELETE ON main."order_statuses" BEGIN SELECT RAISE(ABORT, 'seed demo_data wrote to table order_statuses, which its tables: list does not declare, so the ledger could not record those rows; nothing of the seed was applied. Add order_statuses to the seed''s tables: (or stop writing to it)'); END;
-- the step's SQL:
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
DROP TRIGGER temp."orchestrate_ledger_ins_0";
DROP TRIGGER temp."orchestrate_ledger_key_0";
DROP TRIGGER temp."orchestrate_ledger_upd_0";
DROP TRIGGER temp."orchestrate_ledger_del_0";
DROP TRIGGER temp."orchestrate_ledger_ins_1";
DROP TRIGGER temp."orchestrate_ledger_key_1";
DROP TRIGGER temp."orchestrate_ledger_upd_1";
DROP TRIGGER temp."orchestrate_ledger_del_1";
DROP TRIGGER temp."orchestrate_ledger_ins_2";
DROP TRIGGER temp."orchestrate_ledger_key_2";
DROP TRIGGER temp."orchestrate_ledger_upd_2";
DROP TRIGGER temp."orchestrate_ledger_del_2";
DROP TRIGGER temp."orchestrate_ledger_ins_3";
DROP TRIGGER temp."orchestrate_ledger_key_3";
DROP TRIGGER temp."orchestrate_ledger_upd_3";
DROP TRIGGER temp."orchestrate_ledger_del_3";
DROP TRIGGER temp."orchestrate_ledger_deny_4_INSERT";
DROP TRIGGER temp."orchestrate_ledger_deny_4_UPDATE";
DROP TRIGGER temp."orchestrate_ledger_deny_4_DELETE";
INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, key_columns, column_names, row_count, xid, old_rows, new_rows) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM orchestrate_ledger), 'demo_data', '1.0.0', 'products', 'insert', '["id"]', '["id","sku","name","price","active"]', '4', NULL, NULL, '[{"id":1,"sku":"TEE-001","name":"Organic cotton T-shirt","price":19.9,"active":1},{"id":2,"sku":"MUG-002","name":"Enamel camping mug","price":12.5,"active":1},{"id":3,"sku":"BAG-003","name":"Canvas tote bag","price":24,"active":1},{"id":4,"sku":"HAT-004","name":"Wool beanie","price":17.25,"active":0}]');
INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, key_columns, column_names, row_count, xid, old_rows, new_rows) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM orchestrate_ledger), 'demo_data', '1.0.0', 'customers', 'insert', '["id"]', '["id","email","full_name","created_at"]', '3', NULL, NULL, '[{"id":1,"email":"ada@example.com","full_name":"Ada Lovelace","created_at":"2024-01-03 09:15:00"},{"id":2,"email":"grace@example.com","full_name":"Grace Hopper","created_at":"2024-01-10 14:02:00"},{"id":3,"email":"alan@example.com","full_name":"Alan Turing","created_at":"2024-02-01 08:30:00"}]');
INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, key_columns, column_names, row_count, xid, old_rows, new_rows) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM orchestrate_ledger), 'demo_data', '1.0.0', 'orders', 'insert', '["id"]', '["id","customer_id","status_id","placed_at","total"]', '4', NULL, NULL, '[{"id":1,"customer_id":1,"status_id":4,"placed_at":"2024-02-05 10:00:00","total":52.3},{"id":2,"customer_id":1,"status_id":2,"placed_at":"2024-03-01 16:45:00","total":24},{"id":3,"customer_id":2,"status_id":3,"placed_at":"2024-03-02 11:20:00","total":54.75},{"id":4,"customer_id":3,"status_id":5,"placed_at":"2024-03-04 19:05:00","total":19.9}]');
INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, key_columns, column_names, row_count, xid, old_rows, new_rows) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM orchestrate_ledger), 'demo_data', '1.0.0', 'order_items', 'insert', '["id"]', '["id","order_id","product_id","quantity","unit_price"]', '6', NULL, NULL, '[{"id":1,"order_id":1,"product_id":1,"quantity":2,"unit_price":19.9},{"id":2,"order_id":1,"product_id":2,"quantity":1,"unit_price":12.5},{"id":3,"order_id":2,"product_id":3,"quantity":1,"unit_price":24},{"id":4,"order_id":3,"product_id":2,"quantity":3,"unit_price":12.5},{"id":5,"order_id":3,"product_id":4,"quantity":1,"unit_price":17.25},{"id":6,"order_id":4,"product_id":1,"quantity":1,"unit_price":19.9}]');
DELETE FROM temp.orchestrate_ledger_stage;
INSERT INTO orchestrate_seeds (id, release, seq, sql_sha256, has_undo, undo_sql, applied_at, run_id) VALUES ('demo_data', '1.0.0', (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_seeds), 'df4159d57a96d1792795c0e9ce36eceb839adc2ed8042a13532949a89ca30a00', '1', '-- Undoes demo_data.sql, children before parents.
DELETE FROM order_items WHERE id IN (1, 2, 3, 4, 5, 6);
DELETE FROM orders WHERE id IN (1, 2, 3, 4);
DELETE FROM customers WHERE id IN (1, 2, 3);
DELETE FROM products WHERE id IN (1, 2, 3, 4);
', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '1');
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '1' AND n = '7';
COMMIT;

-- step 8 of 9: [1.0.0] record release 1.0.0 as deployed
--   transactional: yes (one transaction with its record)
BEGIN;
INSERT INTO orchestrate_releases (version, seq, image, release_order, deployed_at, run_id) VALUES ('1.0.0', (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_releases), 'registry.example.com/shop:1.0.0', 'code-first', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '1');
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '1' AND n = '8';
COMMIT;

-- step 9 of 9: [1.0.0] swap image (none) -> registry.example.com/shop:1.0.0
--   why: first deploy: the image moves once, after the database steps
--   not SQL: orchestrate's deployer points the application at registry.example.com/shop:1.0.0 and reads it back to verify:
--     write registry.example.com/shop:1.0.0 into the deployer's image file (a new file renamed over the old one)
--   run by hand, the script stops here for you to do it (psql waits for Enter unless run with -v orchestrate_unattended=1)
BEGIN;
UPDATE orchestrate_steps SET status = 'started', attempts = attempts + 1, started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL WHERE run_id = '1' AND n = '9';
COMMIT;
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('1', '9', 'by-hand', 'started', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
.print 'orchestrate: now point the application at registry.example.com/shop:1.0.0 (as the comments above say), before going on (sqlite3 does not wait)'
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('1', '9', 'by-hand', 'done', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('1', '9', 'verify', 'started', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('1', '9', 'verify', 'done', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
BEGIN;
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '1' AND n = '9';
COMMIT;
BEGIN;
UPDATE orchestrate_runs SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL WHERE id = '1';
COMMIT;

-- the run lock released
DELETE FROM orchestrate_lock WHERE id = 1 AND command = 'the review script, run by hand';
