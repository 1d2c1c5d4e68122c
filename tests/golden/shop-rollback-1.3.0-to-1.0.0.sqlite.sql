-- orchestrate review script: the exact SQL this rollback runs, in order.
-- app: shop
-- direction: rollback
-- from: 1.3.0
-- to: 1.0.0
-- environment: local (sqlite)
-- plan fingerprint: ed6a7b84ea91bcd5b250481fa51e80da7a4ffc0edc182ebb0d1355b14cf5981e
-- manifest plan.yaml sha256:18cfe9535aaba8a4e94977a9ed3fda17b0a7d4d58b18a78516e5713771825a56
-- manifest releases/1.0.0.yaml sha256:fbe91df65451344e75f87117874aa930ef0b83f86c3db6842e994e4ddccd4361
-- manifest releases/1.1.0.yaml sha256:f59bbdb3afd2049d3045ca247a2ea2e1e90a6806610761d2efb99c8ff7a35c61
-- manifest releases/1.2.0.yaml sha256:b778b081ed9812fe73b89bac4c57c876e46fa2ffc194a9f85b388fd761fede16
-- manifest releases/1.3.0.yaml sha256:b285dbde099ac48da4040df3c331cc07f854494925fc4b1ed5211b9d6b0602fb
-- steps: 21
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

-- step 1 of 21: [1.2.0] swap image registry.example.com/shop:1.3.0 -> registry.example.com/shop:1.2.0
--   why: 1.3.0 is code-first: 1.2.0's code runs on 1.3.0's schema while it is reverted
--   not SQL: orchestrate's deployer points the application at registry.example.com/shop:1.2.0 and reads it back to verify:
--     write registry.example.com/shop:1.2.0 into the deployer's image file (a new file renamed over the old one)

-- step 2 of 21: [1.3.0] reverse seed loyalty_tiers (the rows its ledger recorded)
--   transactional: yes (one transaction with its record)
--   ledger: the rows seed loyalty_tiers inserted, updated or deleted are reversed newest first, one transaction per chunk of up to 10000 rows; rows changed since the deploy: on_modified fail
-- ledger chunks (derived from the rows recorded at deploy):
-- ledger chunk 9: 4 insert row(s) of loyalty_tiers; one transaction; data sha256:5ca40841830117a3
BEGIN;
--   chunk statement: DELETE, DATABASE lock on loyalty_tiers, orchestrate_ledger
DELETE FROM "loyalty_tiers" WHERE ("id") IN (SELECT d."id" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 9)) dr CROSS JOIN "loyalty_tiers" d ON d."id" = json_extract(dr.value, '$."id"') WHERE json_object('id', d."id", 'code', d."code", 'name', d."name", 'min_points', d."min_points", 'discount_pct', d."discount_pct") = json(dr.value));
--   chunk statement: DELETE, DATABASE lock on orchestrate_ledger
DELETE FROM orchestrate_ledger WHERE id = 9;
COMMIT;
-- end of ledger chunks
BEGIN;
DELETE FROM orchestrate_ledger WHERE seed_id = 'loyalty_tiers';
DELETE FROM orchestrate_seeds WHERE id = 'loyalty_tiers';
COMMIT;

-- step 3 of 21: [1.3.0] revert migration 0017_create_view_customer_loyalty
--   sha256: 25a0a82ca612eb31471485179bcc16ff56608caaa2b8070019dd8c98f1454ec6
--   transactional: yes (one transaction with its record)
--   line 2: DROP VIEW, DATABASE lock on customer_loyalty
BEGIN;
-- Reverses 0017_create_view_customer_loyalty.up.sql.
DROP VIEW customer_loyalty;
DELETE FROM orchestrate_migrations WHERE id = '0017_create_view_customer_loyalty';
COMMIT;

-- step 4 of 21: [1.3.0] revert migration 0016_create_view_order_summaries
--   sha256: 388c23440111be896982667fbc14fd6085573577f537664bdb4713cd77e265db
--   transactional: yes (one transaction with its record)
--   line 2: DROP VIEW, DATABASE lock on order_summaries
BEGIN;
-- Reverses 0016_create_view_order_summaries.up.sql.
DROP VIEW order_summaries;
DELETE FROM orchestrate_migrations WHERE id = '0016_create_view_order_summaries';
COMMIT;

