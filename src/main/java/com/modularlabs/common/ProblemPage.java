package com.modularlabs.common;

import java.util.Locale;

/** The HTML rendering of a {@link Problem} for browsers (chosen by Accept in {@link ProblemMappers}). */
public final class ProblemPage {
    private ProblemPage() {
    }

    /**
     * True when Accept ranks text/html (or application/xhtml+xml) strictly above every JSON type it names. Browsers
     * send text/html first; fetch() and API clients send JSON types or {@code *}/{@code *} only.
     */
    public static boolean wantsHtml(String accept) {
        if (accept == null || accept.length() > 2000) {
            return false;
        }
        double html = -1;
        double json = -1;
        for (String part : accept.split(",")) {
            String[] f = part.trim().split(";");
            String type = f[0].trim().toLowerCase(Locale.ROOT);
            double q = 1;
            for (int i = 1; i < f.length; i++) {
                String param = f[i].trim();
                if (param.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(param.substring(2));
                    } catch (NumberFormatException bad) {
                        q = 0;
                    }
                }
            }
            if (type.equals("text/html") || type.equals("application/xhtml+xml")) {
                html = Math.max(html, q);
            } else if (type.endsWith("/json") || type.endsWith("+json")) {
                json = Math.max(json, q);
            }
        }
        return html > 0 && html > json;
    }

    public static String render(Problem p) {
        StringBuilder errors = new StringBuilder();
        if (p.errors() != null && !p.errors().isEmpty()) {
            errors.append("<ul class=\"errors\">");
            for (FieldError e : p.errors()) {
                errors.append("<li><code>").append(esc(e.path())).append("</code> ").append(esc(e.message())).append("</li>");
            }
            errors.append("</ul>");
        }
        String title = p.status() + " " + esc(p.title());
        String back = p.status() == 401 ? "<a href=\"/auth/login\">Log in</a>" : "<a href=\"/\">Home</a> · <a href=\"/admin\">Admin</a>";
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"stylesheet\" href=\"/labs.css\">"
                + "<title>" + title + "</title></head><body class=\"error-page\"><main><h1>" + title + "</h1><p class=\"detail\">"
                + esc(p.detail()) + "</p>" + errors + "<p>" + back + "</p></main></body></html>";
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
