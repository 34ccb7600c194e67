package com.modularlabs.admin;

import com.modularlabs.common.Failure;
import com.modularlabs.common.RelativePath;
import com.modularlabs.common.Workers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The admin file viewer: lists an experiment's files or reads one, on a worker thread. Traversal is impossible:
 * suspicious paths are refused before touching the disk, links are never followed, and the real path must stay
 * under the experiment's root. Binary files (a NUL byte, or not UTF-8) and files over the cap are not returned.
 */
public final class FileBrowser {
    static final int MAX_LISTED = 5000;

    private FileBrowser() {
    }

    static void checkPath(String p) {
        if (RelativePath.whyUnsafe(p) != null) {
            throw Failure.malformed("Invalid file path");
        }
    }

    /** Blocking: a listing (path empty) or one file. */
    static Map<String, Object> read(Path root, String path, long maxBytes) throws IOException {
        Workers.assertNotOnEventLoop("Reading an experiment file");
        if (!Files.isDirectory(root)) {
            throw Failure.notFound("The experiment has no files (no folder and no bundle)");
        }
        Path realRoot = root.toRealPath();
        if (path == null || path.isEmpty()) {
            return list(realRoot);
        }
        checkPath(path);
        Path target = realRoot.resolve(path).normalize();
        if (!target.startsWith(realRoot)) {
            throw Failure.malformed("Invalid file path");
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (FileSystemException e) { // missing, under a file, a name too long: no such file either
            throw Failure.notFound("No such file: " + path);
        }
        if (a.isSymbolicLink() || !target.toRealPath().startsWith(realRoot)) {
            throw Failure.malformed("Links are not followed");
        }
        if (a.isDirectory()) {
            throw Failure.malformed("A folder, not a file: " + path);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("path", path);
        out.put("size", a.size());
        if (a.size() > maxBytes) {
            out.put("is_binary", false);
            out.put("too_large", true);
            out.put("content", null);
            return out;
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(target, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes((int) maxBytes);
        }
        String text = text(bytes);
        out.put("is_binary", text == null);
        out.put("too_large", false);
        out.put("content", text);
        return out;
    }

    /** UTF-8 text, or null when the bytes look binary. */
    static String text(byte[] bytes) {
        for (int i = 0; i < Math.min(bytes.length, 8192); i++) {
            if (bytes[i] == 0) {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static Map<String, Object> list(Path root) throws IOException {
        List<Map<String, Object>> files = new ArrayList<>();
        boolean truncated;
        try (Stream<Path> s = Files.walk(root, 16)) {
            List<Path> all = s.filter(p -> !p.equals(root)).limit(MAX_LISTED + 1L).sorted().toList();
            truncated = all.size() > MAX_LISTED;
            for (Path p : all.subList(0, Math.min(all.size(), MAX_LISTED))) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("path", root.relativize(p).toString().replace('\\', '/'));
                f.put("type", a.isDirectory() ? "dir" : a.isSymbolicLink() ? "link" : "file");
                f.put("size", a.isDirectory() ? 0 : a.size());
                files.add(f);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("files", files);
        out.put("truncated", truncated);
        return out;
    }
}
