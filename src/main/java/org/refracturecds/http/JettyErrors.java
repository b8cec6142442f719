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
 * path, headers too large, a body too slow or too large), in the service's one shape: an
 * OperationOutcome with a code, never Jetty's HTML page. Jetty's own reason is not shown: it may
 * name a Java class.
 */
public final class JettyErrors extends ErrorHandler {

    private final ObjectMapper json;

    public JettyErrors(ObjectMapper json) {
        this.json = json;
    }

    /** The error for an HTTP status Jetty answers with. */
    static HttpError of(int status) {
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
            default -> status >= 500 ? new HttpError(status, "PVP-H500", null, "internal error; the service log has its"
                    + " details. Nothing was stored.") : new HttpError(status, "PVP-H400", null, "the request cannot be"
                    + " answered (HTTP " + status + ")");
        };
    }

    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                    Callback callback) throws JsonProcessingException {
        write(response, callback, of(status));
    }

    /** Answers {@code error} before the request is read to its end, and closes the connection. */
    void refuse(Response response, Callback callback, HttpError error) {
        response.setStatus(error.status());
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        try {
            write(response, callback, error);
        } catch (JsonProcessingException e) {
            callback.failed(e);
        }
    }

    private void write(Response response, Callback callback, HttpError error) throws JsonProcessingException {
        byte[] body = json.writeValueAsBytes(error.toOperationOutcome(json));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
