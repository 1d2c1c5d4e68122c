-- Reverses 0013_create_loyalty_tiers.up.sql.
DROP TABLE loyalty_tiers;
