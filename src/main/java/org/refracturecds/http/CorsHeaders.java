package org.refracturecds.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * The CORS headers of an answer the service gives before Javalin sees the request (408, 413, 503
 * while stopping, Jetty's own errors), the same as Javalin's CORS plugin gives a 404 for the
 * configured {@code corsOrigins}: without them a browser client could not read why it was refused.
 * An origin is allowed when the list holds {@code "*"}, the origin itself, or a
 * {@code https://*.domain} pattern it falls under (an origin without a scheme means https).
 */
public final class CorsHeaders {

    /** The answer's headers a browser client may read besides the simple ones. */
    public static final String EXPOSED = RequestIds.HEADER;

    private final List<String> origins;

    public CorsHeaders(List<String> origins) {
        this.origins = origins.stream().map(CorsHeaders::withScheme).toList();
    }

    /** Adds the CORS headers to {@code response} when the request comes from an allowed origin. */
    public void add(Request request, Response response) {
        String allowed = allowedOrigin(request.getHeaders().get(HttpHeader.ORIGIN));
        if (allowed == null) {
            return;
        }
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        headers.put(HttpHeader.VARY, HttpHeader.ORIGIN.asString());
        headers.put(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
    }

    /** The value of {@code Access-Control-Allow-Origin} for a request's {@code Origin}, or null when it is not allowed. */
    public String allowedOrigin(String origin) {
        if (origin == null || origin.equals("null") || !isOrigin(origin)) {
            return null;
        }
        return origins.contains("*") ? "*" : matches(origin) ? origin : null;
    }

    private boolean matches(String origin) {
        String client = origin.toLowerCase(Locale.ROOT);
        for (String allowed : origins) {
            String own = allowed.toLowerCase(Locale.ROOT);
            if (own.equals(client)) {
                return true;
            }
            int wildcard = own.indexOf("://*.");
            if (wildcard > 0 && client.startsWith(own.substring(0, wildcard + 3))
                    && client.endsWith(own.substring(wildcard + 4))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isOrigin(String origin) {
        try {
            URI uri = new URI(origin);
            return uri.getScheme() != null && uri.getHost() != null && (uri.getPath() == null || uri.getPath().isEmpty());
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String withScheme(String origin) {
        return origin.equals("*") || origin.contains("://") ? origin : "https://" + origin;
    }
}
