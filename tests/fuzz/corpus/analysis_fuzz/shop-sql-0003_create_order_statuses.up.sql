-- Reference table of order statuses (rows come from the order_statuses seed).
CREATE TABLE order_statuses (
  id INTEGER PRIMARY KEY,
  code VARCHAR(20) NOT NULL UNIQUE,
  label VARCHAR(100) NOT NULL,
  is_final BOOLEAN NOT NULL DEFAULT FALSE
);
