-- Each customer's current loyalty tier: the highest tier whose threshold they reach.
CREATE VIEW customer_loyalty AS
SELECT c.id AS customer_id,
       c.display_name AS customer_name,
       c.loyalty_points,
       t.code AS tier,
       t.discount_pct
  FROM customers c
  LEFT JOIN loyalty_tiers t
    ON t.min_points = (SELECT MAX(t2.min_points)
                         FROM loyalty_tiers t2
                        WHERE t2.min_points <= c.loyalty_points);
