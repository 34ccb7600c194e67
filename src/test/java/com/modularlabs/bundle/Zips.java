package com.modularlabs.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/** Builds test ZIPs, including malicious ones the JDK's ZipOutputStream refuses to write. */
public final class Zips {
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final Map<String, String> links = new LinkedHashMap<>();
    private final java.util.List<String[]> raw = new java.util.ArrayList<>();

    public static Zips bundle(String slug, String name, String indexHtml) {
        return new Zips().add("manifest.json", "{\"name\": \"" + name + "\", \"slug\": \"" + slug + "\", \"status\": \"active\","
                + " \"collections\": {\"notes\": {\"read\": \"public\", \"create\": \"public\"}}}")
                .add("static/index.html", indexHtml);
    }

    public Zips add(String name, String text) {
        return add(name, text.getBytes(StandardCharsets.UTF_8));
    }

    public Zips add(String name, byte[] bytes) {
        raw.add(new String[] {"file", name});
        files.put(name + "#" + raw.size(), bytes);
        return this;
    }

    public Zips link(String name, String target) {
        raw.add(new String[] {"link", name});
        links.put(name + "#" + raw.size(), target);
        return this;
    }

    public byte[] bytes() {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(bos)) {
                int i = 0;
                for (String[] r : raw) {
                    i++;
                    ZipArchiveEntry e = new ZipArchiveEntry(r[1]);
                    byte[] body;
                    if (r[0].equals("link")) {
                        e.setUnixMode(0120777);
                        body = links.get(r[1] + "#" + i).getBytes(StandardCharsets.UTF_8);
                    } else {
                        e.setUnixMode(0100644);
                        body = files.get(r[1] + "#" + i);
                    }
                    z.putArchiveEntry(e);
                    z.write(body);
                    z.closeArchiveEntry();
                }
            }
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