-- step 5 of 21: [1.3.0] revert migration 0015_customers_rename_full_name
--   sha256: 2c915775933ef91a1f95653f08bba7cbc50525ce4c39909c222e8b3300d31f27
--   transactional: yes (one transaction with its record)
--   line 3: ALTER TABLE, DATABASE lock on customers
BEGIN;
-- Reverses 0015_customers_rename_full_name.up.sql.
-- The views of 0016 and 0017 that read display_name are dropped before this runs.
ALTER TABLE customers RENAME COLUMN display_name TO full_name;
DELETE FROM orchestrate_migrations WHERE id = '0015_customers_rename_full_name';
COMMIT;

-- step 6 of 21: [1.3.0] revert migration 0014_customers_add_loyalty_points
--   sha256: 8d75cdda3b9b8c3111dfbeda19756073d9fc9a8b40dd8c796fa876c07623621f
--   transactional: yes (one transaction with its record)
--   line 2: ALTER TABLE, DATABASE lock on customers; DESTROYS DATA: drops column customers.loyalty_points
--   snapshot: columns loyalty_points of customers (line 2: drops column customers.loyalty_points)
BEGIN;
-- Reverses 0014_customers_add_loyalty_points.up.sql (the backfilled balances go with the column).
ALTER TABLE customers DROP COLUMN loyalty_points;
DELETE FROM orchestrate_migrations WHERE id = '0014_customers_add_loyalty_points';
COMMIT;

-- step 7 of 21: [1.3.0] revert migration 0013_create_loyalty_tiers
--   sha256: 52ba5ac2d3c8c729514d31a4907bc9492eaec73f1a980f93b60c83a1b2b99633
--   transactional: yes (one transaction with its record)
--   line 2: DROP TABLE, DATABASE lock on loyalty_tiers; DESTROYS DATA: drops table loyalty_tiers
--   snapshot: whole table loyalty_tiers (line 2: drops table loyalty_tiers)
BEGIN;
-- Reverses 0013_create_loyalty_tiers.up.sql.
DROP TABLE loyalty_tiers;
DELETE FROM orchestrate_migrations WHERE id = '0013_create_loyalty_tiers';
COMMIT;

-- step 8 of 21: [1.3.0] record release 1.3.0 as rolled back
--   transactional: yes (one transaction with its record)
BEGIN;
DELETE FROM orchestrate_releases WHERE version = '1.3.0';
COMMIT;

-- step 9 of 21: [1.2.0] revert migration 0012_index_orders_customer_placed_at
--   sha256: 12c1356631a40b051cfe4c546254834cd61153068c1a1edb845e7fded4ded294
--   transactional: yes (one transaction with its record)
--   line 2: DROP INDEX, DATABASE lock on idx_orders_customer_placed_at
BEGIN;
-- Reverses 0012_index_orders_customer_placed_at.up.sql.
DROP INDEX idx_orders_customer_placed_at;
DELETE FROM orchestrate_migrations WHERE id = '0012_index_orders_customer_placed_at';
COMMIT;

-- step 10 of 21: [1.2.0] revert migration 0011_index_orders_shipping_method
--   sha256: ce53eea2161e25a2938ec0ee090f5feef8a9736f7eae7484e8886e7d85d97ef3
--   transactional: yes (one transaction with its record)
--   line 2: DROP INDEX, DATABASE lock on idx_orders_shipping_method
BEGIN;
-- Reverses 0011_index_orders_shipping_method.up.sql.
DROP INDEX idx_orders_shipping_method;
DELETE FROM orchestrate_migrations WHERE id = '0011_index_orders_shipping_method';
COMMIT;

