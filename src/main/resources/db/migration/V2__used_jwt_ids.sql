-- The JWT ids (jti) already used by CDS clients: a token is accepted once, on any node that shares
-- this database. A row is kept while the token could still be accepted (its exp plus the allowed
-- clock skew) and purged after.
CREATE TABLE used_jwt_id (
  -- SHA-256 (hex) of the issuer and the jti together: fixed length whatever the client sends
  token_id CHAR(64) PRIMARY KEY,
  expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX used_jwt_id_expires_at ON used_jwt_id (expires_at);
