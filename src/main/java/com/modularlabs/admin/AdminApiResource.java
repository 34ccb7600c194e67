package com.modularlabs.admin;

import com.modularlabs.audit.AuditLog.Note;
import com.modularlabs.audit.AuditLog;
import com.modularlabs.auth.Subjects;
import com.modularlabs.bundle.BundleConfig;
import com.modularlabs.bundle.BundlePaths;
import com.modularlabs.bundle.BundleService;
import com.modularlabs.bundle.BundleStorage;
import com.modularlabs.bundle.ExportService;
import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import com.modularlabs.common.LimitsConfig;
import com.modularlabs.common.SafeJson;
import com.modularlabs.common.Workers;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.registry.IndexManager;
import com.modularlabs.registry.RootResolver;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** The admin JSON API (contract section 5, admin rows). Admin only. */
@Path("/admin/api")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class AdminApiResource {
    static final JsonWriterSettings JSON = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    @Inject
    AdminService admin;
    @Inject
    ExperimentRegistry registry;
    @Inject
    IndexManager indexes;
    @Inject
    RootResolver roots;
    @Inject
    ExperimentConfigRepository configs;
    @Inject
    BundleService bundles;
    @Inject
    ExportService exports;
    @Inject
    BundleStorage storage;
    @Inject
    BundleConfig bundleConfig;
    @Inject
    SecurityIdentity identity;
    @Inject
    ActivitySampler activity;
    @Inject
    AdminConfig adminConfig;
    @Inject
    AuditLog audit;
    @Inject
    LimitsConfig limits;

    static Response json(Document d) {
        return Response.ok(d.toJson(JSON), MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("/experiments")
    public Uni<Response> list(@QueryParam("after") String after, @QueryParam("limit") @DefaultValue("100") int limit) {
        return admin.list(after, limit).map(AdminApiResource::json);
    }

    @GET
    @Path("/experiments/{slug}")
    public Uni<Response> get(@PathParam("slug") String slug) {
        return admin.get(slug).map(d -> Response.ok(d.toJson(JSON), MediaType.APPLICATION_JSON)
                .header("ETag", "\"" + d.get("version") + "\"").header("Cache-Control", "no-store").build());
    }

    @PUT
    @Path("/experiments/{slug}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> put(@PathParam("slug") String slug, @HeaderParam("If-Match") String ifMatch, String body) {
        AdminService.requireSlug(slug);
        var note = audit.note();
        // a manifest can be up to the body limit: parsing (here) and schema checks (in replace) run off the event loop
        return Workers.run(() -> parseObject(body)).chain(manifest -> admin.get(slug).chain(before -> admin.replace(slug, ifMatch, manifest)
                .invoke(after -> note.accept(new Note("experiments.manifest", slug, null, before.get("manifest"), after.get("manifest"))))))
                .map(d -> Response.ok(d.toJson(JSON), MediaType.APPLICATION_JSON)
                .header("ETag", "\"" + d.get("version") + "\"").build());
    }

    /** Validates a manifest as a save would, without saving: {"errors": [{path, message}]} (empty when valid). */
    @POST
    @Path("/experiments/{slug}/manifest/check")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Map<String, Object>> checkManifest(@PathParam("slug") String slug, String body) {
        AdminService.requireSlug(slug);
        // a manifest can be up to the body limit: parsing and schema checks run off the event loop
        return Workers.run(() -> Map.<String, Object>of("errors", admin.check(slug, parseObject(body))));
    }

    /** How the folder's manifest differs from the database configuration (which wins at startup). */
    @GET
    @Path("/experiments/{slug}/folder")
    public Uni<Response> folder(@PathParam("slug") String slug) {
        return admin.folderDiff(slug).map(d -> Response.ok(d.toJson(JSON), MediaType.APPLICATION_JSON)
                .header("ETag", "\"" + d.get("version") + "\"").header("Cache-Control", "no-store").build());
    }

    /** Adopts the folder's manifest as the configuration (If-Match: the version the admin looked at). */
    @POST
    @Path("/experiments/{slug}/folder/adopt")
    public Uni<Response> adoptFolder(@PathParam("slug") String slug, @HeaderParam("If-Match") String ifMatch) {
        return admin.adoptFolder(slug, ifMatch).map(d -> Response.ok(d.toJson(JSON), MediaType.APPLICATION_JSON)
                .header("ETag", "\"" + d.get("version") + "\"").build());
    }

    @POST
    @Path("/experiments/{slug}/status")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> status(@PathParam("slug") String slug, String body) {
        AdminService.requireSlug(slug);
        Object status = parseObject(body).get("status");
        var note = audit.note();
        return admin.get(slug).chain(before -> admin.setStatus(slug, status instanceof String s ? s : null).invoke(after -> note.accept(
                new Note("experiments.status", slug, null, before.get("status"), after.get("status")))))
                .map(d -> Response.ok(d.toJson(JSON), MediaType.APPLICATION_JSON)
                .header("ETag", "\"" + d.get("version") + "\"").build());
    }

    @POST
    @Path("/experiments/{slug}/reload")
    public Uni<Response> reload(@PathParam("slug") String slug) {
        return admin.reload(slug).map(AdminApiResource::json);
    }

    @GET
    @Path("/experiments/{slug}/indexes")
    public List<Map<String, Object>> indexes(@PathParam("slug") String slug) {
        AdminService.requireSlug(slug);
        return indexes.status(slug).stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("collection", s.collection());
            m.put("name", s.name());
            m.put("type", s.type());
            m.put("status", s.status() == IndexManager.State.queued ? "building" : s.status().name());
            m.put("error", s.error());
            return m;
        }).toList();
    }

    /** Requests, errors, p95, data and function calls, subscribers: totals since start, samples of the last hour. */
    @GET
    @Path("/experiments/{slug}/activity")
    public Response activity(@PathParam("slug") String slug) {
        AdminService.requireSlug(slug);
        if (registry.snapshot().find(slug).isEmpty()) {
            throw Failure.notFound("No experiment '" + slug + "'");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("slug", slug);
        out.put("interval_seconds", adminConfig.activity().interval().toSeconds());
        out.put("totals", activity.totals(slug));
        out.put("samples", activity.samples(slug));
        out.put("current", activity.current(slug));
        return Response.ok(out).header("Cache-Control", "no-store").build();
    }

    @GET
    @Path("/experiments/{slug}/files")
    public Uni<Map<String, Object>> files(@PathParam("slug") String slug, @QueryParam("path") @DefaultValue("") String path) {
        AdminService.requireSlug(slug);
        if (!path.isEmpty()) {
            FileBrowser.checkPath(path);
        }
        Uni<java.nio.file.Path> root = registry.snapshot().find(slug).map(e -> Uni.createFrom().item(e.root()))
                .orElseGet(() -> configs.findBySlug(slug).chain(cfg -> roots.resolve(slug, cfg == null ? new Document() : cfg)));
        return root.chain(r -> Workers.run(() -> FileBrowser.read(r, path, bundleConfig.fileViewMaxBytes())));
    }

    @POST
    @Path("/experiments/{slug}/bundle")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Blocking
    public Response uploadMultipart(@PathParam("slug") String slug, @RestForm("file") FileUpload file) throws Exception {
        AdminService.requireSlug(slug);
        if (file == null || file.uploadedFile() == null) {
            throw Failure.malformed("Send the ZIP as the multipart field 'file'");
        }
        return installed(slug, bundles.receive(file.uploadedFile()), false);
    }

    @POST
    @Path("/experiments/{slug}/bundle")
    @Consumes({"application/zip", "application/x-zip-compressed", MediaType.APPLICATION_OCTET_STREAM})
    @Blocking
    public Response uploadRaw(@PathParam("slug") String slug, InputStream body) throws Exception {
        AdminService.requireSlug(slug);
        return installed(slug, bundles.receive(body), false);
    }

    @POST
    @Path("/import")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Blocking
    public Response importMultipart(@QueryParam("slug") String slug, @RestForm("file") FileUpload file) throws Exception {
        if (file == null || file.uploadedFile() == null) {
            throw Failure.malformed("Send the ZIP as the multipart field 'file'");
        }
        return installed(slug == null || slug.isEmpty() ? null : AdminService.requireSlug(slug), bundles.receive(file.uploadedFile()), true);
    }

    @POST
    @Path("/import")
    @Consumes({"application/zip", "application/x-zip-compressed", MediaType.APPLICATION_OCTET_STREAM})
    @Blocking
    public Response importRaw(@QueryParam("slug") String slug, InputStream body) throws Exception {
        return installed(slug == null || slug.isEmpty() ? null : AdminService.requireSlug(slug), bundles.receive(body), true);
    }

    /** New experiment from a name and a slug: a generated bundle installed like an upload; 409 if the slug exists. */
    @POST
    @Path("/experiments")
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    public Response create(NewExperiment.Request body) throws Exception {
        NewExperiment.Request r = NewExperiment.check(body);
        if (configs.findBySlug(r.slug()).await().atMost(Duration.ofSeconds(10)) != null) {
            throw Failure.conflict("An experiment '" + r.slug() + "' exists already",
                    List.of(new FieldError("$.slug", "already used")));
        }
        java.nio.file.Path tmp = Files.createTempFile("new-experiment", ".zip");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                NewExperiment.writeZip(r, out);
            }
            Response res = installed(r.slug(), bundles.receive(tmp), false);
            audit.note().accept(new Note("experiments.create", r.slug(), null, null, NewExperiment.manifest(r)));
            return Response.status(201).entity(res.getEntity()).type(MediaType.APPLICATION_JSON)
                    .location(URI.create("/admin/experiments/" + r.slug())).build();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** role → slugs of the experiments whose auth_policy.allowed_roles names it (normalized like the checks). */
    @GET
    @Path("/role-experiments")
    public Uni<Map<String, List<String>>> roleExperiments() {
        return configs.raw().find(Filters.exists("auth_policy.allowed_roles.0"),
                        new FindOptions().projection(Projections.include("slug", "auth_policy.allowed_roles"))
                                .limit(10_000).batchSize(1000)).collect().asList()
                .map(docs -> {
                    Map<String, List<String>> out = new TreeMap<>();
                    for (Document d : docs) {
                        if (d.get("auth_policy") instanceof Document p && p.get("allowed_roles") instanceof List<?> roles) {
                            for (Object o : roles) {
                                String role = o instanceof String s ? Subjects.normalizeRole(s) : null;
                                if (role != null) {
                                    out.computeIfAbsent(role, k -> new ArrayList<>()).add(d.getString("slug"));
                                }
                            }
                        }
                    }
                    return out;
                });
    }

    private Response installed(String slug, BundleService.Received zip, boolean withData) throws Exception {
        try {
            BundleService.Installed r = bundles.install(slug, zip, withData);
            audit.note().accept(new Note(withData ? "import" : "experiments.upload", r.slug(), null, null,
                    new Document("version", r.version()).append("sha256", r.sha256()).append("files", r.files())));
            Document out = new Document("slug", r.slug()).append("version", r.version()).append("sha256", r.sha256())
                    .append("size", r.size()).append("files", r.files()).append("documents", new Document(new LinkedHashMap<>(r.documents())));
            return Response.ok(out.toJson(JSON), MediaType.APPLICATION_JSON).header("ETag", "\"" + r.version() + "\"").build();
        } finally {
            BundlePaths.deleteTree(zip.file());
        }
    }

    @POST
    @Path("/experiments/{slug}/exports")
    @Blocking
    public Response startExport(@PathParam("slug") String slug) {
        AdminService.requireSlug(slug);
        Document job = exports.start(slug, identity.getPrincipal().getName());
        String id = job.getObjectId("_id").toHexString();
        return Response.accepted(new Document("id", id).append("status", job.getString("status")).toJson(JSON))
                .type(MediaType.APPLICATION_JSON).header("Location", "/admin/api/exports/" + id).build();
    }

    @GET
    @Path("/experiments/{slug}/exports")
    @Blocking
    public Response exportHistory(@PathParam("slug") String slug, @QueryParam("limit") @DefaultValue("20") int limit) {
        AdminService.requireSlug(slug);
        List<Document> items = exports.history(slug, Math.max(1, Math.min(100, limit))).stream().map(AdminApiResource::jobView).toList();
        return json(new Document("items", items));
    }

    @GET
    @Path("/exports/{id}")
    @Blocking
    public Response exportStatus(@PathParam("id") String id) {
        return Response.ok(jobView(exports.find(id)).toJson(JSON), MediaType.APPLICATION_JSON).header("Cache-Control", "no-store").build();
    }

    static Document jobView(Document d) {
        Document out = new Document("id", d.getObjectId("_id").toHexString()).append("slug", d.get("slug_id"))
                .append("status", d.get("status")).append("documents", d.get("documents", 0L)).append("bytes", d.get("bytes", 0L))
                .append("percent", d.get("percent", 0)).append("user_email", d.get("user_email"))
                .append("created_at", d.get("created_at")).append("expires_at", d.get("expires_at"));
        if (d.get("storage_key") != null) {
            out.append("file_size", d.get("file_size")).append("sha256", d.get("sha256"))
                    .append("download", "/admin/api/exports/" + out.getString("id") + "/download");
        } else if (d.get("file_size") != null || d.get("local_file_path") != null) {
            // a g.nome export (file kept in g.nome's temp_exports/, never in this service's storage)
            out.append("file_size", d.get("file_size")).append("available", false).append("note", "not available here");
        }
        if (d.get("error") != null) {
            out.append("error", d.get("error"));
        }
        return out;
    }

    @GET
    @Path("/exports/{id}/download")
    @Produces({"application/zip", "application/problem+json"})
    @Blocking
    public Response download(@PathParam("id") String id) throws Exception {
        Document d = exports.find(id);
        if (d.getString("storage_key") == null && (d.get("file_size") != null || d.get("local_file_path") != null)) {
            throw Failure.gone("Export " + id + " was made by g.nome; its file is not available here");
        }
        if ("failed".equals(d.getString("status"))) {
            // final: its file will never exist (a killed replica's export is failed by the lease check, issue 11)
            throw Failure.gone("Export " + id + " failed: " + d.get("error", "no reason recorded"));
        }
        if (!"done".equals(d.getString("status")) || d.getString("storage_key") == null) {
            throw Failure.conflict("Export " + id + " is " + d.getString("status") + ", not downloadable yet")
                    .retryAfter(2);
        }
        String key = d.getString("storage_key");
        long size = storage.size(key);
        if (size < 0) {
            throw Failure.gone("Export " + id + " has expired or been deleted");
        }
        String sha = d.getString("sha256");
        InputStream in = storage.open(key);
        StreamingOutput body = out -> {
            try (in) {
                in.transferTo(out);
            }
        };
        String file = d.getString("slug_id") + "-export-" + id + ".zip";
        return Response.ok(body, "application/zip").header("Content-Length", size)
                .header("Content-Disposition", "attachment; filename=\"" + file + "\"")
                .header("X-Checksum-SHA256", sha)
                .header("Digest", "sha-256=" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha)))
                .header("Cache-Control", "private, no-store").build();
    }

    Document parseObject(String body) {
        if (body == null || body.isBlank()) {
            throw Failure.malformed("Send a JSON object");
        }
        if (body.length() > limits.jsonBodyBytes()) {
            throw Failure.tooLarge("JSON bodies are limited to " + limits.jsonBodyBytes() + " bytes");
        }
        return SafeJson.parseObject(body, "The request body");
    }

}