-- step 11 of 21: [1.2.0] revert migration 0010_orders_add_shipping_method
--   sha256: cc0173e7f5bc8424231e36e83e243ba9c8b9c881cebbe6b00c29fbf005dd1874
--   transactional: yes (one transaction with its record)
--   line 3: ALTER TABLE, DATABASE lock on orders; DESTROYS DATA: drops column orders.shipping_method_id
--   snapshot: columns shipping_method_id of orders (line 3: drops column orders.shipping_method_id)
BEGIN;
-- Reverses 0010_orders_add_shipping_method.up.sql.
-- idx_orders_shipping_method (0011) is dropped before this runs, so SQLite can drop the column.
ALTER TABLE orders DROP COLUMN shipping_method_id;
DELETE FROM orchestrate_migrations WHERE id = '0010_orders_add_shipping_method';
COMMIT;

-- step 12 of 21: [1.2.0] revert migration 0009_customers_add_country_code
--   sha256: 1589c6c755782597615dd60681df95e36d9e3fa57d0d7847f4351c97d1b5b0b2
--   transactional: yes (one transaction with its record)
--   line 2: ALTER TABLE, DATABASE lock on customers; DESTROYS DATA: drops column customers.country_code
--   snapshot: columns country_code of customers (line 2: drops column customers.country_code)
BEGIN;
-- Reverses 0009_customers_add_country_code.up.sql.
ALTER TABLE customers DROP COLUMN country_code;
DELETE FROM orchestrate_migrations WHERE id = '0009_customers_add_country_code';
COMMIT;

-- step 13 of 21: [1.2.0] record release 1.2.0 as rolled back
--   transactional: yes (one transaction with its record)
BEGIN;
DELETE FROM orchestrate_releases WHERE version = '1.2.0';
COMMIT;

-- step 14 of 21: [1.0.0] swap image registry.example.com/shop:1.2.0 -> registry.example.com/shop:1.0.0
--   why: 1.2.0 is schema-first: 1.2.0's code runs on 1.1.0's schema, so 1.1.0's image comes after it is reverted; then 1.1.0 is code-first: 1.0.0's code runs on 1.1.0's schema while it is reverted
--   not SQL: orchestrate's deployer points the application at registry.example.com/shop:1.0.0 and reads it back to verify:
--     write registry.example.com/shop:1.0.0 into the deployer's image file (a new file renamed over the old one)

-- step 15 of 21: [1.1.0] reverse seed order_statuses_refunded (the rows its ledger recorded)
--   transactional: yes (one transaction with its record)
--   ledger: the rows seed order_statuses_refunded inserted, updated or deleted are reversed newest first, one transaction per chunk of up to 10000 rows; rows changed since the deploy: on_modified fail
-- ledger chunks (derived from the rows recorded at deploy):
-- ledger chunk 8: 1 insert row(s) of order_statuses; one transaction; data sha256:13af109ab1380aa8
BEGIN;
--   chunk statement: DELETE, DATABASE lock on order_statuses, orchestrate_ledger
DELETE FROM "order_statuses" WHERE ("id") IN (SELECT d."id" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 8)) dr CROSS JOIN "order_statuses" d ON d."id" = json_extract(dr.value, '$."id"') WHERE json_object('id', d."id", 'code', d."code", 'label', d."label", 'is_final', d."is_final") = json(dr.value));
--   chunk statement: DELETE, DATABASE lock on orchestrate_ledger
DELETE FROM orchestrate_ledger WHERE id = 8;
COMMIT;
-- end of ledger chunks
BEGIN;
DELETE FROM orchestrate_ledger WHERE seed_id = 'order_statuses_refunded';
DELETE FROM orchestrate_seeds WHERE id = 'order_statuses_refunded';
COMMIT;

-- step 16 of 21: [1.1.0] reverse seed shipping_methods (the rows its ledger recorded)
--   transactional: yes (one transaction with its record)
--   ledger: the rows seed shipping_methods inserted, updated or deleted are reversed newest first, one transaction per chunk of up to 10000 rows; rows changed since the deploy: on_modified fail
-- ledger chunks (derived from the rows recorded at deploy):
-- ledger chunk 7: 3 insert row(s) of shipping_methods; one transaction; data sha256:41ffcd857d0f9b2a
BEGIN;
--   chunk statement: DELETE, DATABASE lock on shipping_methods, orchestrate_ledger
DELETE FROM "shipping_methods" WHERE ("id") IN (SELECT d."id" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 7)) dr CROSS JOIN "shipping_methods" d ON d."id" = json_extract(dr.value, '$."id"') WHERE json_object('id', d."id", 'code', d."code", 'name', d."name", 'base_fee', d."base_fee", 'active', d."active") = json(dr.value));
--   chunk statement: DELETE, DATABASE lock on orchestrate_ledger
DELETE FROM orchestrate_ledger WHERE id = 7;
COMMIT;
-- end of ledger chunks
BEGIN;
DELETE FROM orchestrate_ledger WHERE seed_id = 'shipping_methods';
DELETE FROM orchestrate_seeds WHERE id = 'shipping_methods';
COMMIT;

