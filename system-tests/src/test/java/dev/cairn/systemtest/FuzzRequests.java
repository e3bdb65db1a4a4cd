package dev.cairn.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Generates the REST fuzzer's requests: every route the controller's OpenAPI document lists (which
 * a unit test holds equal to the routes it serves), with path parameters that exist, do not, or are
 * garbage (percent-encodings, very long, not decodable), the expected method or another, a token of
 * every role or a wrong or missing one, and a body valid or mutated ({@link FuzzBodies}).
 */
final class FuzzRequests {
    /** One request. {@code raw}: its path is not a valid URI, so it goes over a socket as written. */
    static final class Request {
        private final String route;
        private final String method;
        private final String path;
        private final String role;
        private final byte[] body;
        private final boolean mutating;
        private final boolean raw;

        Request(String route, String method, String path, String role, byte[] body, boolean mutating, boolean raw) {
            this.route = route;
            this.method = method;
            this.path = path;
            this.role = role;
            this.body = body;
            this.mutating = mutating;
            this.raw = raw;
        }

        /** The route it was made for ("POST /v1/volumes"), whatever its method and path became. */
        String route() {
            return route;
        }

        String method() {
            return method;
        }

        String path() {
            return path;
        }

        /** admin, read, node (their tokens), none, wrong (a bearer token of no one), basic. */
        String role() {
            return role;
        }

        /** The body to send, or null for none; never changed once made. */
        byte[] body() {
            return body;
        }

        /** Not a GET, HEAD or OPTIONS: it could change the state. */
        boolean mutating() {
            return mutating;
        }

        boolean raw() {
            return raw;
        }

        @Override
        public String toString() {
            String b = body == null ? "" : new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
            return method + " " + (path.length() > 300 ? path.substring(0, 300) + "..." : path) + " [" + role + "] " + b
                    + (body != null && body.length > 300 ? "... (" + body.length + " bytes)" : "");
        }
    }

    /** A route of the API: its method and path template. */
    record Route(String method, String template) {
        String key() {
            return method + " " + template;
        }
    }

    private static final Pattern PARAM = Pattern.compile("\\{([a-z]+)}");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
    private static final List<String> ROLES = List.of("admin", "read", "node", "none", "wrong", "basic");

    /** Garbage for a path segment; those marked raw are not valid in a URI at all. */
    private static final List<String> GARBAGE = List.of(
            "",
            "x",
            "..",
            ".",
            "%2e%2e",
            "%00",
            "%ff",
            "a%20b",
            "%C3%A9t%C3%A9",
            "1-2-3-4-5",
            "null",
            "-1",
            "9223372036854775808",
            "%2F",
            "a;b=c",
            "*",
            "%25",
            "%E2%80%AE",
            "00000000-0000-0000-0000-000000000000",
            "ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ",
            "x".repeat(70));

    private static final List<String> RAW_GARBAGE = List.of("%zz", "a b", "\"q\"", "<x>", "{y}", "a|b", "%", "\\");

    private final List<Route> routes;

    FuzzRequests(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    /** The routes of the OpenAPI document: every path and each of its methods. */
    static List<Route> routesOf(JsonNode openapi) {
        List<Route> routes = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : openapi.get("paths").properties()) {
            path.getValue()
                    .fieldNames()
                    .forEachRemaining(m -> routes.add(new Route(m.toUpperCase(Locale.ROOT), path.getKey())));
        }
        return routes;
    }

    Request next(Random r, FuzzTargets t) {
        Route route = routes.get(r.nextInt(routes.size()));
        String method = r.nextInt(20) == 0 ? METHODS.get(r.nextInt(METHODS.size())) : route.method();
        boolean[] raw = {false};
        StringBuilder path = new StringBuilder();
        Matcher m = PARAM.matcher(route.template());
        while (m.find()) {
            m.appendReplacement(path, Matcher.quoteReplacement(param(m.group(1), r, t, raw)));
        }
        m.appendTail(path);
        path.append(query(route, r));
        String role = r.nextInt(10) < 8 ? rightRole(route, method) : ROLES.get(r.nextInt(ROLES.size()));
        JsonNode valid = FuzzBodies.valid(route.key(), r, t);
        byte[] body = method.equals("GET") || method.equals("HEAD") ? null : FuzzBodies.render(valid, r);
        boolean mutating = !method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS");
        return new Request(route.key(), method, path.toString(), role, body, mutating, raw[0]);
    }

    private static String rightRole(Route route, String method) {
        if (route.template().startsWith("/v1/internal/")) {
            return "node";
        }
        return method.equals("GET") ? "read" : "admin";
    }

    private static String param(String name, Random r, FuzzTargets t, boolean[] raw) {
        int dice = r.nextInt(10);
        if (dice == 9) {
            if (r.nextInt(4) == 0) {
                raw[0] = true;
                return RAW_GARBAGE.get(r.nextInt(RAW_GARBAGE.size()));
            }
            return r.nextInt(40) == 0 ? "y".repeat(5_000 + r.nextInt(20_000)) : GARBAGE.get(r.nextInt(GARBAGE.size()));
        }
        if (dice == 8) {
            return FuzzTargets.uuid(r); // well formed, refers to nothing
        }
        return switch (name) {
            case "id" -> dice == 7 ? t.pick(r, t.nodes()).toUpperCase(Locale.ROOT) : t.pick(r, t.nodes());
            case "volume" ->
                dice < 4
                        ? t.pick(r, t.available().isEmpty() ? t.volumeNames() : t.available())
                        : t.pick(r, t.volumeIds());
            case "name" -> dice < 6 ? t.pick(r, t.classes()) : "fzc-" + r.nextInt(4);
            case "leg" -> dice < 5 ? Integer.toString(r.nextInt(6)) : t.pick(r, t.extents());
            case "extent" -> dice < 6 ? t.pick(r, t.orphans()) : t.pick(r, t.extents());
            case "host" ->
                dice < 7 ? t.pick(r, t.hosts()) : URLEncoder.encode("h é/" + r.nextInt(9), StandardCharsets.UTF_8);
            default -> throw new IllegalArgumentException("no values for path parameter " + name);
        };
    }

    private static String query(Route route, Random r) {
        if (route.template().endsWith("/desired")) {
            List<String> parts = new ArrayList<>();
            if (r.nextInt(4) != 0) {
                parts.add("after="
                        + List.of("-1", "0", "5", "1000000", Long.toString(Long.MAX_VALUE), "soon", "", "1e3")
                                .get(r.nextInt(8)));
            }
            if (r.nextInt(3) == 0) {
                // Long waits are rare: each holds one of the fuzzer's workers for up to 30 s.
                String wait = r.nextInt(500) == 0
                        ? "999999999"
                        : List.of("0", "1", "50", "-5", "x").get(r.nextInt(5));
                parts.add("waitMillis=" + wait);
            }
            return parts.isEmpty() ? "" : "?" + String.join("&", parts);
        }
        if (route.template().endsWith("/replicas/{leg}") && r.nextBoolean()) {
            return "?force=" + List.of("true", "false", "yes", "").get(r.nextInt(4));
        }
        return r.nextInt(50) == 0 ? "?unknown=" + r.nextInt() : "";
    }
}
