-- Every change to what the login path caches (lib/settings/cache.ts) tells every instance, on commit.
CREATE FUNCTION idv_settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('idv_settings', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "settings"
  FOR EACH STATEMENT EXECUTE FUNCTION idv_settings_changed();
CREATE TRIGGER application_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "application"
  FOR EACH STATEMENT EXECUTE FUNCTION idv_settings_changed();
CREATE TRIGGER provider_setting_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "provider_setting"
  FOR EACH STATEMENT EXECUTE FUNCTION idv_settings_changed();
