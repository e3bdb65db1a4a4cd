package dev.cairn.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.TreeNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a JSON request body strictly (see {@link ControlJson#strict}), for every Cairn daemon's
 * API: anything but the one JSON object expected is refused with an {@link
 * IllegalArgumentException} that says what was wrong and where, in the words of the API (field
 * names as sent, never Java class names), for the daemon to answer 400 with.
 */
public final class RequestBodies {
    private static final ObjectMapper STRICT = ControlJson.strict();

    private RequestBodies() {}

    /** The body as a {@code type}; refuses an empty body, {@code null}, and anything malformed. */
    public static <T> T read(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw new IllegalArgumentException("request body is empty; expected a JSON object");
        }
        T value;
        try {
            value = STRICT.readValue(body, type);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException("unknown field '" + path(e) + "'");
        } catch (InvalidNullException e) {
            throw new IllegalArgumentException("malformed JSON: " + path(e) + " must not be null");
        } catch (MismatchedInputException e) {
            throw new IllegalArgumentException("malformed JSON: " + mismatch(e, body));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage());
        }
        if (value == null) {
            throw new IllegalArgumentException("request body is null; expected a JSON object");
        }
        return value;
    }

    /** What was expected where, and what came instead. */
    private static String mismatch(MismatchedInputException e, String body) {
        Class<?> target = e.getTargetType();
        if (target == null) {
            return e.getOriginalMessage();
        }
        String got = kind(at(body, e.getPath()));
        if (e.getPath().isEmpty() && got.isEmpty()) {
            return e.getOriginalMessage(); // not about a value's kind (text after the object, say)
        }
        return path(e) + " must be " + expected(target) + (got.isEmpty() ? "" : ", not " + got);
    }

    /** The value at {@code path} in {@code body} (which parsed as far as the mismatch), if it can be found. */
    private static JsonNode at(String body, List<JsonMappingException.Reference> path) {
        JsonNode node;
        try {
            node = STRICT.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        }
        for (JsonMappingException.Reference r : path) {
            if (node == null) {
                return null;
            }
            node = r.getFieldName() != null ? node.get(r.getFieldName()) : node.get(r.getIndex());
        }
        return node;
    }

    private static String kind(JsonNode n) {
        if (n == null) {
            return "";
        }
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> n.isIntegralNumber() ? "a whole number" : fraction(n);
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            default -> "";
        };
    }

    /** 1.5 is a fraction; 1e6 and 1000000.0 are whole numbers in a form the API does not take. */
    private static String fraction(JsonNode n) {
        double d = n.doubleValue();
        if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 0x1p63) {
            return "a number with an exponent or a decimal point (write " + (long) d + ")";
        }
        return "a fraction";
    }

    private static String expected(Class<?> target) {
        if (target == String.class) {
            return "a string";
        }
        if (target.isEnum()) {
            return "one of " + List.of(target.getEnumConstants());
        }
        if (target == Boolean.class || target == boolean.class) {
            return "true or false";
        }
        if (Number.class.isAssignableFrom(target) || target.isPrimitive()) {
            return "a whole number";
        }
        if (Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "a list";
        }
        if (Optional.class.isAssignableFrom(target) || TreeNode.class.isAssignableFrom(target)) {
            return "a value of another kind";
        }
        return Map.class.isAssignableFrom(target) || target.isRecord() ? "an object" : "a value of another kind";
    }

    /** The field as the request named it: {@code drives[0].id}. */
    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.isEmpty() ? "the body" : b.toString();
    }
}
