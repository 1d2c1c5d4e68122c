-- orchestrate review script: the exact SQL this rollback runs, in order, recorded from a run that was rolled back.
-- app: shop
-- direction: rollback
-- from: 1.3.0
-- to: 1.0.0
-- environment: local (sqlite)
-- plan fingerprint: ed6a7b84ea91bcd5b250481fa51e80da7a4ffc0edc182ebb0d1355b14cf5981e
-- manifest plan.yaml sha256:18cfe9535aaba8a4e94977a9ed3fda17b0a7d4d58b18a78516e5713771825a56
-- manifest releases/1.0.0.yaml sha256:069c74bdb0e79c00ba5900895d1f59298fd4c06e61671fe1b185d988821d374f
-- manifest releases/1.1.0.yaml sha256:f59bbdb3afd2049d3045ca247a2ea2e1e90a6806610761d2efb99c8ff7a35c61
-- manifest releases/1.2.0.yaml sha256:08462c3817f8f2e922019383d2064f1be747609555669c782642d3a5a2883483
-- manifest releases/1.3.0.yaml sha256:b285dbde099ac48da4040df3c331cc07f854494925fc4b1ed5211b9d6b0602fb
-- steps: 21
-- approval binds every line but the '-- estimate:' and '-- where:' ones; the ledger chunks, consumed as a rollback runs, are checked one by one with the digest of the data each writes back, when approved with this file (--approved FILE; --approved sha256:... does not bind them)
-- run it by hand with `sqlite3 DATABASE < FILE` (it stops at the first error): it does what `orchestrate rollback` does to the database, and records the run as orchestrate would

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
SELECT json_extract('{}', ' the database is not as it was when this script was rendered (render it again with `orchestrate sql` and have it reviewed); nothing was changed: the newest run is no longer run 1 (' || count(*) || ' row(s))') FROM (SELECT MAX(id) FROM orchestrate_runs HAVING COALESCE(MAX(id), 0) <> 1) HAVING count(*) > 0;
SELECT json_extract('{}', ' the database is not as it was when this script was rendered (render it again with `orchestrate sql` and have it reviewed); nothing was changed: an unfinished run is in the way (`orchestrate status` shows it) (' || count(*) || ' row(s))') FROM (SELECT id, status FROM orchestrate_runs WHERE status IN ('running', 'failed', 'interrupted')) HAVING count(*) > 0;
SELECT json_extract('{}', ' the database is not as it was when this script was rendered (render it again with `orchestrate sql` and have it reviewed); nothing was changed: the releases deployed differ (' || count(*) || ' row(s))') FROM (SELECT version || ':' || seq FROM orchestrate_releases WHERE version || ':' || seq NOT IN ('1.0.0:1', '1.1.0:2', '1.2.0:3', '1.3.0:4')) HAVING count(*) > 0;
SELECT json_extract('{}', ' the database is not as it was when this script was rendered (render it again with `orchestrate sql` and have it reviewed); nothing was changed: the releases deployed differ (' || count(*) || ' row(s))') FROM (SELECT count(*) FROM orchestrate_releases HAVING count(*) <> 4) HAVING count(*) > 0;
SELECT json_extract('{}', ' the database is not as it was when this script was rendered (render it again with `orchestrate sql` and have it reviewed); nothing was changed: the migrations applied (or their checksums) differ (' || count(*) || ' row(s))') FROM (SELECT id || ':' || up_sha256 || ':' || COALESCE(down_sha256, '-') || ':' || irreversible FROM orchestrate_migrations WHERE id || ':' || up_sha256 || ':' || COALESCE(down_sha256, '-') || ':' || irreversible NOT IN ('0001_create_customers:ff1f647b3d46076da8aedc80eba2d0458527a24e276bfe4a22a8af54cbc025cb:80f4766092c0f6a93aeaa3593988e37dfe67739950d814a8f1406c924283a690:0', '0002_create_products:7da1b255c813822a323578216b882c684a2cc739c086c7819774e7045eeb9443:5043afb6cf909b8243c1f014eeb448c4ec80a68142485fe94bc5ad43d54eb406:0', '0003_create_order_statuses:307a9c655496a380c10be2b68213b49428762c92f8e02a0befe6aa5bca838681:7fd4621ba10acad02f7bd47f0523915feb739d6083816040f3a70f5e1817ab37:0', '0004_create_orders:8ee32752883f634a6ac89fef40a48d2c7f50d0365e0942b9f900e0d85790c50d:df07c5d3939aa3704ed68daeb340cb257fe44e322d070c752674816a0d2a86a0:0', '0005_create_order_items:eb86e0c819251247ec1b0fd4c83ae6de704046c4c98fbc5bc67f46d4abb2f127:eb907fa5de964a2737f2798079274702d8a703269fccb29ffed000b8fc409442:0', '0006_create_countries:a6afe9735c924f29f5ef654610aa573da11f3bcb6af0ae26c12a921699941bed:9243fc9a7e563401bdb3c036b3939175e4176235d7b656c3bfc25d9c14d01dc0:0', '0007_create_shipping_methods:88359f7503482dcee42239ec72861f06c6fb0923fadc13741cdefd1e843704cb:d905b51fccc2e64371411a83372b4a36d1eebf63fab1a80fb8b49fd1008f9afd:0', '0008_orders_add_item_count:325609fafd07f1471aa083907b3b06c913f643c8db1f7223a69f1b6d57774681:533997daf991ae70bf564dc3abcb487b8a064cb3889d0a8ffbb222d0488803bc:0', '0009_customers_add_country_code:ac0c1a6148a0959fc1857b380f77b3edb0175f33dec9e94b2ce39eb36402e5de:1589c6c755782597615dd60681df95e36d9e3fa57d0d7847f4351c97d1b5b0b2:0', '0010_orders_add_shipping_method:a77fda5ca9fe062a9fe2286aeee5e9a281c664c9b24813327883b809b6a16b48:cc0173e7f5bc8424231e36e83e243ba9c8b9c881cebbe6b00c29fbf005dd1874:0', '0011_index_orders_shipping_method:50b9500c525c76508384be86a72e66c48749c5307e76f3edd0f414bd8649cf01:ce53eea2161e25a2938ec0ee090f5feef8a9736f7eae7484e8886e7d85d97ef3:0', '0012_index_orders_customer_placed_at:73aaa2cd9e5e8b4e5e08941ef7ec11df1e85d0940878397d0d4936f4f2a802d2:12c1356631a40b051cfe4c546254834cd61153068c1a1edb845e7fded4ded294:0', '0013_create_loyalty_tiers:2463deb2d9fdb90191ed2eb1fb12c642465ece674fd4fc5730e0f2564f4d5196:52ba5ac2d3c8c729514d31a4907bc9492eaec73f1a980f93b60c83a1b2b99633:0', '0014_customers_add_loyalty_points:9e7a333e0dab4d7bf4cd77dd8de3458bda79d5ecfc0565d430fd1d5c369b1912:8d75cdda3b9b8c3111dfbeda19756073d9fc9a8b40dd8c796fa876c07623621f:0', '0015_customers_rename_full_name:ac863d9a6926504b7be17faf4fbb4e25b31b7cd3564a99b359278f088c41b8b3:2c915775933ef91a1f95653f08bba7cbc50525ce4c39909c222e8b3300d31f27:0', '0016_create_view_order_summaries:96b53ed0c9fa5d995ff56b82a49a6add8f4d8e296cdead2c51b53ff339e379a8:388c23440111be896982667fbc14fd6085573577f537664bdb4713cd77e265db:0', '0017_create_view_customer_loyalty:dc6f350be0bb4ff85a345c48df1dd67a307453ff94d237480ac83b6656c738f3:25a0a82ca612eb31471485179bcc16ff56608caaa2b8070019dd8c98f1454ec6:0')) HAVING count(*) > 0;
SELECT json_extract('{}', ' the database is not as it was when this script was rendered (render it again with `orchestrate sql` and have it reviewed); nothing was changed: the migrations applied (or their checksums) differ (' || count(*) || ' row(s))') FROM (SELECT count(*) FROM orchestrate_migrations HAVING count(*) <> 17) HAVING count(*) > 0;
SELECT json_extract('{}', ' the database is not as it was when this script was rendered (render it again with `orchestrate sql` and have it reviewed); nothing was changed: the seeds applied differ (' || count(*) || ' row(s))') FROM (SELECT id || ':' || sql_sha256 || ':' || COALESCE(undo_sql, '-') FROM orchestrate_seeds WHERE id || ':' || sql_sha256 || ':' || COALESCE(undo_sql, '-') NOT IN ('countries:eece32e1276fa1ee4586312530ffa19bcf3a11604b80298234144e9b19dd873b:-', 'demo_data:df4159d57a96d1792795c0e9ce36eceb839adc2ed8042a13532949a89ca30a00:-- Undoes demo_data.sql, children before parents.
DELETE FROM order_items WHERE id IN (1, 2, 3, 4, 5, 6);
DELETE FROM orders WHERE id IN (1, 2, 3, 4);
DELETE FROM customers WHERE id IN (1, 2, 3);
DELETE FROM products WHERE id IN (1, 2, 3, 4);
', 'loyalty_tiers:893ed421a65b9ab92d078fd9d97ce0cfd1106036e021eec9a546601c49fea5d9:-', 'order_statuses:7774035bd94866c6b5f0b12079b85f66cfd59c99e1cab899a6c21d77c65aec57:-- Undoes order_statuses.sql.
DELETE FROM order_statuses WHERE id IN (1, 2, 3, 4, 5);
', 'order_statuses_refunded:e6dc8aa8cca6b055459e8d5ffd26aaf4d1d6b1124f9767f253c37e26d5fb8a75:-', 'shipping_methods:e00d9e4c8ad125e2f2a1154f854db8aa207efe56ca2d05e7d1c120d5dfa0d0e3:-')) HAVING count(*) > 0;
SELECT json_extract('{}', ' the database is not as it was when this script was rendered (render it again with `orchestrate sql` and have it reviewed); nothing was changed: the seeds applied differ (' || count(*) || ' row(s))') FROM (SELECT count(*) FROM orchestrate_seeds HAVING count(*) <> 6) HAVING count(*) > 0;
COMMIT;

-- the run, as orchestrate runs it
BEGIN;
INSERT INTO orchestrate_runs (id, kind, app, environment, fingerprint, from_version, to_version, actor, host, pid, reason, command, status, started_at, step_count) VALUES ('2', 'rollback', 'shop', 'local', 'ed6a7b84ea91bcd5b250481fa51e80da7a4ffc0edc182ebb0d1355b14cf5981e', '1.3.0', '1.0.0', 'sqlite3', 'localhost', '0', 'the review script, run by hand', 'the review script, run by hand', 'running', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '21');
INSERT INTO orchestrate_steps (run_id, n, kind, release, ref, status, attempts, spec) VALUES ('2', '1', 'swap-image', '1.2.0', NULL, 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"","image_from":"registry.example.com/shop:1.3.0","image_to":"registry.example.com/shop:1.2.0","irreversible":false,"kind":"swap-image","note":"","order":"","release":"1.2.0","sql":"","sql_sha256":"","transactional":false,"why":"1.3.0 is code-first: 1.2.0''s code runs on 1.3.0''s schema while it is reverted"}'), ('2', '2', 'undo-seed', '1.3.0', 'loyalty_tiers', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"loyalty_tiers","image_from":"","image_to":"","irreversible":false,"kind":"undo-seed","note":"","order":"","release":"1.3.0","sql":"","sql_sha256":"","transactional":true}'), ('2', '3', 'revert-migration', '1.3.0', '0017_create_view_customer_loyalty', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0017_create_view_customer_loyalty","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.3.0","sql":"-- Reverses 0017_create_view_customer_loyalty.up.sql.\nDROP VIEW customer_loyalty;\n","sql_sha256":"25a0a82ca612eb31471485179bcc16ff56608caaa2b8070019dd8c98f1454ec6","transactional":true}'), ('2', '4', 'revert-migration', '1.3.0', '0016_create_view_order_summaries', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0016_create_view_order_summaries","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.3.0","sql":"-- Reverses 0016_create_view_order_summaries.up.sql.\nDROP VIEW order_summaries;\n","sql_sha256":"388c23440111be896982667fbc14fd6085573577f537664bdb4713cd77e265db","transactional":true}'), ('2', '5', 'revert-migration', '1.3.0', '0015_customers_rename_full_name', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0015_customers_rename_full_name","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.3.0","sql":"-- Reverses 0015_customers_rename_full_name.up.sql.\n-- The views of 0016 and 0017 that read display_name are dropped before this runs.\nALTER TABLE customers RENAME COLUMN display_name TO full_name;\n","sql_sha256":"2c915775933ef91a1f95653f08bba7cbc50525ce4c39909c222e8b3300d31f27","transactional":true}'), ('2', '6', 'revert-migration', '1.3.0', '0014_customers_add_loyalty_points', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0014_customers_add_loyalty_points","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.3.0","sql":"-- Reverses 0014_customers_add_loyalty_points.up.sql (the backfilled balances go with the column).\nALTER TABLE customers DROP COLUMN loyalty_points;\n","sql_sha256":"8d75cdda3b9b8c3111dfbeda19756073d9fc9a8b40dd8c796fa876c07623621f","transactional":true}'), ('2', '7', 'revert-migration', '1.3.0', '0013_create_loyalty_tiers', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0013_create_loyalty_tiers","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.3.0","sql":"-- Reverses 0013_create_loyalty_tiers.up.sql.\nDROP TABLE loyalty_tiers;\n","sql_sha256":"52ba5ac2d3c8c729514d31a4907bc9492eaec73f1a980f93b60c83a1b2b99633","transactional":true}'), ('2', '8', 'forget-release', '1.3.0', NULL, 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"","image_from":"","image_to":"","irreversible":false,"kind":"forget-release","note":"","order":"","release":"1.3.0","sql":"","sql_sha256":"","transactional":true}'), ('2', '9', 'revert-migration', '1.2.0', '0012_index_orders_customer_placed_at', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0012_index_orders_customer_placed_at","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.2.0","sql":"-- Reverses 0012_index_orders_customer_placed_at.up.sql.\nDROP INDEX idx_orders_customer_placed_at;\n","sql_sha256":"12c1356631a40b051cfe4c546254834cd61153068c1a1edb845e7fded4ded294","transactional":true}'), ('2', '10', 'revert-migration', '1.2.0', '0011_index_orders_shipping_method', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0011_index_orders_shipping_method","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.2.0","sql":"-- Reverses 0011_index_orders_shipping_method.up.sql.\nDROP INDEX idx_orders_shipping_method;\n","sql_sha256":"ce53eea2161e25a2938ec0ee090f5feef8a9736f7eae7484e8886e7d85d97ef3","transactional":true}'), ('2', '11', 'revert-migration', '1.2.0', '0010_orders_add_shipping_method', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0010_orders_add_shipping_method","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.2.0","sql":"-- Reverses 0010_orders_add_shipping_method.up.sql.\n-- idx_orders_shipping_method (0011) is dropped before this runs, so SQLite can drop the column.\nALTER TABLE orders DROP COLUMN shipping_method_id;\n","sql_sha256":"cc0173e7f5bc8424231e36e83e243ba9c8b9c881cebbe6b00c29fbf005dd1874","transactional":true}'), ('2', '12', 'revert-migration', '1.2.0', '0009_customers_add_country_code', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0009_customers_add_country_code","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.2.0","sql":"-- Reverses 0009_customers_add_country_code.up.sql.\nALTER TABLE customers DROP COLUMN country_code;\n","sql_sha256":"1589c6c755782597615dd60681df95e36d9e3fa57d0d7847f4351c97d1b5b0b2","transactional":true}'), ('2', '13', 'forget-release', '1.2.0', NULL, 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"","image_from":"","image_to":"","irreversible":false,"kind":"forget-release","note":"","order":"","release":"1.2.0","sql":"","sql_sha256":"","transactional":true}'), ('2', '14', 'swap-image', '1.0.0', NULL, 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"","image_from":"registry.example.com/shop:1.2.0","image_to":"registry.example.com/shop:1.0.0","irreversible":false,"kind":"swap-image","note":"","order":"","release":"1.0.0","sql":"","sql_sha256":"","transactional":false,"why":"1.2.0 is schema-first: 1.2.0''s code runs on 1.1.0''s schema, so 1.1.0''s image comes after it is reverted; then 1.1.0 is code-first: 1.0.0''s code runs on 1.1.0''s schema while it is reverted"}'), ('2', '15', 'undo-seed', '1.1.0', 'order_statuses_refunded', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"order_statuses_refunded","image_from":"","image_to":"","irreversible":false,"kind":"undo-seed","note":"","order":"","release":"1.1.0","sql":"","sql_sha256":"","transactional":true}'), ('2', '16', 'undo-seed', '1.1.0', 'shipping_methods', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"shipping_methods","image_from":"","image_to":"","irreversible":false,"kind":"undo-seed","note":"","order":"","release":"1.1.0","sql":"","sql_sha256":"","transactional":true}'), ('2', '17', 'undo-seed', '1.1.0', 'countries', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"countries","image_from":"","image_to":"","irreversible":false,"kind":"undo-seed","note":"","order":"","release":"1.1.0","sql":"","sql_sha256":"","transactional":true}'), ('2', '18', 'revert-migration', '1.1.0', '0008_orders_add_item_count', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0008_orders_add_item_count","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.1.0","sql":"-- Reverses 0008_orders_add_item_count.up.sql (the backfilled values go with the column).\nALTER TABLE orders DROP COLUMN item_count;\n","sql_sha256":"533997daf991ae70bf564dc3abcb487b8a064cb3889d0a8ffbb222d0488803bc","transactional":true}'), ('2', '19', 'revert-migration', '1.1.0', '0007_create_shipping_methods', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0007_create_shipping_methods","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.1.0","sql":"-- Reverses 0007_create_shipping_methods.up.sql.\nDROP TABLE shipping_methods;\n","sql_sha256":"d905b51fccc2e64371411a83372b4a36d1eebf63fab1a80fb8b49fd1008f9afd","transactional":true}'), ('2', '20', 'revert-migration', '1.1.0', '0006_create_countries', 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"0006_create_countries","image_from":"","image_to":"","irreversible":false,"kind":"revert-migration","note":"","order":"","release":"1.1.0","sql":"-- Reverses 0006_create_countries.up.sql.\nDROP TABLE countries;\n","sql_sha256":"9243fc9a7e563401bdb3c036b3939175e4176235d7b656c3bfc25d9c14d01dc0","transactional":true}'), ('2', '21', 'forget-release', '1.1.0', NULL, 'pending', 0, '{"down_sha256":"","down_sql":"","has_undo":false,"id":"","image_from":"","image_to":"","irreversible":false,"kind":"forget-release","note":"","order":"","release":"1.1.0","sql":"","sql_sha256":"","transactional":true}');
COMMIT;

