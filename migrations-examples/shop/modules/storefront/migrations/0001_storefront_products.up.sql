-- The storefront's read model: what customers may see of the catalog.
CREATE VIEW storefront_products AS
  SELECT sku, title, price_cents
    FROM catalog_products
   WHERE active = TRUE;
