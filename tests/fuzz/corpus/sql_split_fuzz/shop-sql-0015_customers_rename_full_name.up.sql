-- The storefront shows this name publicly; call it what it is.
ALTER TABLE customers RENAME COLUMN full_name TO display_name;
