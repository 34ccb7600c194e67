package com.modularlabs.auth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The prod profile refuses to start with a short or known default secret (an unset one is generated), or a known or weak
 * ADMIN_PASSWORD (reference section 10.2 and 10.3). Outside prod the same findings are only warnings.
 */
public final class ProdGuard {
    private ProdGuard() {
    }

    static final Set<String> KNOWN_DEFAULTS = Set.of(
            "a_very_insecure_default_dev_secret_123!", "a_very_bad_dev_secret_key_12345", "password123", "password", "admin",
            "changeme", "change-me", "secret", "test-admin-password-1", "admin123", "letmein", "12345678", "123456789012",
            "changeit", "default", "your-secret-key", "your-256-bit-secret", "supersecret", "labs-dev-secret-change-me-0123456789");

    public static List<String> problems(Optional<String> tokenSecret, Optional<String> adminPassword) {
        List<String> out = new ArrayList<>();
        String secret = tokenSecret.filter(s -> !s.isBlank()).orElse(null);
        // unset is allowed (contract section 6): TokenService generates a random secret once and keeps it in the
        // database for all replicas, with a warning. What prod refuses is a known, short or low-variety value.
        if (secret == null) {
            return checkPassword(out, adminPassword);
        } else if (secret.getBytes(StandardCharsets.UTF_8).length < 32) {
            out.add("LABS_TOKEN_SECRET is shorter than 32 bytes");
        } else if (weak(secret)) {
            out.add("LABS_TOKEN_SECRET is a known default or has too little variety");
        }
        return checkPassword(out, adminPassword);
    }

    private static List<String> checkPassword(List<String> out, Optional<String> adminPassword) {
        adminPassword.filter(p -> !p.isEmpty()).ifPresent(p -> {
            if (p.length() < 12 || weak(p)) {
                out.add("ADMIN_PASSWORD is a known default or weak (at least 12 characters, not a common value)");
            }
        });
        return out;
    }

    static boolean weak(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        if (KNOWN_DEFAULTS.contains(l) || l.contains("insecure") || l.contains("changeme") || l.contains("change-me") || l.contains("default")) {
            return true;
        }
        return s.chars().distinct().count() < 8;
    }
}
