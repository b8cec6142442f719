package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.RequiredParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Prefetch left out: the service fetches from the EHR's FHIR server, a real HAPI RestfulServer on
 * Jetty that checks the bearer token and pages its results two at a time.
 */
class FhirFallbackTest {

    static final String TOKEN = "ehr-access-token-123";

    @TempDir
    static Path dir;
    static Server ehr;
    static String fhirBase;
    static RunningService service;
    /**
     * Searches by patient id and Authorization header: a search another test's call sent, arriving late
     * (a call refused at its first failed search leaves the others in flight), counts as its own.
     */
    static final Map<String, AtomicInteger> searches = new ConcurrentHashMap<>();

    /** The EHR's resources, taken from the examples, searched by patient; patient "slow" takes 2 s. */
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
                              HttpServletRequest request) throws InterruptedException {
            searches.computeIfAbsent(patient.getIdPart() + " " + request.getHeader("Authorization"), key -> new AtomicInteger())
                    .incrementAndGet();
            if (!("Bearer " + TOKEN).equals(request.getHeader("Authorization"))) {
                throw new AuthenticationException("bad token");
            }
            if (patient.getIdPart().equals("slow")) {
                Thread.sleep(2000);
            }
            List<T> found = new ArrayList<>();
            for (T resource : resources) {
                String subject = resource instanceof Observation o ? o.getSubject().getReference()
                        : ((Procedure) resource).getSubject().getReference();
                if (subject.equals("Patient/" + patient.getIdPart())) {
                    found.add(resource);
                }
            }
            return found;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        FhirContext fhir = FhirContext.forR4();
        JsonNode example = RunningService.example("patient-view.json");
        List<Observation> observations = new ArrayList<>();
        for (JsonNode entry : example.at("/prefetch/findings/entry")) {
            observations.add(fhir.newJsonParser().parseResource(Observation.class, entry.path("resource").toString()));
        }
        Bundle procedures = fhir.newJsonParser().parseResource(Bundle.class, example.at("/prefetch/procedures").toString());
        RestfulServer restful = new RestfulServer(fhir);
        restful.setResourceProviders(new Provider<>(Observation.class, observations),
                new Provider<>(Procedure.class, List.of((Procedure) procedures.getEntryFirstRep().getResource())));
        restful.setPagingProvider(new FifoMemoryPagingProvider(10).setDefaultPageSize(2).setMaximumPageSize(2));
        ehr = new Server();
        ServerConnector connector = new ServerConnector(ehr);
        connector.setHost("127.0.0.1");
        ehr.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(restful), "/fhir/*");
        ehr.setHandler(context);
        ehr.start();
        fhirBase = "http://127.0.0.1:" + connector.getLocalPort() + "/fhir";
        // One request at a time: a fetch must give its turn away, or it would hold up every other call.
        service = new RunningService(dir, Map.of("fhirServers", List.of(fhirBase), "fetchTimeoutMillis", 1000,
                "concurrentRequests", 1));
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
        ehr.stop();
    }

    static ObjectNode withoutPrefetch(String patient, String token) throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        request.remove("prefetch");
        ((ObjectNode) request.get("context")).put("patientId", patient);
        request.put("fhirServer", fhirBase);
        request.putObject("fhirAuthorization").put("access_token", token).put("token_type", "Bearer")
                .put("expires_in", 300).put("scope", "patient/Observation.read").put("subject", "cds-service");
        return request;
    }

    @Test
    void missingPrefetch_isFetchedWithTheTokenFollowingPages() throws Exception {
        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", withoutPrefetch("cleft", TOKEN));

        assertEquals(200, reply.status(), reply.body().toString());
        JsonNode card = CdsServiceTest.only(reply.body().path("cards"));
        assertEquals("After PVP: refracture risk T11 57% (High)", card.path("summary").asText(),
                "the same card as with prefetch: all 5 findings came, over 3 pages: " + card.path("detail").asText());
    }

    @Test
    void tokenRefused_is412SayingWhatCouldNotBeFetched() throws Exception {
        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", withoutPrefetch("cleft", "wrong"));

        assertEquals(412, reply.status());
        assertEquals("PVP-H303", reply.errorCode());
        assertTrue(reply.body().at("/issue/0/details/text").asText().contains("HTTP 401"));
    }

    @Test
    void serverTooSlow_givesACardSayingWhatWasNotFetched() throws Exception {
        long start = System.nanoTime();
        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", withoutPrefetch("slow", TOKEN));
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(200, reply.status());
        JsonNode card = CdsServiceTest.only(reply.body().path("cards"));
        assertEquals("info", card.path("indicator").asText());
        assertTrue(card.path("detail").asText().contains("within 1000 ms: findings, procedures"), card.path("detail").asText());
        assertTrue(millis < 1900, "answered on the budget, not when the server finished: " + millis + " ms");
    }

    @Test
    void prefetchSent_isUsedWithoutFetching() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        request.put("fhirServer", fhirBase);
        // a call without fhirAuthorization: any search it made would come without a token
        int before = searches.computeIfAbsent("cleft null", key -> new AtomicInteger()).get();

        assertEquals(200, service.post("/cds-services/pvp-refracture-risk", request).status());

        assertEquals(before, searches.get("cleft null").get());
    }

    @Test
    void callWaitingOnTheFhirServer_letsOtherCallsBeAnswered() throws Exception {
        CompletableFuture<RunningService.Reply> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return service.post("/cds-services/pvp-refracture-risk", withoutPrefetch("slow", TOKEN));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        long start = System.nanoTime();
        RunningService.Reply quick = service.post("/cds-services/pvp-refracture-risk", RunningService.example("patient-view.json"));
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(200, quick.status());
        assertTrue(!slow.isDone() && millis < 700, "answered while the other call waited on the FHIR server: " + millis + " ms");
        assertEquals(200, slow.get().status());
    }
}
