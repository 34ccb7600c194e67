package com.modularlabs.client;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code /labs.js} (the JavaScript client, an ES module) and {@code /labs.d.ts} (its types), as shipped in this
 * engine build: loaded once from the classpath, ETag = content hash, so browsers revalidate cheaply (304) and pick up
 * a new version as soon as the engine changes.
 */
@Path("/")
public class LabsScriptResource {
    private record Asset(byte[] body, String etag, String type) {
    }

    private static final Asset JS = load("labs-client/labs.js", "text/javascript; charset=utf-8");
    private static final Asset DTS = load("labs-client/labs.d.ts", "application/typescript; charset=utf-8");

    @GET
    @Path("labs.js")
    public Response script(@HeaderParam("If-None-Match") String ifNoneMatch) {
        return serve(JS, ifNoneMatch);
    }

    @GET
    @Path("labs.d.ts")
    public Response types(@HeaderParam("If-None-Match") String ifNoneMatch) {
        return serve(DTS, ifNoneMatch);
    }

    private static Response serve(Asset a, String ifNoneMatch) {
        if (ifNoneMatch != null && (ifNoneMatch.contains(a.etag()) || ifNoneMatch.strip().equals("*"))) {
            return Response.notModified().tag(a.etag()).header("Cache-Control", "no-cache").build();
        }
        return Response.ok(a.body(), a.type()).tag(a.etag()).header("Cache-Control", "no-cache").build();
    }

    private static Asset load(String path, String type) {
        try (InputStream in = LabsScriptResource.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing " + path);
            }
            byte[] body = in.readAllBytes();
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(body);
            return new Asset(body, HexFormat.of().formatHex(hash, 0, 12), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
