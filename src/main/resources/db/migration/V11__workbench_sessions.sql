-- The rules workbench's sign-ins, shared by every node of one database, so that a browser may be
-- sent to any node (no sticky sessions). Tokens are kept as their SHA-256 only: a copy of the
-- table does not let anyone in.
CREATE TABLE workbench_session (
  token_sha256 CHAR(64) PRIMARY KEY,
  -- local:NAME for a local account, ISSUER#SUBJECT for OpenID Connect; the name the pages show
  user_id VARCHAR(500) NOT NULL,
  user_name VARCHAR(200) NOT NULL,
  -- author or approver, as the sign-in found
  user_role VARCHAR(20) NOT NULL,
  -- "local account" or the provider's issuer
  signed_in_via VARCHAR(500) NOT NULL,
  -- the token every change must carry (CSRF)
  csrf VARCHAR(64) NOT NULL,
  -- the sign-in ends this long after its last use (setting workbench.sessionMinutes)
  last_used TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX workbench_session_last_used ON workbench_session (last_used);
-- OpenID Connect sign-ins begun and not finished (10 minutes at most): the provider may send the
-- browser back to another node.
CREATE TABLE workbench_sign_in (
  state_sha256 CHAR(64) PRIMARY KEY,
  -- the login cookie of the browser that began it
  browser_sha256 CHAR(64) NOT NULL,
  nonce VARCHAR(200) NOT NULL,
  code_verifier VARCHAR(200) NOT NULL,
  started_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX workbench_sign_in_started_at ON workbench_sign_in (started_at);
