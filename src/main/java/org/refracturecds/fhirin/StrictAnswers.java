package org.refracturecds.fhirin;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicReference;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;

/**
 * Holds what a FHIR server answers to the rules of data sent to us: each JSON answer is checked as
 * a prefetch is ({@link InputReader}: read as sent, and FHIR R4 JSON) before HAPI's parser reads
 * it, which would coerce a string "true" to a boolean and drop an element it does not know. The
 * first problem is kept ({@link #problem()}) for the caller to refuse the answer with. Register one
 * on a client for one exchange (a search and its pages); XML and error answers are left to HAPI.
 */
public final class StrictAnswers implements IClientInterceptor {

    private final FhirContext fhir;
    private final AtomicReference<InputException> problem = new AtomicReference<>();

    public StrictAnswers(FhirContext fhir) {
        this.fhir = fhir;
    }

    /** The first problem found in an answer, or null. */
    public InputException problem() {
        return problem.get();
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
            problem.compareAndSet(null, e);
        }
    }
}
