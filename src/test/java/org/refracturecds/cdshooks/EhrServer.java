package org.refracturecds.cdshooks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.RequiredParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The EHR's FHIR server in a test: a real HAPI RestfulServer on Jetty (127.0.0.1, a free port)
 * holding the patient-view example's Patient, Observations and Procedure (and no Condition or order),
 * and patient {@value #TREATED}, the same but for the post-operative findings,
 * searched by patient (the Patient by _id), that pages its results as set and records each HTTP
 * request it gets.
 */
final class EhrServer implements AutoCloseable {

    /** One HTTP request as the server received it. */
    record Received(String uri, String cacheControl) {
    }

    /** The patient whose PVP is on record with only its vertebra's pre-operative findings. */
    static final String TREATED = "treated";
    final String base;
    final List<Received> received = new CopyOnWriteArrayList<>();
    private final Server jetty;

    /** A search of one resource type by patient; the code parameter is accepted and not used. */
    static final class Provider<T extends Resource> implements IResourceProvider {
        private final Class<T> type;
        private final List<T> resources;

        Provider(Class<T> type, List<T> resources) {
            this.type = type;
            this.resources = resources;
        }

        @Override
        public Class<T> getResourceType() {
            return type;
        }

        @Search
        public List<T> search(@RequiredParam(name = "patient") ReferenceParam patient,
                              @OptionalParam(name = "code") TokenOrListParam code,
                              @OptionalParam(name = "clinical-status") TokenOrListParam status) {
            return resources.stream().filter(r -> subject(r).equals("Patient/" + patient.getIdPart())).toList();
        }

        private static String subject(Resource resource) {
            Reference subject = resource instanceof Observation o ? o.getSubject()
                    : resource instanceof Procedure p ? p.getSubject()
                    : resource instanceof ServiceRequest r ? r.getSubject() : ((Condition) resource).getSubject();
            return subject.getReference();
        }
    }

    /** The Patient, searched by _id as a fetch of the patient prefetch does (Patient?_id=ID). */
    static final class Patients implements IResourceProvider {
        private final List<Patient> patients;

        Patients(List<Patient> patients) {
            this.patients = patients;
        }

        @Override
        public Class<Patient> getResourceType() {
            return Patient.class;
        }

        @Search
        public List<Patient> search(@RequiredParam(name = "_id") TokenParam id) {
            return patients.stream().filter(p -> p.getIdElement().getIdPart().equals(id.getValue())).toList();
        }
    }

    /**
     * @param pageSize    the page size when the client asks for none, or 0 for one page
     * @param maxPageSize the largest page the server gives, whatever _count asks
     */
    EhrServer(int pageSize, int maxPageSize) throws Exception {
        FhirContext fhir = FhirContext.forR4Cached();
        JsonNode example = RunningService.example("patient-view.json");
        List<Observation> observations = new ArrayList<>();
        for (JsonNode entry : example.at("/prefetch/findings/entry")) {
            observations.add(fhir.newJsonParser().parseResource(Observation.class, entry.path("resource").toString()));
        }
        Bundle procedures = fhir.newJsonParser().parseResource(Bundle.class, example.at("/prefetch/procedures").toString());
        Procedure pvp = (Procedure) procedures.getEntryFirstRep().getResource();
        RestfulServer restful = new RestfulServer(fhir);
        Patient patient = fhir.newJsonParser().parseResource(Patient.class, example.at("/prefetch/patient").toString());
        // Patient treated: the same PVP on record, its vertebra's pre-operative findings alone (IVC, endplate).
        Patient treated = patient.copy();
        treated.setId(TREATED);
        for (Observation finding : List.copyOf(observations.subList(0, 2))) {
            Observation copy = finding.copy().setSubject(new Reference("Patient/" + TREATED));
            copy.setId(TREATED + "-" + finding.getIdPart());
            observations.add(copy);
        }
        Procedure treatedPvp = pvp.copy().setSubject(new Reference("Patient/" + TREATED));
        treatedPvp.setId(TREATED + "-pvp");
        restful.setResourceProviders(new Provider<>(Observation.class, observations),
                new Provider<>(Procedure.class, List.of(pvp, treatedPvp)),
                new Provider<>(Condition.class, List.of()), new Provider<>(ServiceRequest.class, List.of()),
                new Patients(List.of(patient, treated)));
        if (pageSize > 0) {
            restful.setPagingProvider(new FifoMemoryPagingProvider(10).setDefaultPageSize(pageSize)
                    .setMaximumPageSize(maxPageSize));
        }
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(restful), "/fhir/*");
        jetty.setHandler(new Handler.Wrapper(context) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                received.add(new Received(request.getHttpURI().getPathQuery(),
                        request.getHeaders().get(HttpHeader.CACHE_CONTROL)));
                return super.handle(request, response, callback);
            }
        });
        jetty.start();
        base = "http://127.0.0.1:" + connector.getLocalPort() + "/fhir";
    }

    /** Answers each search a few times, so that the server, like an EHR's, answers in milliseconds. */
    void warm() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (int i = 0; i < 5; i++) {
            for (String search : List.of("Observation?patient=cleft", "Procedure?patient=cleft", "Condition?patient=cleft")) {
                http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/" + search)).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
            }
        }
        received.clear();
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
    }
}
