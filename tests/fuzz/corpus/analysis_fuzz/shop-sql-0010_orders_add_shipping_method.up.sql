-- The shipping method chosen at checkout. Nullable: older orders predate shipping methods.
ALTER TABLE orders ADD COLUMN shipping_method_id INTEGER DEFAULT NULL REFERENCES shipping_methods (id);
