-- Application-wide settings, by name. (Not `key`: a reserved word on MySQL/MariaDB.)
CREATE TABLE platform_settings (
  name       VARCHAR(100) PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

INSERT INTO platform_settings (name, value) VALUES ('shop.name', 'The modkit shop; open daily');
INSERT INTO platform_settings (name, value) VALUES ('shop.motto', 'It''s all; modules');
