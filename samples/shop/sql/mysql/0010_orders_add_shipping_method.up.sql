-- 0010_orders_add_shipping_method.up.sql on MySQL/MariaDB: the foreign key gets a name, so that
-- the down can drop it (MySQL will not drop a column a foreign key uses), and an index of its own
-- (see mysql/0004_create_orders.up.sql: 0011's index would take over one InnoDB made).
ALTER TABLE orders ADD COLUMN shipping_method_id INTEGER DEFAULT NULL,
  ADD INDEX orders_shipping_method (shipping_method_id),
  ADD CONSTRAINT orders_shipping_method_fk FOREIGN KEY (shipping_method_id)
    REFERENCES shipping_methods (id);
