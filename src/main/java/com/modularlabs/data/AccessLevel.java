package com.modularlabs.data;

import com.modularlabs.auth.ExperimentAccess;
import com.modularlabs.common.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Per-operation access levels of the manifest: public, user, role:&lt;r&gt;, owner, admin, none. {@link #check} throws
 * 401/403; for {@code owner} it returns the user id the operation must be restricted to (null = unrestricted).
 */
public final class AccessLevel {
    private AccessLevel() {
    }

    public static String callerId(SecurityIdentity who) {
        return who == null || who.isAnonymous() ? null : who.getPrincipal().getName();
    }

    public static boolean isAdmin(SecurityIdentity who) {
        return who != null && !who.isAnonymous() && who.hasRole(ExperimentAccess.ADMIN_ROLE);
    }

    /**
     * @return the caller's id when the level is {@code owner} and the caller is not an admin (documents must be
     *         filtered to created_by = that id), otherwise null
     */
    public static String check(String level, SecurityIdentity who, String what) {
        boolean anonymous = who == null || who.isAnonymous();
        String lvl = level == null ? "public" : level;
        if (lvl.equals("public")) {
            return null;
        }
        if (lvl.equals("none")) {
            throw ProblemException.forbidden(what + " is not allowed");
        }
        if (lvl.equals("service")) {
            // only the experiment's functions (their data token is confined to its data API); no browser, no admin
            if (functionScope(who) != null) {
                return null;
            }
            throw ProblemException.forbidden(what + " is reserved to the experiment's functions");
        }
        if (anonymous) {
            throw ProblemException.unauthorized(what + " requires a logged-in user");
        }
        if (isAdmin(who)) {
            return null;
        }
        switch (lvl) {
            case "user":
                return null;
            case "owner":
                return callerId(who);
            case "admin":
                throw ProblemException.forbidden(what + " requires the admin role");
            default:
                if (lvl.startsWith("role:") && who.hasRole(lvl.substring(5))) {
                    return null;
                }
                throw ProblemException.forbidden(what + " requires " + lvl);
        }
    }

    /** The experiment a function data token is confined to, or null for every other caller. */
    public static String functionScope(SecurityIdentity who) {
        return who == null ? null : who.getAttribute(com.modularlabs.auth.LabsIdentityProvider.FUNCTION_SCOPE);
    }

    /** A collection of experiment {@code owner} read indirectly (query, $lookup...): a service level needs its functions. */
    public static void requireService(String level, SecurityIdentity who, String owner, String what) {
        if ("service".equals(level) && !owner.equals(functionScope(who))) {
            throw ProblemException.forbidden(what + " reads a collection reserved to the functions of '" + owner + "'");
        }
    }

    /**
     * For a collection read indirectly (named query, $lookup/$unionWith/$graphLookup): when its read level is
     * {@code owner}, the user its documents must be restricted to (null for admins); 401 when anonymous. Other
     * levels: null (the query's own read level decides).
     */
    public static String ownerRestriction(String level, SecurityIdentity who, String what) {
        if (!"owner".equals(level)) {
            return null;
        }
        if (who == null || who.isAnonymous()) {
            throw ProblemException.unauthorized(what + " reads owner documents and requires a logged-in user");
        }
        return isAdmin(who) ? null : callerId(who);
    }
}
