package com.modularlabs.auth;

import java.util.Set;

/** What a request's identity is re-checked against: the user record plus role grants (users.roles, is_admin, casbin_rule g). */
public record LabsUser(String id, String email, Set<String> roles, boolean disabled, boolean verified) {
    public LabsUser(String id, String email, Set<String> roles, boolean disabled) {
        this(id, email, roles, disabled, true);
    }

    public boolean admin() {
        return roles.contains(Subjects.ADMIN_ROLE);
    }
}
