package com.modularlabs.data;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Which patterns may reach a backtracking store, and which the engine refuses at all. */
class RegexGuardTest {
    final RegexGuard strict = new RegexGuard(1000, true);
    final RegexGuard lax = new RegexGuard(1000, false);

    @Test
    void catastrophicShapesAreRefusedForTheStore() {
        for (String p : new String[] {"(.*a){12}$", "(a+)+$", "(a|a)*x", "(a|ab)*c", "^(a|b)+x", "(x+x+)+y", "(a?){30}a{30}",
                "a+x", ".*x", "\\w+@", "^.*a.*b", "^a*a*x", "^(ab)*c", "a{1,1000}x", "(?m)^a+x", "[ab]{0,200}c",
                "^a?a?a?a?a?a?a?a?a?a?a?", "^(?:a|b)*", "(a{2,3}){2,3}x"}) {
            assertNotNull(strict.checkForStore(p, ""), p);
        }
        assertNotNull(strict.checkForStore("^a+x", "m"), "^ is no anchor under m");
        assertNotNull(strict.checkForStore("a + x", "x"), "extended mode is parsed as the store would");
    }

    @Test
    void everydayPatternsPass() {
        for (String p : new String[] {"^abc", "abc", "^jo", "^[A-Z][a-z]+$", "\\d{4}-\\d{2}-\\d{2}", "^.*@example\\.com$", "\\Aa+x",
                "(foo|bar)", "^(ab){3}$", "colou?r", "^\\w+", "(?i)hello", "\\.(png|jpe?g)$", "x{3}", "[a-z]{2,5}", "a|b|c", "^\\p{L}+$",
                "\\Q(.*a){12}\\E"}) {
            assertNull(strict.checkForStore(p, ""), p);
        }
        assertNull(strict.checkForStore("^ a + x # comment", "x"));
        assertNull(strict.checkForStore("^A+", "i"));
    }

    @Test
    void onlyRe2SyntaxIsAcceptedAtAll() {
        for (String p : new String[] {"(a)\\1", "(?=a)b", "(?!a)b", "(?<=a)b", "a++", "(", "[z-a]", "a{1001}"}) {
            assertNotNull(lax.checkForEngine(p, ""), p);
            assertNotNull(strict.checkForStore(p, ""), p);
        }
        assertNotNull(lax.checkForEngine("a", "g"), "unknown option");
        assertNotNull(new RegexGuard(5, true).checkForEngine("abcdef", ""), "length limit");
        assertNull(lax.checkForStore("(.*a){12}$", ""), "not strict: RE2 syntax only");
    }
}
