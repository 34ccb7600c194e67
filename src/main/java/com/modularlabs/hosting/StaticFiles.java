package com.modularlabs.hosting;

import com.modularlabs.common.Failure;
import com.modularlabs.common.RelativePath;
import com.modularlabs.common.Workers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Map;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Resolves a request path to a file under an experiment's static folder, on a worker thread. Traversal is
 * impossible: suspicious paths are refused (400) and the real path of the result must stay inside the folder.
 */
@ApplicationScoped
public class StaticFiles {
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"), Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"), Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"), Map.entry("json", "application/json"),
            Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("svg", "image/svg+xml"), Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"), Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"), Map.entry("ico", "image/x-icon"), Map.entry("woff2", "font/woff2"),
            Map.entry("woff", "font/woff"), Map.entry("map", "application/json"), Map.entry("wasm", "application/wasm"));

    /** A file to send, with what the HTTP caching headers need. */
    public record StaticFile(Path path, long size, long lastModifiedMillis, String contentType) {
        public String etag() {
            return "\"" + Long.toHexString(size) + "-" + Long.toHexString(lastModifiedMillis) + "\"";
        }
    }

    public Uni<StaticFile> resolve(Path root, String requestPath) {
        checkPath(requestPath);
        return Workers.run(() -> find(root, requestPath));
    }

    /**
     * Refuses traversal tricks before touching the disk. Dot-files and dot-folders (.git, .env, .htpasswd) are
     * never served: 404, as if they were not there.
     */
    static void checkPath(String p) {
        if (RelativePath.whyUnsafe(p) != null) {
            throw Failure.malformed("Invalid static file path");
        }
        if (hidden(p)) {
            throw Failure.notFound("No such file");
        }
    }

    /** True when any segment of a relative path is a dot-file or dot-folder. */
    public static boolean hidden(String relative) {
        for (String seg : relative.split("[/\\\\]")) {
            if (seg.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static StaticFile find(Path root, String requestPath) throws IOException {
        Workers.assertNotOnEventLoop("Static file lookup");
        try {
            Path realRoot = root.toRealPath();
            Path real = realRoot.resolve(requestPath).normalize().toRealPath();
            // the real path too: a link may lead into a dot-folder
            if (!real.startsWith(realRoot) || real.equals(realRoot) || hidden(realRoot.relativize(real).toString())) {
                throw Failure.notFound("No such file");
            }
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                throw Failure.notFound("No such file");
            }
            return new StaticFile(real, a.size(), a.lastModifiedTime().toMillis(), contentType(real));
        } catch (FileSystemException | InvalidPathException e) {
            // missing, under a file ("app.js/x": not a directory), a name too long, a link loop: no such file either
            throw Failure.notFound("No such file");
        }
    }

    static String contentType(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String ext = dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(ext, "application/octet-stream");
    }
}
