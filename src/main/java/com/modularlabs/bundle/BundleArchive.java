package com.modularlabs.bundle;

import com.modularlabs.hosting.StaticFiles;
import com.modularlabs.common.FieldError;
import com.modularlabs.common.Failure;
import com.modularlabs.common.RelativePath;
import com.modularlabs.common.Workers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.HashMap;
import java.util.Set;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.bson.Document;
import org.bson.json.JsonParseException;

/**
 * Checks a bundle ZIP (already on disk) against contract section 8 and unpacks it into an empty folder. Nothing
 * is trusted from the headers: entry count and names come from the central directory, sizes and ratios are
 * counted while inflating. Refusals are problem+json 400 (malformed or unsafe) or 413 (too big).
 */
public final class BundleArchive {
    /** Unix file-type bits of the external attributes. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final long MAX_MANIFEST_BYTES = 1024 * 1024;

    /** What a valid bundle holds. {@code files} are the unpacked regular files, relative, with '/' separators. */
    public record Unpacked(Document manifest, List<String> files, long unpackedBytes) {
    }

    private final BundleConfig limits;

    public BundleArchive(BundleConfig limits) {
        this.limits = limits;
    }

    /** Validates {@code zip} and unpacks it into {@code target} (created; must not exist). Blocking. */
    public Unpacked unpack(Path zip, Path target) throws IOException {
        Workers.assertNotOnEventLoop("Unpacking a bundle");
        ZipFile zf;
        try {
            zf = ZipFile.builder().setPath(zip).setUseUnicodeExtraFields(true).get();
        } catch (IOException | RuntimeException notZip) {
            throw Failure.malformed("The upload is not a ZIP archive");
        }
        try (zf) {
            List<ZipArchiveEntry> entries = new ArrayList<>();
            int count = 0;
            for (ZipArchiveEntry e : Collections.list(zf.getEntriesInPhysicalOrder())) {
                if (++count > limits.maxEntries()) {
                    throw Failure.tooLarge("The bundle has more than " + limits.maxEntries() + " entries");
                }
                entries.add(e);
            }
            Set<String> seen = new HashSet<>();
            // folder (lower case) -> the first entry that needs it; case-insensitive like the file systems that fold case
            Map<String, String> folders = new HashMap<>();
            List<ZipArchiveEntry> files = new ArrayList<>();
            ZipArchiveEntry manifest = null;
            for (ZipArchiveEntry e : entries) {
                String name = checkName(e.getName());
                String key = stripSlash(name).toLowerCase(Locale.ROOT);
                if (!seen.add(key)) {
                    throw Failure.malformed("Duplicate entry in the bundle: " + name);
                }
                checkType(e);
                if (e.isDirectory()) {
                    folders.putIfAbsent(key, name);
                }
                for (int i = key.indexOf('/'); i > 0; i = key.indexOf('/', i + 1)) {
                    folders.putIfAbsent(key.substring(0, i), name);
                }
                if (ignored(name) || e.isDirectory()) {
                    continue;
                }
                files.add(e);
                if (name.equals("manifest.json")) {
                    manifest = e;
                }
            }
            for (ZipArchiveEntry e : files) {
                String under = folders.get(stripSlash(e.getName()).toLowerCase(Locale.ROOT));
                if (under != null) {
                    throw Failure.malformed("Entry " + e.getName() + " is a file, but " + under
                            + " needs a folder of that name");
                }
            }
            // `zip -r x.zip folder/`: one top-level folder holding manifest.json is the bundle's root
            String prefix = manifest == null ? singleFolder(files) : "";
            if (manifest == null && prefix != null) {
                for (ZipArchiveEntry e : files) {
                    if (e.getName().equals(prefix + "manifest.json")) {
                        manifest = e;
                    }
                }
            }
            if (manifest == null) {
                throw Failure.malformed("The bundle has no manifest.json at its root (nor in a single top-level folder)");
            }
            Files.createDirectories(target.getParent());
            Files.createDirectory(target);
            Path root = target.toRealPath();
            long total = 0;
            List<String> names = new ArrayList<>();
            byte[] buf = new byte[64 * 1024];
            for (ZipArchiveEntry e : files) {
                String rel = e.getName().substring(prefix.length());
                Path out = root.resolve(rel).normalize();
                if (!out.startsWith(root) || out.equals(root)) {
                    throw Failure.malformed("Entry escapes the bundle folder: " + e.getName());
                }
                try {
                    Files.createDirectories(out.getParent());
                } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.NotDirectoryException clash) {
                    throw Failure.malformed("Entry " + e.getName() + " clashes with another entry of the bundle");
                }
                long compressed = Math.max(1, e.getCompressedSize());
                long written = 0;
                try (InputStream in = zf.getInputStream(e); OutputStream os = Files.newOutputStream(out, java.nio.file.StandardOpenOption.CREATE_NEW)) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        written += n;
                        total += n;
                        if (total > limits.maxUnpackedBytes()) {
                            throw Failure.tooLarge("The bundle unpacks to more than " + limits.maxUnpackedBytes() + " bytes");
                        }
                        if (written > limits.ratioMinBytes() && written > compressed * limits.maxRatio()) {
                            throw Failure.tooLarge("Entry " + e.getName() + " inflates more than " + limits.maxRatio() + ":1");
                        }
                        os.write(buf, 0, n);
                    }
                } catch (Failure p) {
                    throw p;
                } catch (IOException | RuntimeException broken) {
                    throw Failure.malformed("Entry " + e.getName() + " cannot be read: " + broken.getMessage());
                }
                names.add(rel);
            }
            return new Unpacked(readManifest(root.resolve("manifest.json")), List.copyOf(names), total);
        }
    }

    /** "name/" when every file lies under that one top-level folder, else null. */
    private static String singleFolder(List<ZipArchiveEntry> files) {
        String prefix = null;
        for (ZipArchiveEntry e : files) {
            int slash = e.getName().indexOf('/');
            if (slash <= 0) {
                return null;
            }
            String top = e.getName().substring(0, slash + 1);
            if (prefix != null && !prefix.equals(top)) {
                return null;
            }
            prefix = top;
        }
        return prefix;
    }

    /** Parses manifest.json (Extended JSON); it must be one JSON object. */
    public static Document readManifest(Path file) throws IOException {
        if (Files.size(file) > MAX_MANIFEST_BYTES) {
            throw Failure.tooLarge("manifest.json is larger than 1 MiB");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            if (!text.strip().startsWith("{")) {
                throw new JsonParseException("not an object");
            }
            return Document.parse(text);
        } catch (JsonParseException | org.bson.BsonInvalidOperationException | IllegalArgumentException bad) {
            throw Failure.invalid("manifest.json is not a JSON object",
                    List.of(new FieldError("$", "not a JSON object: " + bad.getMessage())));
        }
    }

    /** Refuses absolute paths, drive letters, backslashes, NUL, '.' and '..' segments. Returns the name. */
    static String checkName(String name) {
        String why = RelativePath.whyUnsafe(name == null ? null : stripSlash(name));
        if (why != null) {
            throw Failure.malformed("Unsafe entry path in the bundle (" + why + "): " + name);
        }
        return name;
    }

    /** Only regular files and directories: symlinks, hard links, devices and FIFOs are refused. */
    static void checkType(ZipArchiveEntry e) {
        if (e.isUnixSymlink()) {
            throw Failure.malformed("Links are not allowed in a bundle: " + e.getName());
        }
        if (e.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX) {
            int type = e.getUnixMode() & S_IFMT;
            if (type != 0 && type != S_IFREG && type != S_IFDIR) {
                throw Failure.malformed("Only files and folders are allowed in a bundle: " + e.getName());
            }
        }
        // Windows reparse points (symlinks/junctions) in the DOS attributes
        if ((e.getExternalAttributes() & 0x400) != 0 && e.getPlatform() != ZipArchiveEntry.PLATFORM_UNIX) {
            throw Failure.malformed("Links are not allowed in a bundle: " + e.getName());
        }
    }

    /**
     * Never unpacked: macOS archive litter, and dot-files and dot-folders (.git, .env...), which are never served
     * either, so a bundle holds only what it can serve.
     */
    static boolean ignored(String name) {
        return name.startsWith("__MACOSX/") || StaticFiles.hidden(name);
    }

    private static String stripSlash(String n) {
        return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    }
}
