package com.modularlabs.access;

import com.modularlabs.auth.LabsIdentityProvider;
import com.modularlabs.auth.Subjects;
import com.modularlabs.common.Failure;
import io.quarkus.security.identity.SecurityIdentity;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.bson.Document;

/**
 * Per-operation access levels of the manifest: public, user, role:&lt;r&gt;, owner, admin, none. {@link #check} throws
 * an UNAUTHENTICATED or FORBIDDEN {@link Failure}; for {@code owner} it returns the user the operation must be
 * restricted to (null = unrestricted).
 *
 * <p>Authorship: documents are stamped {@code created_by} = the caller's stable user id (users._id as hex), not the
 * e-mail (which anonymous readers of a public collection could otherwise harvest). g.nome documents carry the
 * author's e-mail, so "is this mine" matches either.
 */
public final class AccessLevel {
    public static final String AUTHOR = "created_by";
    /** Fields a reader who is not an admin may not filter or sort on: they would reveal who wrote what. */
    public static final Set<String> AUTHOR_FIELDS = Set.of(AUTHOR);

    private AccessLevel() {
    }

    /** The author a document is restricted to: either spelling of the caller matches. */
    public record Owner(String id, String email) {
        /** The value of a created_by condition: the id, or {$in: [id, e-mail]} for g.nome's e-mail stamps. */
        public Object match() {
            return email == null || email.equals(id) ? id : new Document("$in", List.of(id, email));
        }

        public boolean wrote(Object createdBy) {
            return createdBy != null && (createdBy.equals(id) || createdBy.equals(email));
        }
    }

    /** The caller's stable user id (null when anonymous); the principal name when the identity carries no id. */
    public static String callerId(SecurityIdentity who) {
        if (who == null || who.isAnonymous()) {
            return null;
        }
        Object id = who.getAttribute(LabsIdentityProvider.USER_ID);
        return id != null ? id.toString() : who.getPrincipal().getName();
    }

    public static Owner caller(SecurityIdentity who) {
        return who == null || who.isAnonymous() ? null : new Owner(callerId(who), who.getPrincipal().getName());
    }

    /**
     * Removes the author from documents shown to someone who is neither their author nor an admin. Resolved from the
     * identity at once, so it can run on any thread after the request's context is gone.
     */
    public static Consumer<Document> authorFilter(SecurityIdentity who) {
        if (isAdmin(who)) {
            return d -> { };
        }
        Owner me = caller(who);
        return d -> {
            Object author = d.get(AUTHOR);
            if (author != null && (me == null || !me.wrote(author))) {
                d.remove(AUTHOR);
            }
        };
    }

    /** Fields this caller may not filter or sort on. */
    public static Set<String> hiddenFields(SecurityIdentity who) {
        return isAdmin(who) ? Set.of() : AUTHOR_FIELDS;
    }

    public static boolean isAdmin(SecurityIdentity who) {
        return who != null && !who.isAnonymous() && who.hasRole(Subjects.ADMIN_ROLE);
    }

    /**
     * @return the caller's id when the level is {@code owner} and the caller is not an admin (documents must be
     *         filtered to created_by = that id), otherwise null
     */
    public static Owner check(String level, SecurityIdentity who, String what) {
        boolean anonymous = who == null || who.isAnonymous();
        String lvl = level == null ? "public" : level;
        if (lvl.equals("public")) {
            return null;
        }
        if (lvl.equals("none")) {
            throw Failure.forbidden(what + " is not allowed");
        }
        if (lvl.equals("service")) {
            // only the experiment's functions (their data token is confined to its data API); no browser, no admin
            if (functionScope(who) != null) {
                return null;
            }
            throw Failure.forbidden(what + " is reserved to the experiment's functions");
        }
        if (anonymous) {
            throw Failure.unauthenticated(what + " requires a logged-in user");
        }
        if (isAdmin(who)) {
            return null;
        }
        switch (lvl) {
            case "user":
                return null;
            case "owner":
                return caller(who);
            case "admin":
                throw Failure.forbidden(what + " requires the admin role");
            default:
                if (lvl.startsWith("role:") && who.hasRole(lvl.substring(5))) {
                    return null;
                }
                throw Failure.forbidden(what + " requires " + lvl);
        }
    }

    /** The experiment a function data token is confined to, or null for every other caller. */
    public static String functionScope(SecurityIdentity who) {
        return who == null ? null : who.getAttribute(LabsIdentityProvider.FUNCTION_SCOPE);
    }

    /** A collection of experiment {@code owner} read indirectly (query, $lookup...): a service level needs its functions. */
    public static void requireService(String level, SecurityIdentity who, String owner, String what) {
        if ("service".equals(level) && !owner.equals(functionScope(who))) {
            throw Failure.forbidden(what + " reads a collection reserved to the functions of '" + owner + "'");
        }
    }

    /**
     * For a collection read indirectly (named query, $lookup/$unionWith/$graphLookup): when its read level is
     * {@code owner}, the user its documents must be restricted to (null for admins); 401 when anonymous. Other
     * levels: null (the query's own read level decides).
     */
    public static Owner ownerRestriction(String level, SecurityIdentity who, String what) {
        if (!"owner".equals(level)) {
            return null;
        }
        if (who == null || who.isAnonymous()) {
            throw Failure.unauthenticated(what + " reads owner documents and requires a logged-in user");
        }
        return isAdmin(who) ? null : caller(who);
    }
}
