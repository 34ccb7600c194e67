package com.modularlabs.auth;

import com.modularlabs.audit.AuditLog;
import com.modularlabs.common.Failure;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/** /admin/api/users: list (projection, keyset paging), create, disable/enable, reset password, delete. Admins only. */
@Path("/admin/api/users")
@RolesAllowed(Subjects.ADMIN_ROLE)
@Produces(MediaType.APPLICATION_JSON)
public class UserAdminResource {
    static final int MAX_SEARCH = 100;
    @Inject
    UserStore store;
    @Inject
    Passwords passwords;
    @Inject
    IdentityCache cache;
    @Inject
    SecurityIdentity identity;
    @Inject
    Sessions sessions;
    @Inject
    AuditLog audit;

    public record NewUser(String email, String password, List<String> roles) {
    }

    public record NewPassword(String password) {
    }

    static Map<String, Object> view(Document d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", UserStore.idString(d.get("_id")));
        m.put("email", d.getString("email"));
        m.put("roles", new ArrayList<>(UserStore.rolesOf(d)));
        m.put("is_admin", UserStore.rolesOf(d).contains(Subjects.ADMIN_ROLE));
        m.put("disabled", Boolean.TRUE.equals(d.get("disabled")));
        m.put("email_verified", UserStore.verified(d));
        m.put("created_at", d.getDate("created_at") == null ? null : d.getDate("created_at").toInstant().toString());
        return m;
    }

    @GET
    public Uni<Map<String, Object>> list(@QueryParam("limit") Integer limit, @QueryParam("after") String after, @QueryParam("q") String q) {
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > 500) {
            throw Failure.malformed("limit must be between 1 and 500");
        }
        String search = q == null ? null : q.strip();
        if (search != null && search.length() > MAX_SEARCH) {
            throw Failure.malformed("q (the search text) is limited to " + MAX_SEARCH + " characters");
        }
        if (search != null && search.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw Failure.malformed("q (the search text) must not contain control characters");
        }
        return store.list(after, n, search).map(docs -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("items", docs.stream().map(UserAdminResource::view).toList());
            out.put("next", docs.size() == n ? UserStore.idString(docs.get(docs.size() - 1).get("_id")) : null);
            return out;
        });
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> create(NewUser u) {
        if (u == null) {
            throw Failure.malformed("A JSON body {email, password, roles} is required");
        }
        String email = Subjects.requireEmail(u.email());
        Subjects.requirePassword(u.password(), "$.password");
        List<String> roles = u.roles() == null ? List.of() : u.roles().stream().map(Subjects::requireRole).distinct().toList();
        boolean admin = roles.contains(Subjects.ADMIN_ROLE);
        audit.note().accept(new AuditLog.Note("users.create", null, email, null, Map.of("email", email, "roles", roles)));
        return passwords.hash(u.password())
                .chain(hash -> store.insertIfAbsent(email, hash, roles, admin))
                .chain(created -> created ? cache.changed(UserStore.USERS, email).chain(() -> store.findForLogin(email))
                        : Uni.createFrom().failure(Failure.conflict("A user with this e-mail address exists")))
                .map(d -> Response.status(201).entity(view(d)).build());
    }

    private Uni<Map<String, Object>> update(String id, org.bson.conversions.Bson change) {
        return store.users().findOneAndUpdate(Filters.eq("_id", UserStore.idValue(id)), change,
                        new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER).projection(UserStore.LIST_FIELDS))
                .onItem().ifNull().failWith(() -> Failure.notFound("No user " + id))
                .call(d -> cache.changed(UserStore.USERS, id))
                .map(UserAdminResource::view);
    }

    private void notSelf(String id, String what) {
        if (id.equals(identity.getAttribute(LabsIdentityProvider.USER_ID))) {
            throw Failure.conflict("You cannot " + what + " your own account");
        }
    }

    @POST
    @Path("/{id}/disable")
    public Uni<Map<String, Object>> disable(@PathParam("id") String id) {
        notSelf(id, "disable");
        return update(id, Updates.set("disabled", true)).call(x -> sessions.endAll(id));
    }

    @POST
    @Path("/{id}/enable")
    public Uni<Map<String, Object>> enable(@PathParam("id") String id) {
        return update(id, Updates.set("disabled", false));
    }

    @POST
    @Path("/{id}/password")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> resetPassword(@PathParam("id") String id, NewPassword p) {
        Subjects.requirePassword(p == null ? null : p.password(), "$.password");
        return passwords.hash(p.password()).chain(hash -> update(id, Updates.set("password_hash", hash)))
                .call(x -> sessions.endAll(id))
                .map(x -> Response.noContent().build());
    }

    /** The user's live sessions and API tokens (no token values: those are never stored). */
    @GET
    @Path("/{id}/sessions")
    public Uni<List<Map<String, Object>>> sessions(@PathParam("id") String id) {
        return sessions.list(id);
    }

    /** Ends every session and token of the user on every replica. */
    @DELETE
    @Path("/{id}/sessions")
    public Uni<Map<String, Object>> endSessions(@PathParam("id") String id) {
        return sessions.endAll(id).map(n -> Map.of("ended", n));
    }

    @DELETE
    @Path("/{id}/sessions/{sid}")
    public Uni<Response> endSession(@PathParam("id") String id, @PathParam("sid") String sid) {
        return sessions.end(id, sid).map(found -> {
            if (!found) {
                throw Failure.notFound("No session " + sid + " of user " + id);
            }
            return Response.noContent().build();
        });
    }

    @DELETE
    @Path("/{id}")
    public Uni<Response> delete(@PathParam("id") String id) {
        notSelf(id, "delete");
        return store.users().findOneAndDelete(Filters.eq("_id", UserStore.idValue(id)),
                        new com.mongodb.client.model.FindOneAndDeleteOptions().projection(Projections.include("email")))
                .onItem().ifNull().failWith(() -> Failure.notFound("No user " + id))
                .call(d -> store.dropCasbinGrants(d.getString("email")))
                .call(d -> sessions.endAll(id))
                .call(d -> cache.changed(UserStore.USERS, id))
                .map(d -> Response.noContent().build());
    }
}
