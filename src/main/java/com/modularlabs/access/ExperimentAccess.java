package com.modularlabs.access;

import com.modularlabs.auth.LabsIdentityProvider;
import com.modularlabs.auth.Subjects;
import com.modularlabs.common.Failure;
import com.modularlabs.registry.Experiment;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Who may use an experiment (pages, static files, data API): auth_required needs a logged-in user; a non-empty
 * auth_policy.allowed_users / allowed_roles narrows it further (allowed_users matches verified addresses only).
 * Admins may use every experiment.
 */
@ApplicationScoped
public class ExperimentAccess {
    public boolean canUse(Experiment e, SecurityIdentity who) {
        return decide(e, who) == 0;
    }

    /** Throws 401 (anonymous) or 403 (logged in but not allowed) as problem+json. */
    public void require(Experiment e, SecurityIdentity who) {
        int status = decide(e, who);
        if (status == 401) {
            throw Failure.unauthenticated("Experiment '" + e.slug() + "' requires a logged-in user");
        }
        if (status == 403) {
            throw Failure.forbidden("You are not allowed to use experiment '" + e.slug() + "'");
        }
    }

    private static int decide(Experiment e, SecurityIdentity who) {
        boolean anonymous = who == null || who.isAnonymous();
        if (!e.authRequired() && e.allowedRoles().isEmpty() && e.allowedUsers().isEmpty()) {
            return 0;
        }
        if (anonymous) {
            return 401;
        }
        if (who.hasRole(Subjects.ADMIN_ROLE)) {
            return 0;
        }
        boolean narrowed = !e.allowedRoles().isEmpty() || !e.allowedUsers().isEmpty();
        if (!narrowed) {
            return 0;
        }
        String user = who.getPrincipal().getName();
        // an address nobody proved (self-registration) never matches allowed_users: anyone could have typed it
        boolean verified = !Boolean.FALSE.equals(who.getAttribute(LabsIdentityProvider.VERIFIED));
        if (verified && e.allowedUsers().stream().anyMatch(u -> u != null && u.trim().equalsIgnoreCase(user))) {
            return 0;
        }
        // manifests may name roles as "editor" or "role:editor"; identities carry the bare name
        return e.allowedRoles().stream().map(Subjects::normalizeRole).anyMatch(r -> r != null && who.hasRole(r)) ? 0 : 403;
    }
}
