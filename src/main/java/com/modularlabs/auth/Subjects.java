package com.modularlabs.auth;

import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * User subjects are e-mail addresses (always contain '@', lower-cased); role subjects are names matching
 * {@link #ROLE} (never contain '@'). The two sets are disjoint by construction, so registering as "admin",
 * "role:admin" or any role name is impossible (g.nome's registration takeover, reference section 10.1).
 */
public final class Subjects {
    private Subjects() {
    }

    /** The role that administers the engine (users, experiments, every experiment's data). */
    public static final String ADMIN_ROLE = "admin";

    /** Pragmatic address check: local@domain.tld, no spaces, no control characters, no colons or slashes. */
    private static final Pattern EMAIL = Pattern.compile(
            "^[a-z0-9.!#$%&'*+=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$");
    private static final Pattern ROLE = Pattern.compile("^[a-z][a-z0-9_-]{0,63}$");
    /** Access-level keywords of manifests (contract section 3): never grantable as roles. */
    public static final Set<String> RESERVED_ROLES = Set.of("public", "user", "owner", "none", "anonymous", "role", "self", "everyone", "authenticated");

    /** Lower-cases and validates; null when invalid. */
    public static String normalizeEmail(String raw) {
        if (raw == null) {
            return null;
        }
        String e = raw.trim().toLowerCase(Locale.ROOT);
        if (e.length() > 254 || !EMAIL.matcher(e).matches() || e.contains("..")) {
            return null;
        }
        return e;
    }

    public static String requireEmail(String raw) {
        String e = normalizeEmail(raw);
        if (e == null) {
            throw Failure.invalid("A valid e-mail address is required", List.of(new FieldError("$.email", "not a valid e-mail address")));
        }
        return e;
    }

    /** A grantable role name ("admin" included), or null. Accepts the "role:" prefix used in manifests. */
    public static String normalizeRole(String raw) {
        if (raw == null) {
            return null;
        }
        String r = raw.trim().toLowerCase(Locale.ROOT);
        if (r.startsWith("role:")) {
            r = r.substring(5);
        }
        return ROLE.matcher(r).matches() && !RESERVED_ROLES.contains(r) ? r : null;
    }

    public static String requireRole(String raw) {
        String r = normalizeRole(raw);
        if (r == null) {
            throw Failure.invalid("Not a valid role name", List.of(new FieldError("$.role",
                    "1-64 characters a-z 0-9 _ -, starting with a letter; not one of " + RESERVED_ROLES)));
        }
        return r;
    }

    /** New passwords: 8 to 72 bytes (bcrypt ignores anything beyond 72). */
    public static void requirePassword(String pw, String field) {
        if (pw == null || pw.length() < 8 || pw.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 72) {
            throw Failure.invalid("Password must be 8 to 72 bytes long", List.of(new FieldError(field, "8 to 72 bytes")));
        }
    }
}