-- step 1 of 21: [1.2.0] swap image registry.example.com/shop:1.3.0 -> registry.example.com/shop:1.2.0
--   why: 1.3.0 is code-first: 1.2.0's code runs on 1.3.0's schema while it is reverted
--   not SQL: orchestrate's deployer points the application at registry.example.com/shop:1.2.0 and reads it back to verify:
--     write registry.example.com/shop:1.2.0 into the deployer's image file (a new file renamed over the old one)
--   run by hand, the script stops here for you to do it (psql waits for Enter unless run with -v orchestrate_unattended=1)
BEGIN;
UPDATE orchestrate_steps SET status = 'started', attempts = attempts + 1, started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL WHERE run_id = '2' AND n = '1';
COMMIT;
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('2', '1', 'by-hand', 'started', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
.print 'orchestrate: now point the application at registry.example.com/shop:1.2.0 (as the comments above say), before going on (sqlite3 does not wait)'
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('2', '1', 'by-hand', 'done', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('2', '1', 'verify', 'started', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('2', '1', 'verify', 'done', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
BEGIN;
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '1';
COMMIT;

-- step 2 of 21: [1.3.0] reverse seed loyalty_tiers (the rows its ledger recorded)
--   transactional: yes (one transaction with its record)
--   ledger: the rows seed loyalty_tiers inserted, updated or deleted are reversed newest first, one transaction per chunk of up to 10000 rows; rows changed since the deploy: on_modified fail
-- ledger chunks (derived from the rows recorded at deploy):
-- ledger chunk 9: 4 insert row(s) of loyalty_tiers; one transaction; data sha256:5ca40841830117a3
BEGIN;
--   chunk statement: DELETE, DATABASE lock on loyalty_tiers, orchestrate_ledger
DELETE FROM "loyalty_tiers" WHERE ("id") IN (SELECT d."id" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 9)) dr CROSS JOIN "loyalty_tiers" d ON d."id" = json_extract(dr.value, '$."id"') WHERE json_object('id', d."id", 'code', d."code", 'name', d."name", 'min_points', d."min_points", 'discount_pct', d."discount_pct") = json(dr.value));
SELECT json_extract('{}', ' cannot reverse seed loyalty_tiers: rows of loyalty_tiers that it inserted were changed after the deploy (ledger chunk 9); options: set policy on_modified: keep (leave those rows as they are now) or revert (give them back the values before the deploy anyway) in plan.yaml, or fix the rows by hand; then run the same command again (seed loyalty_tiers''s rows reversed so far stay reversed); the rows (key) (' || count(*) || ' row(s))') FROM (SELECT t."id" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 9)) r CROSS JOIN "loyalty_tiers" t ON t."id" = json_extract(r.value, '$."id"')) HAVING count(*) > 0;
-- end of ledger chunks
DELETE FROM orchestrate_ledger WHERE id = '9';
DELETE FROM orchestrate_ledger_restores WHERE NOT EXISTS (SELECT 1 FROM orchestrate_ledger);
DELETE FROM orchestrate_ledger WHERE seed_id = 'loyalty_tiers';
DELETE FROM orchestrate_seeds WHERE id = 'loyalty_tiers';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '2';
COMMIT;

