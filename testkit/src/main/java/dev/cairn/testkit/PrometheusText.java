package dev.cairn.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A page of the Prometheus text format (0.0.4), parsed into samples for assertions: what a
 * daemon's {@code GET /metrics} answered. Strict: a line it cannot read is an error with its line
 * number, so a malformed exposition fails the test rather than hiding a sample.
 */
public final class PrometheusText {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One sample: a metric name (with any _total, _bucket... suffix), its labels and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
        boolean matches(String wanted, Map<String, String> subset) {
            if (!name.equals(wanted)) {
                return false;
            }
            for (Map.Entry<String, String> e : subset.entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
    }

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types) {
        this.samples = List.copyOf(samples);
        this.types = Map.copyOf(types);
    }

    /** GETs {@code url} and parses the page; fails unless it is a 200 in the text format. */
    public static PrometheusText scrape(String url) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
        try {
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + url + ": HTTP " + r.statusCode() + ": " + r.body());
            }
            String type = r.headers().firstValue("Content-Type").orElse("");
            if (!type.startsWith("text/plain") || !type.contains("version=0.0.4")) {
                throw new AssertionError("GET " + url + ": content type '" + type + "' is not the text format 0.0.4");
            }
            return parse(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            try {
                if (line.startsWith("# TYPE ")) {
                    String[] parts = line.substring(7).split(" ", -1);
                    if (parts.length != 2) {
                        throw new IllegalArgumentException("a TYPE line needs a name and a type");
                    }
                    types.put(parts[0], parts[1]);
                } else if (!line.isEmpty() && !line.startsWith("#")) {
                    samples.add(sample(line));
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "line " + (i + 1) + " of the metrics is not the text format (" + e.getMessage() + "): " + line,
                        e);
            }
        }
        return new PrometheusText(samples, types);
    }

    private static Sample sample(String line) {
        int at = 0;
        while (at < line.length() && line.charAt(at) != '{' && line.charAt(at) != ' ') {
            at++;
        }
        String name = line.substring(0, at);
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("bad metric name '" + name + "'");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at = labels(line, at + 1, labels);
        }
        String[] rest = line.substring(at).strip().split(" ", -1);
        if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
            throw new IllegalArgumentException("expected a value and an optional timestamp");
        }
        return new Sample(name, Map.copyOf(labels), value(rest[0]));
    }

    /** Reads {@code a="x",b="y"}} from {@code at} (just past the brace); the index after '}'. */
    private static int labels(String line, int at, Map<String, String> into) {
        while (true) {
            if (line.charAt(at) == '}') {
                return at + 1;
            }
            int eq = line.indexOf('=', at);
            String key = line.substring(at, eq);
            if (!key.matches("[a-zA-Z_][a-zA-Z0-9_]*") || line.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException("bad label at column " + at);
            }
            StringBuilder value = new StringBuilder();
            int i = eq + 2;
            for (; line.charAt(i) != '"'; i++) {
                char c = line.charAt(i);
                if (c == '\\') {
                    char next = line.charAt(++i);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
            }
            if (into.put(key, value.toString()) != null) {
                throw new IllegalArgumentException("label '" + key + "' twice");
            }
            at = i + 1;
            if (line.charAt(at) == ',') {
                at++;
            }
        }
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The TYPE line's type of a metric family ({@code counter}, {@code gauge}, {@code histogram}...). */
    public Optional<String> type(String family) {
        return Optional.ofNullable(types.get(family));
    }

    /** Samples named {@code name} whose labels include {@code labels} ("key", "value", ...). */
    public List<Sample> find(String name, String... labels) {
        Map<String, String> subset = pairs(labels);
        return samples.stream().filter(s -> s.matches(name, subset)).toList();
    }

    /** The value of the one sample named {@code name} with {@code labels}; fails if there is not exactly one. */
    public double value(String name, String... labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples of " + name + " with " + pairs(labels)
                    + ", expected exactly one: " + found);
        }
        return found.getFirst().value();
    }

    /** The sum over every sample named {@code name} with {@code labels} (0 when there is none). */
    public double sum(String name, String... labels) {
        return find(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    private static Map<String, String> pairs(String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in pairs: key, value");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            m.put(labels[i], labels[i + 1]);
        }
        return m;
    }
}
