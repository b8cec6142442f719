package org.refracturecds.fhirin;

import java.io.IOException;
import java.io.InputStream;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;

/**
 * Holds what a FHIR server answers to the rules of data sent to us: each JSON answer is checked as
 * a prefetch is ({@link InputReader}: read as sent, and FHIR R4 JSON) before HAPI's parser reads
 * it, which would coerce a string "true" to a boolean and drop an element it does not know. The
 * first problem is kept ({@link #problem()}) for the caller to refuse the answer with. XML and
 * error answers are left to HAPI.
 *
 * <p>The problem is kept per thread: HAPI runs a request's interceptors on the thread that made it,
 * so one instance may serve a client that several threads share, each taking ({@link #take()}) the
 * problems of its own requests.
 */
public final class StrictAnswers implements IClientInterceptor {

    private final FhirContext fhir;
    private final ThreadLocal<InputException> problem = new ThreadLocal<>();

    public StrictAnswers(FhirContext fhir) {
        this.fhir = fhir;
    }

    /** The first problem found in an answer to this thread since it last took one, or null. */
    public InputException problem() {
        return problem.get();
    }

    /** {@link #problem()}, forgotten: the next answers to this thread start clean. */
    public InputException take() {
        InputException taken = problem.get();
        problem.remove();
        return taken;
    }

    @Override
    public void interceptRequest(IHttpRequest request) {
    }

    @Override
    public void interceptResponse(IHttpResponse response) throws IOException {
        String type = response.getMimeType();
        if (response.getStatus() / 100 != 2 || type == null || !type.contains("json")) {
            return;
        }
        response.bufferEntity();
        byte[] body;
        try (InputStream in = response.readEntity()) {
            body = in.readAllBytes();
        }
        try {
            new InputReader(fhir).read(body);
        } catch (InputException e) {
            if (problem.get() == null) {
                problem.set(e);
            }
        }
    }
}