-- step 3 of 21: [1.3.0] revert migration 0017_create_view_customer_loyalty
--   sha256: 25a0a82ca612eb31471485179bcc16ff56608caaa2b8070019dd8c98f1454ec6
--   transactional: yes (one transaction with its record)
--   line 2: DROP VIEW, DATABASE lock on customer_loyalty
BEGIN;
-- the step's SQL:
-- Reverses 0017_create_view_customer_loyalty.up.sql.
DROP VIEW customer_loyalty;
DELETE FROM orchestrate_migrations WHERE id = '0017_create_view_customer_loyalty';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '3';
COMMIT;

-- step 4 of 21: [1.3.0] revert migration 0016_create_view_order_summaries
--   sha256: 388c23440111be896982667fbc14fd6085573577f537664bdb4713cd77e265db
--   transactional: yes (one transaction with its record)
--   line 2: DROP VIEW, DATABASE lock on order_summaries
BEGIN;
-- the step's SQL:
-- Reverses 0016_create_view_order_summaries.up.sql.
DROP VIEW order_summaries;
DELETE FROM orchestrate_migrations WHERE id = '0016_create_view_order_summaries';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '4';
COMMIT;

-- step 5 of 21: [1.3.0] revert migration 0015_customers_rename_full_name
--   sha256: 2c915775933ef91a1f95653f08bba7cbc50525ce4c39909c222e8b3300d31f27
--   transactional: yes (one transaction with its record)
--   line 3: ALTER TABLE, DATABASE lock on customers
BEGIN;
-- the step's SQL:
-- Reverses 0015_customers_rename_full_name.up.sql.
-- The views of 0016 and 0017 that read display_name are dropped before this runs.
ALTER TABLE customers RENAME COLUMN display_name TO full_name;
DELETE FROM orchestrate_migrations WHERE id = '0015_customers_rename_full_name';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '5';
COMMIT;

