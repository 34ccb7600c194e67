package com.modularlabs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.common.Failure;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import java.util.Set;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, "domain code stops throwing HTTP statuses": services, repositories and evaluators say what went wrong
 * with {@link Failure} and its kind; only the edge knows HTTP statuses. The edge, precisely, is a class (or a class
 * nested in one) that
 * <ul>
 * <li>is a JAX-RS resource (annotated {@code @Path}),</li>
 * <li>declares a Quarkus REST exception mapper or request/response filter method,</li>
 * <li>is an HTTP authentication mechanism,</li>
 * <li>installs Vert.x route handlers (a method taking the {@link Router}), which answer before JAX-RS runs, or</li>
 * <li>is one of {@link #EDGE_BY_ROLE}: the problem+json classes themselves and the realtime stream writer.</li>
 * </ul>
 * Everything else must not touch the HTTP status machinery: the problem+json classes (common.Problem*: the body, its
 * mapping, its HTML page; before issue 10 also the status-carrying ProblemException), JAX-RS responses and their statuses, WebApplicationException and its subclasses,
 * RestResponse, Netty's HttpResponseStatus, or setting a Vert.x response's status code.
 */
class HttpEdgeRulesTest {
    /** Edge classes that none of the structural tests above recognises, with the reason each is one. */
    static final Set<String> EDGE_BY_ROLE = Set.of(
            "com.modularlabs.common.Problem", // the problem+json body, sent by route handlers
            "com.modularlabs.common.ProblemMappers", // the one Failure.Kind -> status/title/headers mapping
            "com.modularlabs.common.ProblemPage", // the HTML rendering of a problem
            "com.modularlabs.realtime.Connection"); // writes the event stream's last "end" event, which carries a status

    static final DescribedPredicate<JavaClass> EDGE = DescribedPredicate.describe("at the HTTP edge", HttpEdgeRulesTest::atEdge);

    static final DescribedPredicate<JavaClass> HTTP_STATUS = DescribedPredicate.describe("HTTP status machinery",
            c -> c.getName().startsWith("com.modularlabs.common.Problem")
                    || c.isAssignableTo(Response.class) || c.isAssignableTo(Response.StatusType.class)
                    || c.isAssignableTo(Response.ResponseBuilder.class) || c.isAssignableTo(WebApplicationException.class)
                    || c.isAssignableTo(RestResponse.class) || c.isAssignableTo(HttpResponseStatus.class));

    static final ArchRule ONLY_THE_EDGE_KNOWS_STATUSES = noClasses().that(DescribedPredicate.not(EDGE))
            .should().dependOnClassesThat(HTTP_STATUS)
            .orShould().callMethod(HttpServerResponse.class, "setStatusCode", int.class)
            .because("domain code throws common.Failure (what went wrong); common.ProblemMappers maps it to a status");

    @Test
    void onlyTheEdgeKnowsHttpStatuses() {
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("com.modularlabs");
        assertTrue(main.contain("com.modularlabs.data.DataService"), "the rule must see the main classes");
        ONLY_THE_EDGE_KNOWS_STATUSES.check(main);
    }

    /** The rule can fail: a service that answers with a status, and one that sets it on the Vert.x response. */
    @Test
    void theRuleCatchesAServiceThatKnowsAStatus() {
        JavaClasses fixtures = new ClassFileImporter().importClasses(StatusService.class, VertxStatusService.class, FixtureResource.class);
        EvaluationResult r = ONLY_THE_EDGE_KNOWS_STATUSES.evaluate(fixtures);
        assertTrue(r.hasViolation());
        String report = String.join("\n", r.getFailureReport().getDetails());
        assertTrue(report.contains(StatusService.class.getName()) && report.contains(VertxStatusService.class.getName()), report);
        assertFalse(report.contains(FixtureResource.class.getName()), report);
    }

    private static boolean atEdge(JavaClass c) {
        for (Optional<JavaClass> k = Optional.of(c); k.isPresent(); k = k.get().getEnclosingClass()) {
            JavaClass t = k.get();
            if (EDGE_BY_ROLE.contains(t.getName()) || t.isAnnotatedWith(Path.class) || t.isAssignableTo(HttpAuthenticationMechanism.class)) {
                return true;
            }
            for (JavaMethod m : t.getMethods()) {
                if (m.isAnnotatedWith(ServerExceptionMapper.class) || m.isAnnotatedWith(ServerRequestFilter.class)
                        || m.isAnnotatedWith(ServerResponseFilter.class)
                        || m.getRawParameterTypes().stream().anyMatch(p -> p.isEquivalentTo(Router.class))) {
                    return true;
                }
            }
        }
        return false;
    }

    static class StatusService {
        Response refuse() {
            return Response.status(409).build();
        }
    }

    static class VertxStatusService {
        void refuse(HttpServerResponse res) {
            res.setStatusCode(409);
        }
    }

    @Path("/fixture")
    static class FixtureResource {
        Response refuse() {
            return Response.status(409).build();
        }
    }
}
