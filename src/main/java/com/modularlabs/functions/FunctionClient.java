package com.modularlabs.functions;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.annotation.PreDestroy;

/**
 * The HTTP call to a function, on the JDK client (its own selector thread and executor: never an event loop).
 * Redirects are not followed (a function cannot bounce the engine to another host); the answer is read with a
 * size limit enforced while reading: past the limit the stream is cancelled and the call fails.
 */
@ApplicationScoped
public class FunctionClient {
    private final java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "labs-function-client");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).executor(executor).build();

    /** A function's raw answer. */
    public record Answer(int status, String contentType, byte[] body) {
    }

    /** The answer was larger than the function's body limit. */
    public static final class TooLarge extends RuntimeException {
        TooLarge() {
            super("function answer over the body limit", null, false, false);
        }
    }

    public CompletionStage<Answer> post(URI uri, byte[] body, Map<String, String> headers, Duration timeout, int maxBytes) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json").header("Accept", "application/json, application/problem+json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        CompletableFuture<HttpResponse<byte[]>> sent = http.sendAsync(b.build(), info -> limited(info, maxBytes));
        // the request timeout covers until the headers; the overall bound also covers a slowly trickling body
        return sent.orTimeout(timeout.toMillis() + 50, java.util.concurrent.TimeUnit.MILLISECONDS)
                .thenApply(r -> new Answer(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body()));
    }

    private static HttpResponse.BodySubscriber<byte[]> limited(HttpResponse.ResponseInfo info, int maxBytes) {
        long declared = info.headers().firstValueAsLong("content-length").orElse(-1);
        if (declared > maxBytes) {
            return HttpResponse.BodySubscribers.replacing(null); // never read; rejected below
        }
        return new Limited(maxBytes);
    }

    /** Collects the body, cancelling the stream as soon as it passes the limit. */
    static final class Limited implements HttpResponse.BodySubscriber<byte[]> {
        private final int max;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        Limited(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer bb : items) {
                if (out.size() + bb.remaining() > max) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge());
                    return;
                }
                byte[] chunk = new byte[bb.remaining()];
                bb.get(chunk);
                out.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }
}
