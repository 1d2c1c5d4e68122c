-- Reference table of countries the shop ships to (rows come from the countries seed).
CREATE TABLE countries (
  code VARCHAR(2) PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  eu_member BOOLEAN NOT NULL DEFAULT FALSE
);
