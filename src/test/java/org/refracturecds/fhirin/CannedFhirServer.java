package org.refracturecds.fhirin;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A FHIR server in a test that answers what a real one should not: JSON written by hand, so that
 * it can be invalid R4 (a string "true" for a boolean) or page without end. Over a real socket on
 * 127.0.0.1. Patients (by their search's {@code patient=} parameter):
 * <ul>
 * <li>{@code good}: a Patient, one finding (an intravertebral cleft at T11), one Condition and no PVP;</li>
 * <li>{@code bad}: the same finding with {@code "valueBoolean": "true"}, a string;</li>
 * <li>{@code offbase}: a page of findings whose next link is on another server;</li>
 * <li>{@code endless}: pages whose next link always names one more page;</li>
 * <li>{@code loop}: a page whose next link names itself.</li>
 * </ul>
 * {@code GET Observation/ID} gives a finding of the patient {@code ID} names before its first dash.
 */
public final class CannedFhirServer implements AutoCloseable {

    public final String base;
    public final List<String> received = new CopyOnWriteArrayList<>();
    private final HttpServer http;

    public CannedFhirServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        base = "http://127.0.0.1:" + http.getAddress().getPort() + "/fhir";
        http.createContext("/fhir", this::answer);
        http.start();
    }

    static String finding(String patient, String id, String value) {
        return "{\"resourceType\":\"Observation\",\"id\":\"" + id + "\",\"status\":\"final\",\"code\":{\"coding\":"
                + "[{\"system\":\"https://fhir.refracture-cds.org/CodeSystem/pvp-findings\",\"code\":\"intravertebral-cleft\"}]},"
                + "\"subject\":{\"reference\":\"Patient/" + patient + "\"},\"effectiveDateTime\":\"2025-11-02\","
                + "\"bodySite\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"52120002\"}]},"
                + "\"valueBoolean\":" + value + "}";
    }

    private static String bundle(String next, String... resources) {
        StringBuilder entries = new StringBuilder();
        for (String resource : resources) {
            entries.append(entries.isEmpty() ? "" : ",").append("{\"resource\":").append(resource).append('}');
        }
        return "{\"resourceType\":\"Bundle\",\"type\":\"searchset\""
                + (next == null ? "" : ",\"link\":[{\"relation\":\"next\",\"url\":\"" + next + "\"}]")
                + ",\"entry\":[" + entries + "]}";
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath().substring("/fhir".length());
        String query = exchange.getRequestURI().getRawQuery() == null ? ""
                : URLDecoder.decode(exchange.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
        received.add(exchange.getRequestMethod() + " " + path + (query.isEmpty() ? "" : "?" + query));
        Matcher patientParam = Pattern.compile("(?:^|&)patient=([^&]+)").matcher(query);
        String patient = patientParam.find() ? patientParam.group(1) : null;
        Matcher pageParam = Pattern.compile("(?:^|&)page=(\\d+)").matcher(query);
        int page = pageParam.find() ? Integer.parseInt(pageParam.group(1)) : 1;
        String body;
        int status = 404;
        if (path.equals("/metadata")) {
            body = "{\"resourceType\":\"CapabilityStatement\",\"status\":\"active\",\"date\":\"2026-01-01\","
                    + "\"kind\":\"instance\",\"fhirVersion\":\"4.0.1\",\"format\":[\"json\"]}";
        } else if (path.startsWith("/Patient") && query.contains("nopatient") || path.equals("/Patient/nopatient")) {
            body = null; // a token whose scope does not cover Patient
            status = 403;
        } else if (path.startsWith("/Patient/")) {
            String id = path.substring("/Patient/".length());
            body = "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"birthDate\":\"1950-03-01\"}";
        } else if (path.equals("/Patient") && query.matches("(?:.*&)?_id=[^&]+.*")) {
            String id = query.replaceFirst("(?:.*&)?_id=([^&]+).*", "$1");
            body = bundle(null, "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"birthDate\":\"1950-03-01\"}");
        } else if (path.startsWith("/Observation/")) {
            String id = path.substring("/Observation/".length());
            String of = id.substring(0, id.indexOf('-'));
            body = finding(of, id, of.equals("bad") ? "\"true\"" : "true");
        } else if (path.equals("/Observation") && patient != null) {
            String self = base + "/Observation?patient=" + patient;
            body = switch (patient) {
                case "bad" -> bundle(null, finding("bad", "bad-ivc", "\"true\""));
                case "offbase" -> bundle("http://elsewhere.example/fhir/Observation?patient=offbase&page=2",
                        finding("offbase", "offbase-ivc", "true"));
                case "endless" -> bundle(self + "&page=" + (page + 1), finding("endless", "endless-ivc" + page, "true"));
                case "loop" -> bundle(self + "&page=1", finding("loop", "loop-ivc", "true"));
                default -> bundle(null, finding(patient, patient + "-ivc", "true"));
            };
        } else if (path.equals("/Condition") && patient != null) {
            body = bundle(null, "{\"resourceType\":\"Condition\",\"id\":\"" + patient + "-ms\",\"clinicalStatus\":"
                    + "{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/condition-clinical\","
                    + "\"code\":\"active\"}]},\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10\","
                    + "\"code\":\"C90.0\"}]},\"subject\":{\"reference\":"
                    + "\"Patient/" + patient + "\"}}");
        } else if (path.equals("/Procedure") && "noprocedures".equals(patient)) {
            body = null; // a token whose scope does not cover Procedure
            status = 403;
        } else if (path.equals("/Procedure") && patient != null) {
            body = bundle(null); // no PVP on record
        } else {
            body = null;
        }
        byte[] bytes = (body == null ? "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                + "\"code\":\"not-found\"}]}" : body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
        exchange.sendResponseHeaders(body == null ? status : 200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
