package com.modularlabs.functions;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP call to a function, on the Vert.x client: non-blocking on the event loops, connections kept alive and
 * pooled per function host (HTTP/1.1). Redirects are not followed (a function cannot bounce the engine to another
 * host); the answer is read with a size limit enforced while reading: past the limit the request is reset and the
 * call fails. One timer bounds the whole call, from connecting to the last byte of the answer.
 */
@ApplicationScoped
public class FunctionClient {
    @Inject
    Vertx vertx;
    @Inject
    FunctionsConfig config;

    private HttpClient http;

    @PostConstruct
    void init() {
        // every in-flight call may hold a connection: the pool is not the limit, the per-experiment concurrency is.
        // Idle connections are dropped after 4 s, before common servers drop them (Node.js: 5 s), so a call does not
        // race a server closing its end
        http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(4).setConnectTimeout(5000)
                .setTryUseCompression(false), new PoolOptions().setHttp1MaxSize(Math.max(64, config.concurrencyPerExperiment() * 8)));
    }

    /** A function's raw answer; body null when its declared length is over the limit (never read). */
    public record Answer(int status, String contentType, byte[] body) {
    }

    /** The answer was larger than the function's body limit. */
    public static final class TooLarge extends RuntimeException {
        TooLarge() {
            super("function answer over the body limit", null, false, false);
        }
    }

    public CompletionStage<Answer> post(URI uri, byte[] body, Map<String, String> headers, Duration timeout, int maxBytes) {
        CompletableFuture<Answer> out = new CompletableFuture<>();
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(uri.toString()).setFollowRedirects(false)
                .addHeader("Content-Type", "application/json").addHeader("Accept", "application/json, application/problem+json");
        headers.forEach(o::addHeader);
        long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), t -> out.completeExceptionally(new TimeoutException()));
        out.whenComplete((a, t) -> vertx.cancelTimer(timer));
        http.request(o).onFailure(out::completeExceptionally).onSuccess(req -> {
            out.whenComplete((a, t) -> {
                if (t != null) {
                    req.reset(); // timed out or too large: drop the connection, not the pool's other ones
                }
            });
            req.send(Buffer.buffer(body)).onFailure(out::completeExceptionally).onSuccess(resp -> read(resp, maxBytes, out));
        });
        return out;
    }

    private static void read(HttpClientResponse resp, int maxBytes, CompletableFuture<Answer> out) {
        String type = resp.getHeader("Content-Type");
        String type0 = type == null ? "" : type;
        String declared = resp.getHeader("Content-Length");
        try {
            if (declared != null && Long.parseLong(declared.trim()) > maxBytes) {
                out.complete(new Answer(resp.statusCode(), type0, null));
                resp.request().reset();
                return;
            }
        } catch (NumberFormatException e) {
            // the client refuses a malformed length itself
        }
        Buffer acc = Buffer.buffer();
        resp.exceptionHandler(out::completeExceptionally);
        resp.handler(chunk -> {
            if (out.isDone()) {
                return;
            }
            if (acc.length() + chunk.length() > maxBytes) {
                out.completeExceptionally(new TooLarge());
                return;
            }
            acc.appendBuffer(chunk);
        });
        resp.endHandler(v -> out.complete(new Answer(resp.statusCode(), type0, acc.getBytes())));
    }

    @PreDestroy
    void close() {
        if (http != null) {
            http.close();
        }
    }
}
