package dev.cairn.control.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.cairn.control.api.ControlJson;
import dev.cairn.control.api.Views;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * What the HTTP server itself refuses before a request reaches the API (a malformed request line or
 * path, a path or header too long), answered in the API's error shape, {@code {"error": "..."}},
 * instead of Jetty's HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final String JSON_TYPE = "application/json";

    /** Errors of requests that were parsed but cannot be served (a path that does not decode). */
    @Override
    protected boolean generateAcceptableResponse(
            Request request,
            Response response,
            Callback callback,
            String contentType,
            List<Charset> charsets,
            int status,
            String message,
            Throwable cause) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
        // The server closes the connection after these (a request it could not parse leaves it in
        // no known state): say so, or a keep-alive client sends its next request into the void.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body(status, message)), callback);
        return true;
    }

    private static byte[] body(int status, String reason) {
        String what = HttpStatus.getMessage(status);
        String text = reason == null || reason.isBlank() || reason.equals(what) ? what : what + ": " + reason;
        try {
            return ControlJson.lenient().writeValueAsBytes(new Views.Problem("HTTP " + status + " " + text));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a problem record always encodes", e);
        }
    }
}
