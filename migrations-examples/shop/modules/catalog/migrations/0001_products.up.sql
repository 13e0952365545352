CREATE TABLE catalog_products (
  sku         VARCHAR(64) PRIMARY KEY,
  title       VARCHAR(200) NOT NULL,
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  active      BOOLEAN NOT NULL DEFAULT TRUE
);
