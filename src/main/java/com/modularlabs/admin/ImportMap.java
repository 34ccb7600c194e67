package com.modularlabs.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The browser import map of the ES-module libraries on the class path (mvnpm jars each carry a
 * META-INF/importmap.json naming their /_static/ files), merged once at startup. Browsers only take an inline import
 * map, so the page embeds it and its SHA-256 goes into the page's Content-Security-Policy instead of 'unsafe-inline'.
 */
@Singleton
@Startup // reads the jars once at boot, never on an event loop
public class ImportMap {
    private final String json;
    private final String cspHash;

    public ImportMap() {
        ObjectMapper mapper = new ObjectMapper();
        Map<String, String> imports = new TreeMap<>(); // sorted: the same text (and hash) on every replica
        try {
            Enumeration<URL> maps = Thread.currentThread().getContextClassLoader().getResources("META-INF/importmap.json");
            while (maps.hasMoreElements()) {
                try (InputStream in = maps.nextElement().openStream()) {
                    JsonNode node = mapper.readTree(in).path("imports");
                    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        imports.putIfAbsent(e.getKey(), e.getValue().asText());
                    }
                }
            }
            ObjectNode root = mapper.createObjectNode();
            ObjectNode im = root.putObject("imports");
            imports.forEach(im::put);
            json = mapper.writeValueAsString(root);
            cspHash = "'sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(json.getBytes(StandardCharsets.UTF_8))) + "'";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The map as JSON (no '<', so it is safe inside a script element). */
    public String json() {
        return json;
    }

    /** The CSP source allowing exactly this inline import map. */
    public String cspHash() {
        return cspHash;
    }

    public boolean has(String specifier) {
        return json.contains("\"" + specifier + "\"");
    }
}
