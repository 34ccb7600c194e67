package com.modularlabs.auth;

import com.modularlabs.audit.AuditLog;
import com.modularlabs.common.Failure;
import com.mongodb.client.model.Filters;
import io.quarkus.mongodb.FindOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Updates;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * /admin/api/roles: list role → users (users.roles, is_admin, g.nome casbin_rule "g"), grant and revoke. Grants are
 * stored in users.roles (admin also keeps is_admin in sync for g.nome); revoking also removes casbin "g" rules.
 */
@Path("/admin/api/roles")
@RolesAllowed(Subjects.ADMIN_ROLE)
@Produces(MediaType.APPLICATION_JSON)
public class RoleAdminResource {
    @Inject
    UserStore store;
    @Inject
    IdentityCache cache;
    @Inject
    Sessions sessions;
    @Inject
    AuditLog audit;

    public record Grant(String email, String role) {
    }

    @GET
    public Uni<List<Map<String, Object>>> list() {
        Uni<List<Document>> users = store.users().find(Filters.or(Filters.exists("roles.0"), Filters.eq("is_admin", true)),
                new FindOptions().projection(Projections.include("email", "roles", "is_admin")).limit(10_000)).collect().asList();
        Uni<List<Document>> rules = store.casbin().find(Filters.eq("ptype", "g"),
                new FindOptions().projection(Projections.include("v0", "v1")).limit(10_000)).collect().asList();
        return Uni.combine().all().unis(users, rules).asTuple().map(t -> {
            Map<String, TreeSet<String>> byRole = new TreeMap<>();
            for (Document d : t.getItem1()) {
                for (String r : UserStore.rolesOf(d)) {
                    byRole.computeIfAbsent(r, k -> new TreeSet<>()).add(d.getString("email"));
                }
            }
            for (Document g : t.getItem2()) {
                String email = Subjects.normalizeEmail(g.getString("v0"));
                String role = Subjects.normalizeRole(g.getString("v1"));
                if (email != null && role != null) {
                    byRole.computeIfAbsent(role, k -> new TreeSet<>()).add(email);
                }
            }
            return byRole.entrySet().stream().map(e -> Map.<String, Object>of("role", e.getKey(), "users", List.copyOf(e.getValue()))).toList();
        });
    }

    @POST
    @Path("/grants")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> grant(Grant g) {
        String email = Subjects.requireEmail(g == null ? null : g.email());
        String role = Subjects.requireRole(g.role());
        Bson change = role.equals(Subjects.ADMIN_ROLE)
                ? Updates.combine(Updates.addToSet("roles", role), Updates.set("is_admin", true)) : Updates.addToSet("roles", role);
        audit.note().accept(new AuditLog.Note("roles.grant", null, email, null, role));
        return store.users().updateOne(Filters.eq("email", email), change).chain(r -> r.getMatchedCount() == 0
                        ? Uni.createFrom().failure(Failure.notFound("No user " + email))
                        : cache.changed(UserStore.USERS, email))
                .map(x -> Response.noContent().build());
    }

    @DELETE
    @Path("/grants")
    public Uni<Response> revoke(@QueryParam("email") String rawEmail, @QueryParam("role") String rawRole) {
        String email = Subjects.requireEmail(rawEmail);
        String role = Subjects.requireRole(rawRole);
        audit.note().accept(new AuditLog.Note("roles.revoke", null, email, role, null));
        // grants are matched the way checks read them (Subjects.normalizeRole: case-insensitive, "role:" prefix), so
        // g.nome's "Admin" or "role:Admin" rows and users.roles entries go too, not only the exact spelling "admin"
        return store.users().find(Filters.eq("email", email), new FindOptions().projection(Projections.include("_id", "roles")).limit(1))
                .collect().first().chain(user -> {
                    List<Object> spellings = new java.util.ArrayList<>();
                    spellings.add(role);
                    if (user != null && user.get("roles") instanceof List<?> held) {
                        held.stream().filter(r -> r instanceof String s && role.equals(Subjects.normalizeRole(s))).forEach(spellings::add);
                    }
                    Bson pull = Updates.pullAll("roles", spellings);
                    Bson change = role.equals(Subjects.ADMIN_ROLE) ? Updates.combine(pull, Updates.set("is_admin", false)) : pull;
                    return store.users().updateOne(Filters.eq("email", email), change)
                            .chain(() -> store.revokeCasbinRole(email, role))
                            .chain(() -> user == null ? Uni.createFrom().voidItem() : sessions.endAll(UserStore.idString(user.get("_id"))).replaceWithVoid())
                            .chain(() -> cache.changed(UserStore.CASBIN, email));
                })
                .map(x -> Response.noContent().build());
    }

    @POST
    @Path("/revoke")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> revokeJson(Grant g) {
        return revoke(g == null ? null : g.email(), g == null ? null : g.role());
    }
}
