package com.modularlabs.common;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProblemPageTest {
    @Test
    void browsersGetHtmlApiClientsDoNot() {
        assertTrue(ProblemPage.wantsHtml("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"));
        assertFalse(ProblemPage.wantsHtml(null));
        assertFalse(ProblemPage.wantsHtml("*/*"));
        assertFalse(ProblemPage.wantsHtml("application/json"));
        assertFalse(ProblemPage.wantsHtml("application/problem+json, text/html"));
        assertFalse(ProblemPage.wantsHtml("text/html;q=0.5, application/json"));
        assertFalse(ProblemPage.wantsHtml("text/html;q=0"));
        assertFalse(ProblemPage.wantsHtml("text/html;q=abc"));
    }

    @Test
    void everythingFromTheProblemIsEscaped() {
        String page = ProblemPage.render(new Problem("about:blank", "Bad <Request>", 400, "no \"<script>\" here", "/x",
                List.of(new FieldError("$.a<b>", "bad & <i>wrong</i>"))));
        assertFalse(page.contains("<script>"), page);
        assertFalse(page.contains("<i>"), page);
        assertTrue(page.contains("<h1>400 Bad &lt;Request&gt;</h1>"), page);
        assertTrue(page.contains("<code>$.a&lt;b&gt;</code> bad &amp; &lt;i&gt;wrong&lt;/i&gt;"), page);
    }
}
