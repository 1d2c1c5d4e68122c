-- Loyalty tiers: a customer is in the highest tier whose min_points they reach.
INSERT INTO loyalty_tiers (id, code, name, min_points, discount_pct) VALUES (1, 'bronze', 'Bronze', 0, 0.00);
INSERT INTO loyalty_tiers (id, code, name, min_points, discount_pct) VALUES (2, 'silver', 'Silver', 25, 2.50);
INSERT INTO loyalty_tiers (id, code, name, min_points, discount_pct) VALUES (3, 'gold', 'Gold', 100, 5.00);
INSERT INTO loyalty_tiers (id, code, name, min_points, discount_pct) VALUES (4, 'platinum', 'Platinum', 500, 10.00);
