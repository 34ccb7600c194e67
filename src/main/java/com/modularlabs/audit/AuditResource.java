package com.modularlabs.audit;

import com.modularlabs.common.Failure;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/** GET /admin/api/audit: the audit log, newest first, filtered by slug, actor, action and time, keyset pages. */
@Path("/admin/api/audit")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {
    private static final JsonWriterSettings JSON = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    @Inject
    AuditLog log;

    @GET
    public Uni<Response> list(@QueryParam("slug") String slug, @QueryParam("actor") String actor, @QueryParam("action") String action,
            @QueryParam("since") String since, @QueryParam("until") String until, @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("50") int limit) {
        AuditLog.Query q = new AuditLog.Query(blank(slug), blank(actor), blank(action), instant(since, "since"), instant(until, "until"),
                blank(after), limit);
        return log.find(q).map(docs -> {
            List<Document> items = docs.stream().map(d -> {
                d.put("id", d.getObjectId("_id").toHexString());
                d.remove("_id");
                return d;
            }).toList();
            Document out = new Document("items", items).append("next", docs.size() == limit ? items.get(items.size() - 1).getString("id") : null);
            return Response.ok(out.toJson(JSON), MediaType.APPLICATION_JSON).header("Cache-Control", "no-store").build();
        });
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static Instant instant(String s, String name) {
        if (blank(s) == null) {
            return null;
        }
        try {
            return Instant.parse(s.strip());
        } catch (DateTimeParseException e) {
            throw Failure.malformed(name + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }
}