-- step 17 of 21: [1.1.0] reverse seed countries (the rows its ledger recorded)
--   transactional: yes (one transaction with its record)
--   ledger: the rows seed countries inserted, updated or deleted are reversed newest first, one transaction per chunk of up to 10000 rows; rows changed since the deploy: on_modified fail
-- ledger chunks (derived from the rows recorded at deploy):
-- ledger chunk 6: 8 insert row(s) of countries; one transaction; data sha256:3040c1d0a7e038db
BEGIN;
--   chunk statement: DELETE, DATABASE lock on countries, orchestrate_ledger
DELETE FROM "countries" WHERE ("code") IN (SELECT d."code" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 6)) dr CROSS JOIN "countries" d ON d."code" = json_extract(dr.value, '$."code"') WHERE json_object('code', d."code", 'name', d."name", 'eu_member', d."eu_member") = json(dr.value));
--   chunk statement: DELETE, DATABASE lock on orchestrate_ledger
DELETE FROM orchestrate_ledger WHERE id = 6;
COMMIT;
-- end of ledger chunks
BEGIN;
DELETE FROM orchestrate_ledger WHERE seed_id = 'countries';
DELETE FROM orchestrate_seeds WHERE id = 'countries';
COMMIT;

-- step 18 of 21: [1.1.0] revert migration 0008_orders_add_item_count
--   sha256: 533997daf991ae70bf564dc3abcb487b8a064cb3889d0a8ffbb222d0488803bc
--   transactional: yes (one transaction with its record)
--   line 2: ALTER TABLE, DATABASE lock on orders; DESTROYS DATA: drops column orders.item_count
--   snapshot: columns item_count of orders (line 2: drops column orders.item_count)
BEGIN;
-- Reverses 0008_orders_add_item_count.up.sql (the backfilled values go with the column).
ALTER TABLE orders DROP COLUMN item_count;
DELETE FROM orchestrate_migrations WHERE id = '0008_orders_add_item_count';
COMMIT;

-- step 19 of 21: [1.1.0] revert migration 0007_create_shipping_methods
--   sha256: d905b51fccc2e64371411a83372b4a36d1eebf63fab1a80fb8b49fd1008f9afd
--   transactional: yes (one transaction with its record)
--   line 2: DROP TABLE, DATABASE lock on shipping_methods; DESTROYS DATA: drops table shipping_methods
--   snapshot: whole table shipping_methods (line 2: drops table shipping_methods)
BEGIN;
-- Reverses 0007_create_shipping_methods.up.sql.
DROP TABLE shipping_methods;
DELETE FROM orchestrate_migrations WHERE id = '0007_create_shipping_methods';
COMMIT;

-- step 20 of 21: [1.1.0] revert migration 0006_create_countries
--   sha256: 9243fc9a7e563401bdb3c036b3939175e4176235d7b656c3bfc25d9c14d01dc0
--   transactional: yes (one transaction with its record)
--   line 2: DROP TABLE, DATABASE lock on countries; DESTROYS DATA: drops table countries
--   snapshot: whole table countries (line 2: drops table countries)
BEGIN;
-- Reverses 0006_create_countries.up.sql.
DROP TABLE countries;
DELETE FROM orchestrate_migrations WHERE id = '0006_create_countries';
COMMIT;

-- step 21 of 21: [1.1.0] record release 1.1.0 as rolled back
--   transactional: yes (one transaction with its record)
BEGIN;
DELETE FROM orchestrate_releases WHERE version = '1.1.0';
COMMIT;