-- step 6 of 21: [1.3.0] revert migration 0014_customers_add_loyalty_points
--   sha256: 8d75cdda3b9b8c3111dfbeda19756073d9fc9a8b40dd8c796fa876c07623621f
--   transactional: yes (one transaction with its record)
--   line 2: ALTER TABLE, DATABASE lock on customers; DESTROYS DATA: drops column customers.loyalty_points
--   snapshot: columns loyalty_points of customers (line 2: drops column customers.loyalty_points)
BEGIN;
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_index (id BIGINT PRIMARY KEY, run_id BIGINT, step INTEGER, release TEXT, source TEXT, source_table TEXT NOT NULL, kind TEXT NOT NULL, key_columns TEXT NOT NULL, columns TEXT NOT NULL, row_count BIGINT NOT NULL, storage TEXT NOT NULL, created_at TEXT NOT NULL, restored_at TEXT, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_counter (id INTEGER PRIMARY KEY, last_id BIGINT NOT NULL);
INSERT INTO orchestrate_snapshot_counter (id, last_id) VALUES (1, '1');
CREATE TABLE "orchestrate_snap_1_customers" AS SELECT "id", "loyalty_points" FROM "customers" WHERE 1 = 0;
INSERT INTO "orchestrate_snap_1_customers" SELECT "id", "loyalty_points" FROM "customers";
-- the step's SQL:
-- Reverses 0014_customers_add_loyalty_points.up.sql (the backfilled balances go with the column).
ALTER TABLE customers DROP COLUMN loyalty_points;
INSERT INTO orchestrate_snapshot_index (id, run_id, step, release, source, source_table, kind, key_columns, columns, row_count, storage, created_at, restored_at, description) VALUES ('1', '2', '6', '1.3.0', '0014_customers_add_loyalty_points', 'customers', 'columns', 'id', 'loyalty_points', '3', 'orchestrate_snap_1_customers', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'line 2: drops column customers.loyalty_points');
DELETE FROM orchestrate_migrations WHERE id = '0014_customers_add_loyalty_points';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '6';
COMMIT;

-- step 7 of 21: [1.3.0] revert migration 0013_create_loyalty_tiers
--   sha256: 52ba5ac2d3c8c729514d31a4907bc9492eaec73f1a980f93b60c83a1b2b99633
--   transactional: yes (one transaction with its record)
--   line 2: DROP TABLE, DATABASE lock on loyalty_tiers; DESTROYS DATA: drops table loyalty_tiers
--   snapshot: whole table loyalty_tiers (line 2: drops table loyalty_tiers)
BEGIN;
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_index (id BIGINT PRIMARY KEY, run_id BIGINT, step INTEGER, release TEXT, source TEXT, source_table TEXT NOT NULL, kind TEXT NOT NULL, key_columns TEXT NOT NULL, columns TEXT NOT NULL, row_count BIGINT NOT NULL, storage TEXT NOT NULL, created_at TEXT NOT NULL, restored_at TEXT, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_counter (id INTEGER PRIMARY KEY, last_id BIGINT NOT NULL);
UPDATE orchestrate_snapshot_counter SET last_id = '2' WHERE id = 1;
CREATE TABLE "orchestrate_snap_2_loyalty_tiers" AS SELECT "id", "code", "name", "min_points", "discount_pct" FROM "loyalty_tiers" WHERE 1 = 0;
INSERT INTO "orchestrate_snap_2_loyalty_tiers" SELECT "id", "code", "name", "min_points", "discount_pct" FROM "loyalty_tiers";
-- the step's SQL:
-- Reverses 0013_create_loyalty_tiers.up.sql.
DROP TABLE loyalty_tiers;
INSERT INTO orchestrate_snapshot_index (id, run_id, step, release, source, source_table, kind, key_columns, columns, row_count, storage, created_at, restored_at, description) VALUES ('2', '2', '7', '1.3.0', '0013_create_loyalty_tiers', 'loyalty_tiers', 'table', 'id', 'id
code
name
min_points
discount_pct', '0', 'orchestrate_snap_2_loyalty_tiers', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'line 2: drops table loyalty_tiers');
DELETE FROM orchestrate_migrations WHERE id = '0013_create_loyalty_tiers';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '7';
COMMIT;

-- step 8 of 21: [1.3.0] record release 1.3.0 as rolled back
--   transactional: yes (one transaction with its record)
BEGIN;
DELETE FROM orchestrate_releases WHERE version = '1.3.0';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '8';
COMMIT;

-- step 9 of 21: [1.2.0] revert migration 0012_index_orders_customer_placed_at
--   sha256: 12c1356631a40b051cfe4c546254834cd61153068c1a1edb845e7fded4ded294
--   transactional: yes (one transaction with its record)
--   line 2: DROP INDEX, DATABASE lock on idx_orders_customer_placed_at
BEGIN;
-- the step's SQL:
-- Reverses 0012_index_orders_customer_placed_at.up.sql.
DROP INDEX idx_orders_customer_placed_at;
DELETE FROM orchestrate_migrations WHERE id = '0012_index_orders_customer_placed_at';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '9';
COMMIT;

-- step 10 of 21: [1.2.0] revert migration 0011_index_orders_shipping_method
--   sha256: ce53eea2161e25a2938ec0ee090f5feef8a9736f7eae7484e8886e7d85d97ef3
--   transactional: yes (one transaction with its record)
--   line 2: DROP INDEX, DATABASE lock on idx_orders_shipping_method
BEGIN;
-- the step's SQL:
-- Reverses 0011_index_orders_shipping_method.up.sql.
DROP INDEX idx_orders_shipping_method;
DELETE FROM orchestrate_migrations WHERE id = '0011_index_orders_shipping_method';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '10';
COMMIT;

-- step 11 of 21: [1.2.0] revert migration 0010_orders_add_shipping_method
--   sha256: cc0173e7f5bc8424231e36e83e243ba9c8b9c881cebbe6b00c29fbf005dd1874
--   transactional: yes (one transaction with its record)
--   line 3: ALTER TABLE, DATABASE lock on orders; DESTROYS DATA: drops column orders.shipping_method_id
--   snapshot: columns shipping_method_id of orders (line 3: drops column orders.shipping_method_id)
BEGIN;
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_index (id BIGINT PRIMARY KEY, run_id BIGINT, step INTEGER, release TEXT, source TEXT, source_table TEXT NOT NULL, kind TEXT NOT NULL, key_columns TEXT NOT NULL, columns TEXT NOT NULL, row_count BIGINT NOT NULL, storage TEXT NOT NULL, created_at TEXT NOT NULL, restored_at TEXT, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_counter (id INTEGER PRIMARY KEY, last_id BIGINT NOT NULL);
UPDATE orchestrate_snapshot_counter SET last_id = '3' WHERE id = 1;
CREATE TABLE "orchestrate_snap_3_orders" AS SELECT "id", "shipping_method_id" FROM "orders" WHERE 1 = 0;
INSERT INTO "orchestrate_snap_3_orders" SELECT "id", "shipping_method_id" FROM "orders";
-- the step's SQL:
-- Reverses 0010_orders_add_shipping_method.up.sql.
-- idx_orders_shipping_method (0011) is dropped before this runs, so SQLite can drop the column.
ALTER TABLE orders DROP COLUMN shipping_method_id;
INSERT INTO orchestrate_snapshot_index (id, run_id, step, release, source, source_table, kind, key_columns, columns, row_count, storage, created_at, restored_at, description) VALUES ('3', '2', '11', '1.2.0', '0010_orders_add_shipping_method', 'orders', 'columns', 'id', 'shipping_method_id', '4', 'orchestrate_snap_3_orders', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'line 3: drops column orders.shipping_method_id');
DELETE FROM orchestrate_migrations WHERE id = '0010_orders_add_shipping_method';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '11';
COMMIT;

-- step 12 of 21: [1.2.0] revert migration 0009_customers_add_country_code
--   sha256: 1589c6c755782597615dd60681df95e36d9e3fa57d0d7847f4351c97d1b5b0b2
--   transactional: yes (one transaction with its record)
--   line 2: ALTER TABLE, DATABASE lock on customers; DESTROYS DATA: drops column customers.country_code
--   snapshot: columns country_code of customers (line 2: drops column customers.country_code)
BEGIN;
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_index (id BIGINT PRIMARY KEY, run_id BIGINT, step INTEGER, release TEXT, source TEXT, source_table TEXT NOT NULL, kind TEXT NOT NULL, key_columns TEXT NOT NULL, columns TEXT NOT NULL, row_count BIGINT NOT NULL, storage TEXT NOT NULL, created_at TEXT NOT NULL, restored_at TEXT, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_counter (id INTEGER PRIMARY KEY, last_id BIGINT NOT NULL);
UPDATE orchestrate_snapshot_counter SET last_id = '4' WHERE id = 1;
CREATE TABLE "orchestrate_snap_4_customers" AS SELECT "id", "country_code" FROM "customers" WHERE 1 = 0;
INSERT INTO "orchestrate_snap_4_customers" SELECT "id", "country_code" FROM "customers";
-- the step's SQL:
-- Reverses 0009_customers_add_country_code.up.sql.
ALTER TABLE customers DROP COLUMN country_code;
INSERT INTO orchestrate_snapshot_index (id, run_id, step, release, source, source_table, kind, key_columns, columns, row_count, storage, created_at, restored_at, description) VALUES ('4', '2', '12', '1.2.0', '0009_customers_add_country_code', 'customers', 'columns', 'id', 'country_code', '3', 'orchestrate_snap_4_customers', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'line 2: drops column customers.country_code');
DELETE FROM orchestrate_migrations WHERE id = '0009_customers_add_country_code';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '12';
COMMIT;

-- step 13 of 21: [1.2.0] record release 1.2.0 as rolled back
--   transactional: yes (one transaction with its record)
BEGIN;
DELETE FROM orchestrate_releases WHERE version = '1.2.0';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '13';
COMMIT;

-- step 14 of 21: [1.0.0] swap image registry.example.com/shop:1.2.0 -> registry.example.com/shop:1.0.0
--   why: 1.2.0 is schema-first: 1.2.0's code runs on 1.1.0's schema, so 1.1.0's image comes after it is reverted; then 1.1.0 is code-first: 1.0.0's code runs on 1.1.0's schema while it is reverted
--   not SQL: orchestrate's deployer points the application at registry.example.com/shop:1.0.0 and reads it back to verify:
--     write registry.example.com/shop:1.0.0 into the deployer's image file (a new file renamed over the old one)
--   run by hand, the script stops here for you to do it (psql waits for Enter unless run with -v orchestrate_unattended=1)
BEGIN;
UPDATE orchestrate_steps SET status = 'started', attempts = attempts + 1, started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL WHERE run_id = '2' AND n = '14';
COMMIT;
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('2', '14', 'by-hand', 'started', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
.print 'orchestrate: now point the application at registry.example.com/shop:1.0.0 (as the comments above say), before going on (sqlite3 does not wait)'
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('2', '14', 'by-hand', 'done', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('2', '14', 'verify', 'started', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
BEGIN;
INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ('2', '14', 'verify', 'done', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = EXCLUDED.at, error = EXCLUDED.error;
COMMIT;
BEGIN;
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '14';
COMMIT;

-- step 15 of 21: [1.1.0] reverse seed order_statuses_refunded (the rows its ledger recorded)
--   transactional: yes (one transaction with its record)
--   ledger: the rows seed order_statuses_refunded inserted, updated or deleted are reversed newest first, one transaction per chunk of up to 10000 rows; rows changed since the deploy: on_modified fail
-- ledger chunks (derived from the rows recorded at deploy):
-- ledger chunk 8: 1 insert row(s) of order_statuses; one transaction; data sha256:13af109ab1380aa8
BEGIN;
SELECT json_extract('{}', ' cannot reverse seed order_statuses_refunded: rows it inserted into order_statuses are now referenced by rows of orders (status_id); delete or re-point those rows, then run the rollback again; the rows (key) (' || count(*) || ' row(s))') FROM (SELECT p."id" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 8)) r CROSS JOIN "order_statuses" p ON p."id" = json_extract(r.value, '$."id"') WHERE (p."id") IN (SELECT ch."status_id" FROM "orders" ch) AND json_object('id', p."id", 'code', p."code", 'label', p."label", 'is_final', p."is_final") = json(r.value)) HAVING count(*) > 0;
--   chunk statement: DELETE, DATABASE lock on order_statuses, orchestrate_ledger
DELETE FROM "order_statuses" WHERE ("id") IN (SELECT d."id" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 8)) dr CROSS JOIN "order_statuses" d ON d."id" = json_extract(dr.value, '$."id"') WHERE json_object('id', d."id", 'code', d."code", 'label', d."label", 'is_final', d."is_final") = json(dr.value));
SELECT json_extract('{}', ' cannot reverse seed order_statuses_refunded: rows of order_statuses that it inserted were changed after the deploy (ledger chunk 8); options: set policy on_modified: keep (leave those rows as they are now) or revert (give them back the values before the deploy anyway) in plan.yaml, or fix the rows by hand; then run the same command again (seed order_statuses_refunded''s rows reversed so far stay reversed); the rows (key) (' || count(*) || ' row(s))') FROM (SELECT t."id" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 8)) r CROSS JOIN "order_statuses" t ON t."id" = json_extract(r.value, '$."id"')) HAVING count(*) > 0;
-- end of ledger chunks
DELETE FROM orchestrate_ledger WHERE id = '8';
DELETE FROM orchestrate_ledger_restores WHERE NOT EXISTS (SELECT 1 FROM orchestrate_ledger);
DELETE FROM orchestrate_ledger WHERE seed_id = 'order_statuses_refunded';
DELETE FROM orchestrate_seeds WHERE id = 'order_statuses_refunded';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '15';
COMMIT;

-- step 16 of 21: [1.1.0] reverse seed shipping_methods (the rows its ledger recorded)
--   transactional: yes (one transaction with its record)
--   ledger: the rows seed shipping_methods inserted, updated or deleted are reversed newest first, one transaction per chunk of up to 10000 rows; rows changed since the deploy: on_modified fail
-- ledger chunks (derived from the rows recorded at deploy):
-- ledger chunk 7: 3 insert row(s) of shipping_methods; one transaction; data sha256:41ffcd857d0f9b2a
BEGIN;
--   chunk statement: DELETE, DATABASE lock on shipping_methods, orchestrate_ledger
DELETE FROM "shipping_methods" WHERE ("id") IN (SELECT d."id" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 7)) dr CROSS JOIN "shipping_methods" d ON d."id" = json_extract(dr.value, '$."id"') WHERE json_object('id', d."id", 'code', d."code", 'name', d."name", 'base_fee', d."base_fee", 'active', d."active") = json(dr.value));
SELECT json_extract('{}', ' cannot reverse seed shipping_methods: rows of shipping_methods that it inserted were changed after the deploy (ledger chunk 7); options: set policy on_modified: keep (leave those rows as they are now) or revert (give them back the values before the deploy anyway) in plan.yaml, or fix the rows by hand; then run the same command again (seed shipping_methods''s rows reversed so far stay reversed); the rows (key) (' || count(*) || ' row(s))') FROM (SELECT t."id" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 7)) r CROSS JOIN "shipping_methods" t ON t."id" = json_extract(r.value, '$."id"')) HAVING count(*) > 0;
-- end of ledger chunks
DELETE FROM orchestrate_ledger WHERE id = '7';
DELETE FROM orchestrate_ledger_restores WHERE NOT EXISTS (SELECT 1 FROM orchestrate_ledger);
DELETE FROM orchestrate_ledger WHERE seed_id = 'shipping_methods';
DELETE FROM orchestrate_seeds WHERE id = 'shipping_methods';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '16';
COMMIT;

