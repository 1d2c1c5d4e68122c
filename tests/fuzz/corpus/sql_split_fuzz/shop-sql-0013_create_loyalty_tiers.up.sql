-- Reference table of loyalty tiers (rows come from the loyalty_tiers seed).
CREATE TABLE loyalty_tiers (
  id INTEGER PRIMARY KEY,
  code VARCHAR(20) NOT NULL UNIQUE,
  name VARCHAR(100) NOT NULL,
  min_points INTEGER NOT NULL,
  discount_pct NUMERIC(5,2) NOT NULL DEFAULT 0
);
