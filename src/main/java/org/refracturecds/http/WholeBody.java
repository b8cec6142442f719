package org.refracturecds.http;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads a request's whole body before a worker thread takes the request: up to {@code maxBytes}
 * (413 past it, at once when Content-Length says more) and within {@code timeoutMillis} of the
 * request's first line (408 past it). The reads are asynchronous: a client that sends slowly holds
 * its connection, but no thread and no turn, so it cannot stall the calls of others.
 *
 * <p>After a 413 the rest of the body is read and dropped (when it is at most 4 times the limit,
 * within the same time) before the connection closes: closed with bytes unread, the connection
 * would be reset, and the client would see the reset instead of the answer. A client that sent
 * {@code Expect: 100-continue} (curl does for a body over 1 MB) sends no body after the 413: there
 * is nothing to wait for (waiting held the request open until the timeout, and a stop until
 * drainSeconds).
 */
public final class WholeBody extends Handler.Wrapper {

    private final long maxBytes;
    private final long timeoutMillis;
    private final JettyErrors errors;

    public WholeBody(long maxBytes, long timeoutMillis, JettyErrors errors) {
        this.maxBytes = maxBytes;
        this.timeoutMillis = timeoutMillis;
        this.errors = errors;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long length = request.getLength();
        boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING, HttpHeaderValue.CHUNKED.asString());
        if (length <= 0 && !chunked) {
            return super.handle(request, response, callback);
        }
        new Reader(request, response, callback, length).start();
        return true;
    }

    private enum State { READING, DROPPING, DONE }

    /** Reads one request's body as it arrives, then hands the request, its body in memory, to the next handler. */
    private final class Reader implements Invocable.Task {

        private final Request request;
        private final Response response;
        private final Callback callback;
        private final long length;
        private final AtomicReference<State> state = new AtomicReference<>(State.READING);
        private byte[] body;
        private int size;
        private long dropped;
        private volatile Scheduler.Task deadline;

        Reader(Request request, Response response, Callback callback, long length) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.length = length;
            // Grown as bytes arrive, never to the length announced: a client that announces 1 MiB
            // and sends nothing costs 8 KiB.
            this.body = new byte[(int) Math.min(length > 0 ? length : 8192, 8192)];
        }

        void start() {
            long left = timeoutMillis - NanoTime.millisSince(request.getBeginNanoTime());
            if (left <= 0) {
                expire(); // the headers alone took longer
                return;
            }
            deadline = request.getComponents().getScheduler().schedule(this::expire, left, TimeUnit.MILLISECONDS);
            if (length > maxBytes) {
                // Before any read, Jetty has not answered "100 Continue": a client that waits for it sends no body.
                tooLarge(request.getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString()));
            } else {
                read(true);
            }
        }

        /** Called by Jetty when more of the body has arrived. */
        @Override
        public void run() {
            read(false);
        }

        /**
         * Reads what has arrived without blocking, and asks to be called again when more does.
         *
         * @param onHandlingThread whether this is the thread Jetty handed the request to, which may
         *                         go on to handle it; a later call hands it to another thread
         */
        private void read(boolean onHandlingThread) {
            while (state.get() != State.DONE) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    // The client went away or sent a broken body: Jetty answers (400) or closes.
                    if (state.getAndSet(State.DONE) == State.READING) {
                        cancelDeadline();
                        callback.failed(chunk.getFailure());
                    } else {
                        finishDropping();
                    }
                    return;
                }
                int n = chunk.remaining();
                boolean last = chunk.isLast();
                if (state.get() == State.DROPPING) {
                    chunk.release();
                    dropped += n;
                    if (last || dropped > 4 * maxBytes) {
                        finishDropping();
                        return;
                    }
                    continue;
                }
                if (size + n > maxBytes) {
                    chunk.release();
                    tooLarge(false);
                    return;
                }
                if (size + n > body.length) {
                    body = Arrays.copyOf(body, (int) Math.min(maxBytes, Math.max(2L * body.length, size + n)));
                }
                chunk.getByteBuffer().get(body, size, n);
                size += n;
                chunk.release();
                if (last) {
                    if (state.compareAndSet(State.READING, State.DONE)) {
                        cancelDeadline();
                        if (onHandlingThread) {
                            handleNext();
                        } else {
                            request.getContext().execute(this::handleNext);
                        }
                    }
                    return;
                }
            }
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }

        /**
         * 413 at once; the rest of the body is then dropped as it arrives.
         *
         * @param sendsNoBody the client waits for "100 Continue", which it will not get: no body will come
         */
        private void tooLarge(boolean sendsNoBody) {
            if (state.compareAndSet(State.READING, State.DROPPING)) {
                HttpError error = new HttpError(413, "PVP-H413", null, "the body is larger than " + maxBytes
                        + " bytes (setting maxBodyBytes)");
                Runnable then = length > 4 * maxBytes || sendsNoBody ? this::finishDropping : () -> request.demand(this);
                errors.refuse(request, response, Callback.from(then, callback::failed), error);
            }
        }

        private void expire() {
            if (state.compareAndSet(State.READING, State.DONE)) {
                cancelDeadline();
                errors.refuse(request, response, callback, new HttpError(408, "PVP-H408", null, "the request did not arrive"
                        + " within " + timeoutMillis + " ms (setting requestTimeoutMillis): send it whole, at once"));
            } else {
                finishDropping();
            }
        }

        /** After a 413: enough was read; the connection may close. */
        private void finishDropping() {
            if (state.compareAndSet(State.DROPPING, State.DONE)) {
                cancelDeadline();
                callback.succeeded();
            }
        }

        private void cancelDeadline() {
            Scheduler.Task task = deadline;
            if (task != null) {
                task.cancel();
            }
        }

        private void handleNext() {
            Request read = new Read(request, Content.Source.from(ByteBuffer.wrap(body, 0, size)));
            try {
                if (!getHandler().handle(read, response, callback)) {
                    Response.writeError(request, response, callback, 404);
                }
            } catch (Throwable e) {
                Response.writeError(request, response, callback, e);
            }
        }
    }

    /** The request with its body already in memory. */
    private static final class Read extends Request.Wrapper {

        private final Content.Source body;

        Read(Request request, Content.Source body) {
            super(request);
            this.body = body;
        }

        @Override
        public Content.Chunk read() {
            return body.read();
        }

        @Override
        public void demand(Runnable demandCallback) {
            body.demand(demandCallback);
        }

        @Override
        public void fail(Throwable failure) {
            body.fail(failure);
        }
    }
}
