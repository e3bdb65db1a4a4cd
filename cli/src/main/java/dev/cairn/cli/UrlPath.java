package dev.cairn.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Puts user input into a URL path safely. */
final class UrlPath {
    private UrlPath() {}

    /** One path segment, percent-encoded (a name with '/' or '?' cannot reach another endpoint). */
    static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
