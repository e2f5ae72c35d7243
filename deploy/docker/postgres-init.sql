-- The verifier's database is created by POSTGRES_DB; the registrar gets its own, so each
-- service's EF Core migration history stays separate.
CREATE DATABASE keylime_registrar OWNER keylime;
