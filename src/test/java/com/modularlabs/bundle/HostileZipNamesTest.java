package com.modularlabs.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.common.Gen;
import com.modularlabs.observability.LogCapture;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Bundle uploads whose entry names are generated from hostile segments ("..", ".", empty, backslashes, drive
 * letters, NUL, unicode and lone surrogates, very long, case twins), written in UTF-8 or in a legacy code page
 * (no UTF-8 flag). An upload is installed or refused with a 4xx problem naming the entries; one that is installed
 * had only plain relative names; never a 5xx or a logged stack trace.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class HostileZipNamesTest {
    static final String SLUG = "hostile_names";
    static final String MANIFEST = "{\"name\": \"Hostile names\", \"slug\": \"" + SLUG + "\", \"status\": \"active\","
            + " \"collections\": {\"notes\": {\"read\": \"public\", \"create\": \"public\"}}}";
    static final String[] SEGMENTS = {"static", "static", "a", "A", "x.js", "X.JS", "..", ".", "", "C:", "c:", "\\", "a\\..\\b",
            "\u0000", "a\u0000b", "\u00e9", "e\u0301", "\ud800", "\u202e", "CON", "nul", "a ", " a", "~", "x".repeat(200), ".git", "seed",
            "manifest.json", "data", "%2e%2e", "..."};

    record Bundle(List<String> names, boolean legacyEncoding) {}

    static String name(Gen g) {
        String n = String.join("/", g.list(1, 4, () -> g.of(SEGMENTS)));
        return g.oneIn(10) ? "/" + n : n;
    }

    static byte[] zip(Bundle b) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(bos)) {
                if (b.legacyEncoding()) {
                    z.setEncoding("Cp437");
                    z.setUseLanguageEncodingFlag(false);
                    z.setCreateUnicodeExtraFields(ZipArchiveOutputStream.UnicodeExtraFieldPolicy.NEVER);
                }
                for (String n : b.names()) {
                    ZipArchiveEntry e = new ZipArchiveEntry(n);
                    z.putArchiveEntry(e);
                    z.write((n.equals("manifest.json") ? MANIFEST : "x").getBytes(StandardCharsets.UTF_8));
                    z.closeArchiveEntry();
                }
            }
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A plain relative name: no absolute path, drive, backslash, NUL, empty, "." or ".." segment. */
    static boolean plain(String n) {
        if (n.startsWith("/") || n.indexOf('\\') >= 0 || n.indexOf('\0') >= 0 || n.matches("^[A-Za-z]:.*")) {
            return false;
        }
        for (String s : n.split("/", -1)) {
            if (s.isEmpty() || s.equals(".") || s.equals("..")) {
                return false;
            }
        }
        return true;
    }

    @Test
    void generatedEntryNamesAreInstalledOnlyWhenPlain() {
        String token = AdminLogin.token();
        java.util.concurrent.atomic.AtomicInteger installed = new java.util.concurrent.atomic.AtomicInteger();
        try (LogCapture logs = LogCapture.of("")) {
            Gen.forAll(120, g -> {
                List<String> names = new java.util.ArrayList<>(List.of("manifest.json", "static/index.html"));
                names.addAll(g.list(1, 5, () -> name(g)));
                return new Bundle(names, g.oneIn(4));
            }, b -> {
                Response r;
                try {
                    r = AdminLogin.as(token).contentType("application/zip").body(zip(b)).post("/admin/api/experiments/" + SLUG + "/bundle");
                } catch (IllegalArgumentException unwritable) {
                    return; // commons-compress refuses to write some names (e.g. unmappable in the code page)
                }
                int s = r.statusCode();
                String body = r.asString();
                assertTrue(s < 500, b + " answered " + s + ": " + body);
                assertFalse(body.contains("Exception") || body.contains("at com."), b + " leaks: " + body);
                if (s >= 400) {
                    assertTrue(r.contentType().startsWith("application/problem+json"), b + " answered " + s + " as " + r.contentType());
                } else if (installed.incrementAndGet() > 0 && !b.legacyEncoding()) {
                    Set<String> seen = new HashSet<>();
                    for (String n : b.names()) {
                        assertTrue(plain(n), "installed a bundle with the entry '" + n + "'");
                        assertTrue(seen.add(n.toLowerCase(Locale.ROOT)), "installed a bundle with twin entries: " + b);
                    }
                }
            });
            assertEquals(List.of(), logs.tracesOrErrors(), "no stack trace or error logged for hostile entry names");
            assertTrue(installed.get() > 0, "some generated bundles are plain and installed (the property is not vacuous)");
        }
    }
}
