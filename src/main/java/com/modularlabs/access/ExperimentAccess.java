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
        return decide(e, who) == null;
    }

    /** Fails UNAUTHENTICATED (anonymous) or FORBIDDEN (logged in but not allowed). */
    public void require(Experiment e, SecurityIdentity who) {
        Failure.Kind refused = decide(e, who);
        if (refused == Failure.Kind.UNAUTHENTICATED) {
            throw Failure.unauthenticated("Experiment '" + e.slug() + "' requires a logged-in user");
        }
        if (refused == Failure.Kind.FORBIDDEN) {
            throw Failure.forbidden("You are not allowed to use experiment '" + e.slug() + "'");
        }
    }

    /** Null when the caller may use the experiment, else why not. */
    private static Failure.Kind decide(Experiment e, SecurityIdentity who) {
        boolean anonymous = who == null || who.isAnonymous();
        if (!e.authRequired() && e.allowedRoles().isEmpty() && e.allowedUsers().isEmpty()) {
            return null;
        }
        if (anonymous) {
            return Failure.Kind.UNAUTHENTICATED;
        }
        if (who.hasRole(Subjects.ADMIN_ROLE)) {
            return null;
        }
        boolean narrowed = !e.allowedRoles().isEmpty() || !e.allowedUsers().isEmpty();
        if (!narrowed) {
            return null;
        }
        String user = who.getPrincipal().getName();
        // an address nobody proved (self-registration) never matches allowed_users: anyone could have typed it
        boolean verified = !Boolean.FALSE.equals(who.getAttribute(LabsIdentityProvider.VERIFIED));
        if (verified && e.allowedUsers().stream().anyMatch(u -> u != null && u.trim().equalsIgnoreCase(user))) {
            return null;
        }
        // manifests may name roles as "editor" or "role:editor"; identities carry the bare name
        return e.allowedRoles().stream().map(Subjects::normalizeRole).anyMatch(r -> r != null && who.hasRole(r)) ? null : Failure.Kind.FORBIDDEN;
    }
}
