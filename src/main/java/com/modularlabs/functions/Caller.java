package com.modularlabs.functions;

import com.modularlabs.auth.LabsIdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Who a function runs for: the user's stable id (null when anonymous), e-mail and roles, captured at request time. */
public record Caller(String userId, String email, List<String> roles) {
    public static final Caller ANONYMOUS = new Caller(null, null, List.of());

    public static Caller of(SecurityIdentity who) {
        if (who == null || who.isAnonymous()) {
            return ANONYMOUS;
        }
        String id = who.getAttribute(LabsIdentityProvider.USER_ID);
        if (id == null) {
            return ANONYMOUS; // a function's anonymous data token: still nobody
        }
        Set<String> roles = new TreeSet<>(who.getRoles());
        return new Caller(id, who.getPrincipal().getName(), List.copyOf(roles));
    }
}