-- step 17 of 21: [1.1.0] reverse seed countries (the rows its ledger recorded)
--   transactional: yes (one transaction with its record)
--   ledger: the rows seed countries inserted, updated or deleted are reversed newest first, one transaction per chunk of up to 10000 rows; rows changed since the deploy: on_modified fail
-- ledger chunks (derived from the rows recorded at deploy):
-- ledger chunk 6: 8 insert row(s) of countries; one transaction; data sha256:3040c1d0a7e038db
BEGIN;
--   chunk statement: DELETE, DATABASE lock on countries, orchestrate_ledger
DELETE FROM "countries" WHERE ("code") IN (SELECT d."code" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 6)) dr CROSS JOIN "countries" d ON d."code" = json_extract(dr.value, '$."code"') WHERE json_object('code', d."code", 'name', d."name", 'eu_member', d."eu_member") = json(dr.value));
SELECT json_extract('{}', ' cannot reverse seed countries: rows of countries that it inserted were changed after the deploy (ledger chunk 6); options: set policy on_modified: keep (leave those rows as they are now) or revert (give them back the values before the deploy anyway) in plan.yaml, or fix the rows by hand; then run the same command again (seed countries''s rows reversed so far stay reversed); the rows (key) (' || count(*) || ' row(s))') FROM (SELECT t."code" FROM json_each((SELECT new_rows FROM orchestrate_ledger WHERE id = 6)) r CROSS JOIN "countries" t ON t."code" = json_extract(r.value, '$."code"')) HAVING count(*) > 0;
-- end of ledger chunks
DELETE FROM orchestrate_ledger WHERE id = '6';
DELETE FROM orchestrate_ledger_restores WHERE NOT EXISTS (SELECT 1 FROM orchestrate_ledger);
DELETE FROM orchestrate_ledger WHERE seed_id = 'countries';
DELETE FROM orchestrate_seeds WHERE id = 'countries';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '17';
COMMIT;

