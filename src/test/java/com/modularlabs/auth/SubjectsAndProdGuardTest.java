package com.modularlabs.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SubjectsAndProdGuardTest {
    @Test
    void emailsAreLowerCasedAndValidatedAndNeverRoleNames() {
        assertEquals("bob@example.com", Subjects.normalizeEmail("  Bob@Example.COM "));
        for (String bad : new String[] {"admin", "role:admin", "editor", "a@b", "a b@c.de", "a@b..c", "@x.com", "a@-x.com", null}) {
            assertNull(Subjects.normalizeEmail(bad), String.valueOf(bad));
        }
        assertEquals("admin", Subjects.normalizeRole("role:admin"));
        assertNull(Subjects.normalizeRole("a@b.com"));
        assertNull(Subjects.normalizeRole("public"));
        assertNull(Subjects.normalizeRole("owner"));
    }

    @Test
    void prodRefusesMissingShortAndKnownSecretsAndPasswords() {
        assertTrue(ProdGuard.problems(Optional.empty(), Optional.empty()).isEmpty()); // generated and stored, per the contract
        assertFalse(ProdGuard.problems(Optional.of("short"), Optional.empty()).isEmpty());
        assertFalse(ProdGuard.problems(Optional.of("a_very_insecure_default_dev_secret_123!"), Optional.empty()).isEmpty());
        assertFalse(ProdGuard.problems(Optional.of("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), Optional.empty()).isEmpty());
        String strong = "k3J9-vQ2xZ7pLm4NwR8tY1uB6cE0hF5sD";
        assertTrue(ProdGuard.problems(Optional.of(strong), Optional.empty()).isEmpty());
        assertFalse(ProdGuard.problems(Optional.of(strong), Optional.of("password123")).isEmpty());
        assertFalse(ProdGuard.problems(Optional.of(strong), Optional.of("test-admin-password-1")).isEmpty());
        assertTrue(ProdGuard.problems(Optional.of(strong), Optional.of("Gq7!vR2#pL9xWm4z")).isEmpty());
    }
}
