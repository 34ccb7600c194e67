package com.modularlabs.realtime;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A minimal Server-Sent Events client for tests: events land in a queue; heartbeats are skipped by {@link #next}. */
final class SseClient implements AutoCloseable {
    record Event(String id, String name, String data) {
    }

    static final Event CLOSED = new Event(null, "<closed>", null);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    final int status;
    final String body;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private Stream<String> lines;
    private Thread reader;

    private SseClient(int status, String body) {
        this.status = status;
        this.body = body;
    }

    static SseClient open(URI base, String slug, String subscribe, String bearer, String lastEventId) throws Exception {
        String url = base.resolve("/experiments/" + slug + "/api/_realtime?subscribe=" + URLEncoder.encode(subscribe, StandardCharsets.UTF_8))
                .toString();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<Stream<String>> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) {
            StringBuilder sb = new StringBuilder();
            r.body().forEach(sb::append);
            return new SseClient(r.statusCode(), sb.toString());
        }
        SseClient c = new SseClient(200, null);
        c.lines = r.body();
        c.reader = new Thread(c::read, "sse-test-reader");
        c.reader.setDaemon(true);
        c.reader.start();
        return c;
    }

    private void read() {
        String id = null;
        String name = "message";
        StringBuilder data = new StringBuilder();
        try {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        events.add(new Event(id, name, data.toString()));
                    }
                    id = null;
                    name = "message";
                    data.setLength(0);
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(data.length() > 0 ? "\n" : "").append(line.substring(5).strip());
                }
            }
        } catch (RuntimeException e) {
            // closed
        }
        events.add(CLOSED);
    }

    /** The next event other than a heartbeat; fails after a generous bound (an upper limit, not a timing check). */
    Event next() throws InterruptedException {
        while (true) {
            Event e = events.poll(20, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("no event within 20 s");
            }
            if (!e.name().equals("heartbeat")) {
                return e;
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (lines != null) {
            lines.close();
        }
    }
}
