CREATE TABLE orders (
  id          VARCHAR(36) PRIMARY KEY,
  customer_id VARCHAR(36) NOT NULL REFERENCES customers (id),
  status      VARCHAR(20) NOT NULL DEFAULT 'open',
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE order_lines (
  order_id    VARCHAR(36) NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  sku         VARCHAR(64) NOT NULL REFERENCES catalog_products (sku),
  quantity    INTEGER NOT NULL CHECK (quantity > 0),
  price_cents INTEGER NOT NULL,
  PRIMARY KEY (order_id, sku)
);
