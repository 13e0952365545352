DROP VIEW storefront_products;
