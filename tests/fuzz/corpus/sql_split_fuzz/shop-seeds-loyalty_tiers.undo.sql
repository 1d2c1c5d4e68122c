-- Undoes loyalty_tiers.sql.
DELETE FROM loyalty_tiers WHERE id IN (1, 2, 3, 4);
