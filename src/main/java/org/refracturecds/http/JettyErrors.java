package org.refracturecds.http;

import java.nio.ByteBuffer;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The errors Jetty answers itself, before a request reaches Javalin (a malformed request line or
 * path, headers too large, a body too slow or too large, a request while the service stops), in
 * the service's one shape: an OperationOutcome with a code, never Jetty's HTML page, with the same
 * CORS headers as the service's own answers and the request id. Jetty's own reason is not shown:
 * it may name a Java class.
 */
public final class JettyErrors extends ErrorHandler {

    private final ObjectMapper json;
    private final CorsHeaders cors;

    public JettyErrors(ObjectMapper json, CorsHeaders cors) {
        this.json = json;
        this.cors = cors;
    }

    /** The error for an HTTP status Jetty answers with; {@code requestId} names a 500 in the log, or is null. */
    static HttpError of(int status, String requestId) {
        return switch (status) {
            case 400 -> new HttpError(400, "PVP-H400", null, "the HTTP request is malformed (its request line, path or"
                    + " headers): send HTTP/1.1 with a percent-encoded path without control characters");
            case 404 -> new HttpError(404, "PVP-H404", "path", "nothing here; GET /cds-services lists the services");
            case 405 -> new HttpError(405, "PVP-H405", "method", "this method is not served here");
            case 408 -> new HttpError(408, "PVP-H408", null, "the request did not arrive in time");
            case 413 -> new HttpError(413, "PVP-H413", null, "the body is too large");
            case 414 -> new HttpError(414, "PVP-H414", null, "the URL is too long");
            case 431 -> new HttpError(431, "PVP-H431", null, "the request headers are too large (at most 8 KiB): send"
                    + " fewer or shorter headers");
            case 503 -> new HttpError(503, "PVP-H503", null, "the service is stopping: send the request again, to"
                    + " another node or in a moment");
            default -> status >= 500 ? internal(status, requestId) : new HttpError(status, "PVP-H400", null,
                    "the request cannot be answered (HTTP " + status + ")");
        };
    }

    /**
     * An internal error: the operator finds its log lines by the request id it names (every log
     * line of a request carries it).
     */
    public static HttpError internal(int status, String requestId) {
        return new HttpError(status, "PVP-H500", null, "internal error"
                + (requestId == null ? "" : " in request " + requestId) + "; the service log has its details"
                + (requestId == null ? "" : " under that request id") + ". Nothing was stored.");
    }

    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                    Callback callback) throws JsonProcessingException {
        write(request, response, callback, of(status, RequestIds.of(request)));
    }

    /** Answers {@code error} before the request is read to its end, and closes the connection. */
    void refuse(Request request, Response response, Callback callback, HttpError error) {
        response.setStatus(error.status());
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        try {
            write(request, response, callback, error);
        } catch (JsonProcessingException e) {
            callback.failed(e);
        }
    }

    private void write(Request request, Response response, Callback callback, HttpError error)
            throws JsonProcessingException {
        byte[] body = json.writeValueAsBytes(error.toOperationOutcome(json));
        cors.add(request, response);
        // A request Jetty refused before the handlers (a broken request line) has no id yet: it gets one here.
        String id = RequestIds.of(request);
        response.getHeaders().put(RequestIds.HEADER, id != null ? id : RequestIds.choose(request.getHeaders()
                .get(RequestIds.HEADER)));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
