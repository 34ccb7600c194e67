package com.modularlabs.admin;

import com.modularlabs.common.Failure;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.bson.Document;

/**
 * The admin panel (HTML, Qute, no inline script: /admin/admin.js does the calls to the JSON API). The lists are
 * rendered on the server, so the page works and is testable without JavaScript.
 */
@Path("/admin")
@RolesAllowed("admin")
public class AdminPanelResource {
    private static final SecureRandom NONCES = new SecureRandom();

    /** One row of a group. */
    public record Row(String slug, String name, String status, String source, int exports, boolean served, String errors) {
        static Row of(Document d) {
            Object errs = d.get("errors");
            String e = errs instanceof List<?> l && !l.isEmpty() ? l.stream().map(o -> o instanceof Document x
                    ? x.get("path") + ": " + x.get("message") : String.valueOf(o)).reduce((a, b) -> a + "; " + b).orElse("") : null;
            return new Row(d.getString("slug"), d.get("name", d.getString("slug")), d.get("status", ""), d.get("source", ""),
                    d.get("export_count", 0), Boolean.TRUE.equals(d.get("served")), e);
        }
    }

    @Inject
    AdminService admin;
    @Inject
    SecurityIdentity identity;
    @Inject
    ImportMap importMap;
    @Inject
    @Location("admin/index.html")
    Template index;
    @Inject
    @Location("admin/experiment.html")
    Template experiment;
    @Inject
    @Location("admin/users.html")
    Template users;
    @Inject
    @Location("admin/roles.html")
    Template roles;
    @Inject
    @Location("admin/audit.html")
    Template audit;
    @Inject
    @Location("admin/data.html")
    Template data;

    /** The data browser of one experiment (the page calls /admin/api/experiments/{slug}/data). */
    @GET
    @Path("/experiments/{slug}/data")
    @Produces(MediaType.TEXT_HTML)
    public Response data(@PathParam("slug") String slug) {
        AdminService.requireSlug(slug);
        return html(data.data("user", identity.getPrincipal().getName()).data("slug", slug).render());
    }

    @GET
    @Path("/audit")
    @Produces(MediaType.TEXT_HTML)
    public Response audit() {
        return html(audit.data("user", identity.getPrincipal().getName()).render());
    }

    @GET
    @Path("/users")
    @Produces(MediaType.TEXT_HTML)
    public Response users() {
        return html(users.data("user", identity.getPrincipal().getName()).render());
    }

    @GET
    @Path("/roles")
    @Produces(MediaType.TEXT_HTML)
    public Response roles() {
        return html(roles.data("user", identity.getPrincipal().getName()).render());
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> dashboard() {
        return admin.list(null, AdminService.MAX_PAGE).map(d -> html(index
                .data("user", identity.getPrincipal().getName())
                .data("configured", rows(d, "configured"))
                .data("discovered", rows(d, "discovered"))
                .data("orphaned", rows(d, "orphaned"))
                .data("more", d.get("next") != null)
                .render()));
    }

    @GET
    @Path("/experiments/{slug}")
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> experiment(@PathParam("slug") String slug) {
        AdminService.requireSlug(slug);
        // the code editor adds one <style> element, allowed by this per-response nonce (not 'unsafe-inline')
        byte[] random = new byte[18];
        NONCES.nextBytes(random);
        String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        return admin.get(slug).onFailure(Failure.class).recoverWithItem(err -> {
            if (((Failure) err).kind() != Failure.Kind.NOT_FOUND) {
                throw (Failure) err;
            }
            return null;
        }).map(d -> html(experiment.data("user", identity.getPrincipal().getName()).data("slug", slug)
                .data("configured", d != null).data("statuses", AdminService.STATUSES).data("status", d == null ? "" : d.get("status", ""))
                .data("name", d == null ? slug : ((Document) d.get("manifest")).get("name", slug))
                .data("importmap", importMap.json()).data("styleNonce", nonce)
                .render(), importMap.cspHash(), nonce));
    }

    static List<Row> rows(Document d, String group) {
        return d.getList(group, Document.class).stream().map(Row::of).toList();
    }

    static Response html(String body) {
        return html(body, "", "");
    }

    /** scriptHash: one more allowed inline script (the page's import map), or ""; styleNonce: allowed style elements, or "". */
    static Response html(String body, String scriptHash, String styleNonce) {
        String scripts = scriptHash.isEmpty() ? "'self'" : "'self' " + scriptHash;
        String styles = styleNonce.isEmpty() ? "'self'" : "'self' 'nonce-" + styleNonce + "'";
        return Response.ok(body, "text/html; charset=utf-8").header("Cache-Control", "no-store")
                .header("Content-Security-Policy", "default-src 'self'; script-src " + scripts + "; style-src " + styles
                        + "; img-src 'self' data:; frame-ancestors 'none'")
                .header("X-Frame-Options", "DENY").build();
    }
}
