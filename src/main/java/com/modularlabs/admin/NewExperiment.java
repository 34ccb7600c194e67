package com.modularlabs.admin;

import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import com.modularlabs.registry.ManifestValidator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.bson.Document;

/**
 * "New experiment" from the panel: a name and a slug become a bundle ZIP (manifest.json + static/index.html) that
 * is installed through the same path as an upload (BundleService: validation, parse, collection claims, registry
 * reload), so a panel-made experiment is no different from an uploaded one.
 */
final class NewExperiment {
    record Request(String name, String slug, String description) {
    }

    private NewExperiment() {
    }

    static Request check(Request r) {
        if (r == null) {
            throw Failure.malformed("A JSON body {name, slug} is required");
        }
        List<FieldError> errors = new ArrayList<>();
        if (r.name() == null || r.name().isBlank() || r.name().length() > 200) {
            errors.add(new FieldError("$.name", "required, 1 to 200 characters"));
        }
        if (!ManifestValidator.isValidSlug(r.slug())) {
            errors.add(new FieldError("$.slug", "must match " + ManifestValidator.SLUG.pattern()));
        }
        if (r.description() != null && r.description().length() > 2000) {
            errors.add(new FieldError("$.description", "at most 2000 characters"));
        }
        if (!errors.isEmpty()) {
            throw Failure.invalid("The new experiment needs a name and a valid slug", errors);
        }
        return r;
    }

    static Document manifest(Request r) {
        return new Document("name", r.name().strip()).append("slug", r.slug())
                .append("description", r.description() == null ? "" : r.description().strip())
                .append("status", "active").append("auth_required", false);
    }

    /** Writes the ZIP (blocking). */
    static void writeZip(Request r, OutputStream out) throws IOException {
        String title = esc(r.name().strip());
        String page = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" + title + "</title>\n"
                + "<link rel=\"stylesheet\" href=\"/labs.css\">\n</head>\n<body>\n<main>\n<h1>" + title + "</h1>\n"
                + "<p>A new experiment. Replace this page by uploading a bundle from the admin panel.</p>\n</main>\n</body>\n</html>\n";
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("manifest.json"));
            zip.write(manifest(r).toJson(AdminApiResource.JSON).getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("static/index.html"));
            zip.write(page.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
    }

    /** HTML escaping for the default page (names are free text). */
    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
