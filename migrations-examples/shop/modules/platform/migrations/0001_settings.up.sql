-- Application-wide key/value settings.
CREATE TABLE platform_settings (
  key        VARCHAR(100) PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

INSERT INTO platform_settings (key, value) VALUES ('shop.name', 'The modkit shop; open daily');
INSERT INTO platform_settings (key, value) VALUES ('shop.motto', 'It''s all; modules');