-- step 18 of 21: [1.1.0] revert migration 0008_orders_add_item_count
--   sha256: 533997daf991ae70bf564dc3abcb487b8a064cb3889d0a8ffbb222d0488803bc
--   transactional: yes (one transaction with its record)
--   line 2: ALTER TABLE, DATABASE lock on orders; DESTROYS DATA: drops column orders.item_count
--   snapshot: columns item_count of orders (line 2: drops column orders.item_count)
BEGIN;
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_index (id BIGINT PRIMARY KEY, run_id BIGINT, step INTEGER, release TEXT, source TEXT, source_table TEXT NOT NULL, kind TEXT NOT NULL, key_columns TEXT NOT NULL, columns TEXT NOT NULL, row_count BIGINT NOT NULL, storage TEXT NOT NULL, created_at TEXT NOT NULL, restored_at TEXT, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_counter (id INTEGER PRIMARY KEY, last_id BIGINT NOT NULL);
UPDATE orchestrate_snapshot_counter SET last_id = '5' WHERE id = 1;
CREATE TABLE "orchestrate_snap_5_orders" AS SELECT "id", "item_count" FROM "orders" WHERE 1 = 0;
INSERT INTO "orchestrate_snap_5_orders" SELECT "id", "item_count" FROM "orders";
-- the step's SQL:
-- Reverses 0008_orders_add_item_count.up.sql (the backfilled values go with the column).
ALTER TABLE orders DROP COLUMN item_count;
INSERT INTO orchestrate_snapshot_index (id, run_id, step, release, source, source_table, kind, key_columns, columns, row_count, storage, created_at, restored_at, description) VALUES ('5', '2', '18', '1.1.0', '0008_orders_add_item_count', 'orders', 'columns', 'id', 'item_count', '4', 'orchestrate_snap_5_orders', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'line 2: drops column orders.item_count');
DELETE FROM orchestrate_migrations WHERE id = '0008_orders_add_item_count';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '18';
COMMIT;

-- step 19 of 21: [1.1.0] revert migration 0007_create_shipping_methods
--   sha256: d905b51fccc2e64371411a83372b4a36d1eebf63fab1a80fb8b49fd1008f9afd
--   transactional: yes (one transaction with its record)
--   line 2: DROP TABLE, DATABASE lock on shipping_methods; DESTROYS DATA: drops table shipping_methods
--   snapshot: whole table shipping_methods (line 2: drops table shipping_methods)
BEGIN;
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_index (id BIGINT PRIMARY KEY, run_id BIGINT, step INTEGER, release TEXT, source TEXT, source_table TEXT NOT NULL, kind TEXT NOT NULL, key_columns TEXT NOT NULL, columns TEXT NOT NULL, row_count BIGINT NOT NULL, storage TEXT NOT NULL, created_at TEXT NOT NULL, restored_at TEXT, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_counter (id INTEGER PRIMARY KEY, last_id BIGINT NOT NULL);
UPDATE orchestrate_snapshot_counter SET last_id = '6' WHERE id = 1;
CREATE TABLE "orchestrate_snap_6_shipping_methods" AS SELECT "id", "code", "name", "base_fee", "active" FROM "shipping_methods" WHERE 1 = 0;
INSERT INTO "orchestrate_snap_6_shipping_methods" SELECT "id", "code", "name", "base_fee", "active" FROM "shipping_methods";
-- the step's SQL:
-- Reverses 0007_create_shipping_methods.up.sql.
DROP TABLE shipping_methods;
INSERT INTO orchestrate_snapshot_index (id, run_id, step, release, source, source_table, kind, key_columns, columns, row_count, storage, created_at, restored_at, description) VALUES ('6', '2', '19', '1.1.0', '0007_create_shipping_methods', 'shipping_methods', 'table', 'id', 'id
code
name
base_fee
active', '0', 'orchestrate_snap_6_shipping_methods', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'line 2: drops table shipping_methods');
DELETE FROM orchestrate_migrations WHERE id = '0007_create_shipping_methods';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '19';
COMMIT;

-- step 20 of 21: [1.1.0] revert migration 0006_create_countries
--   sha256: 9243fc9a7e563401bdb3c036b3939175e4176235d7b656c3bfc25d9c14d01dc0
--   transactional: yes (one transaction with its record)
--   line 2: DROP TABLE, DATABASE lock on countries; DESTROYS DATA: drops table countries
--   snapshot: whole table countries (line 2: drops table countries)
BEGIN;
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_index (id BIGINT PRIMARY KEY, run_id BIGINT, step INTEGER, release TEXT, source TEXT, source_table TEXT NOT NULL, kind TEXT NOT NULL, key_columns TEXT NOT NULL, columns TEXT NOT NULL, row_count BIGINT NOT NULL, storage TEXT NOT NULL, created_at TEXT NOT NULL, restored_at TEXT, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orchestrate_snapshot_counter (id INTEGER PRIMARY KEY, last_id BIGINT NOT NULL);
UPDATE orchestrate_snapshot_counter SET last_id = '7' WHERE id = 1;
CREATE TABLE "orchestrate_snap_7_countries" AS SELECT "code", "name", "eu_member" FROM "countries" WHERE 1 = 0;
INSERT INTO "orchestrate_snap_7_countries" SELECT "code", "name", "eu_member" FROM "countries";
-- the step's SQL:
-- Reverses 0006_create_countries.up.sql.
DROP TABLE countries;
INSERT INTO orchestrate_snapshot_index (id, run_id, step, release, source, source_table, kind, key_columns, columns, row_count, storage, created_at, restored_at, description) VALUES ('7', '2', '20', '1.1.0', '0006_create_countries', 'countries', 'table', 'code', 'code
name
eu_member', '0', 'orchestrate_snap_7_countries', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'line 2: drops table countries');
DELETE FROM orchestrate_migrations WHERE id = '0006_create_countries';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '20';
COMMIT;

-- step 21 of 21: [1.1.0] record release 1.1.0 as rolled back
--   transactional: yes (one transaction with its record)
BEGIN;
DELETE FROM orchestrate_releases WHERE version = '1.1.0';
UPDATE orchestrate_steps SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL, started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), attempts = CASE WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE run_id = '2' AND n = '21';
COMMIT;
BEGIN;
UPDATE orchestrate_runs SET status = 'done', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = NULL WHERE id = '2';
COMMIT;

-- the run lock released
DELETE FROM orchestrate_lock WHERE id = 1 AND command = 'the review script, run by hand';
