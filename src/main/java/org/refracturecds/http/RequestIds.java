package org.refracturecds.http;

import java.util.UUID;
import java.util.regex.Pattern;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.MDC;

/**
 * A request id on every answer ({@value #HEADER}) and on every log line written while the request
 * is worked on (the logging MDC key {@value #MDC_KEY}). The caller's id is kept when it is a sane
 * token (at most 64 of {@code A-Z a-z 0-9 . _ -}), so that one id follows a call through the
 * proxies and services it crosses; otherwise a new UUID is given.
 *
 * <p>Two handlers: {@link Assign}, outermost, gives the id and sets the header on every answer,
 * the ones answered before the service sees the request (408, 413) included; {@link Logged}, just
 * outside the service, holds it in the MDC on the thread that works on the request, which is not
 * always the one that read its headers (a body that arrives slowly is read without a thread).
 */
public final class RequestIds {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "requestId";
    private static final String ATTRIBUTE = RequestIds.class.getName();
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private RequestIds() {
    }

    /** The request's id; null before {@link Assign} has seen it. */
    public static String of(Request request) {
        return (String) request.getAttribute(ATTRIBUTE);
    }

    /** The caller's id when it is sane, otherwise a new one. */
    static String choose(String sent) {
        return sent != null && SANE.matcher(sent).matches() ? sent : UUID.randomUUID().toString();
    }

    /** Gives each request its id and puts it on the answer. */
    public static final class Assign extends Handler.Wrapper {

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String id = choose(request.getHeaders().get(HEADER));
            request.setAttribute(ATTRIBUTE, id);
            response.getHeaders().put(HEADER, id);
            MDC.put(MDC_KEY, id);
            try {
                return super.handle(request, response, callback);
            } finally {
                MDC.remove(MDC_KEY);
            }
        }
    }

    /** Holds the request's id in the MDC while the handlers inside work on it, on whatever thread. */
    public static final class Logged extends Handler.Wrapper {

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String id = of(request);
            if (id == null) {
                return super.handle(request, response, callback);
            }
            String before = MDC.get(MDC_KEY);
            MDC.put(MDC_KEY, id);
            try {
                return super.handle(request, response, callback);
            } finally {
                if (before == null) {
                    MDC.remove(MDC_KEY);
                } else {
                    MDC.put(MDC_KEY, before);
                }
            }
        }
    }
}
