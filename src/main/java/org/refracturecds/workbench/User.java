package org.refracturecds.workbench;

/**
 * Who is signed in to the workbench.
 *
 * @param id   stable and unique: {@code local:NAME} for a local account, {@code ISSUER#SUBJECT} for OpenID Connect
 * @param name what the pages and the audit trail show
 * @param via  how they signed in: "local account" or the provider's issuer
 */
public record User(String id, String name, Role role, String via) {

    /** An author edits drafts and submits them; an approver also approves or returns other people's drafts. */
    public enum Role {
        AUTHOR, APPROVER;

        public String word() {
            return this == AUTHOR ? "author" : "approver";
        }
    }

    public boolean mayApprove() {
        return role == Role.APPROVER;
    }
}
