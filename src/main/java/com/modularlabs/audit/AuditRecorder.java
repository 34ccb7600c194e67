package com.modularlabs.audit;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import io.vertx.ext.web.RoutingContext;

/**
 * Records every successful admin write (POST, PUT, PATCH, DELETE under /admin/api) with who and when, plus the
 * resource's {@link AuditLog.Note} when it left one. Reads are not recorded.
 */
public class AuditRecorder {
    private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final Pattern SLUG = Pattern.compile("^/admin/api/experiments/([a-z0-9][a-z0-9_-]{0,47})(/.*)?$");

    @Inject
    AuditLog log;
    @Inject
    SecurityIdentity identity;

    @ServerResponseFilter
    public void recordAdminWrite(ContainerRequestContext req, ContainerResponseContext res, RoutingContext rc) {
        String path = req.getUriInfo().getPath();
        if (!WRITES.contains(req.getMethod()) || !path.startsWith("/admin/api/") || res.getStatus() >= 400) {
            return;
        }
        String actor = identity == null || identity.isAnonymous() ? "anonymous" : identity.getPrincipal().getName();
        AuditLog.Note note = rc == null ? null : rc.get(AuditLog.NOTE_KEY);
        log.record(actor, req.getMethod(), path, res.getStatus(), note).subscribe().with(x -> { }, e -> { });
    }

    /** The user id of /admin/api/users/{id}/..., the export id of /admin/api/exports/{id}. */
    static String targetOf(String path) {
        String[] segs = path.substring("/admin/api/".length()).split("/");
        return segs.length >= 2 && (segs[0].equals("users") || segs[0].equals("exports")) ? segs[1] : null;
    }

    static String slugOf(String path) {
        Matcher m = SLUG.matcher(path);
        return m.matches() ? m.group(1) : null;
    }

    /** A readable action name from the route: "experiments.status", "users.disable", "roles.grants"... */
    static String actionOf(String method, String path) {
        String rest = path.substring("/admin/api/".length());
        String[] segs = rest.split("/");
        StringBuilder b = new StringBuilder(segs[0]);
        if (segs[0].equals("experiments") && segs.length == 1) {
            return "experiments.create";
        }
        if (segs[0].equals("experiments") || segs[0].equals("users")) {
            // skip the slug or id segment
            for (int i = 2; i < segs.length; i++) {
                if (segs[0].equals("users") && segs[i - 1].equals("sessions")) {
                    break;
                }
                b.append('.').append(segs[i]);
            }
        } else {
            for (int i = 1; i < segs.length; i++) {
                b.append('.').append(segs[i]);
            }
        }
        String s = b.toString();
        if (method.equals("DELETE")) {
            return s + ".delete";
        }
        if (method.equals("PUT") && segs[0].equals("experiments") && segs.length == 2) {
            return "experiments.manifest";
        }
        return s;
    }
}
