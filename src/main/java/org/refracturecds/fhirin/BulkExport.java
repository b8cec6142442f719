package org.refracturecds.fhirin;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a whole population by the FHIR Bulk Data Access system export
 * (https://hl7.org/fhir/uv/bulkdata/export.html): a kick-off
 * ({@code GET $export?_type=Patient,Observation,Condition,Procedure} with {@code Prefer: respond-async}
 * and the Observations filtered to the finding codes; every Procedure, of which the mapping reads the
 * PVPs), the status polled as the server's
 * {@code Retry-After} asks (at most {@value #MAX_WAIT_SECONDS} s apart), then each NDJSON file
 * downloaded and read as {@code assess} reads a file. The patients are those with a finding; each
 * comes with its Patient, Conditions and Procedures.
 */
public final class BulkExport {

    /** The longest wait between two polls, whatever the server asks. */
    static final int MAX_WAIT_SECONDS = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final Supplier<String> token;
    private final HttpClient http;
    private final Duration timeout;
    private final Consumer<String> progress;
    /** The status URL of the export kicked off and not yet done, or null. */
    private volatile String running;

    /**
     * @param token       the token to send as {@code Authorization: Bearer} on every request (and on the
     *                    downloads when the manifest requires it), or null for none ({@link ServerCredentials#token()})
     * @param progress    told, in words, how the server says its export is going at each poll
     */
    public BulkExport(String base, Supplier<String> token, Duration timeout, Consumer<String> progress) {
        this.base = base.replaceAll("/+$", "");
        this.token = token;
        this.timeout = timeout;
        this.progress = progress;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * Asks the server to cancel the export this run kicked off and still waits for (Bulk Data: DELETE
     * on its status URL), as a run stopped meanwhile does: its job would otherwise run on there, for
     * minutes, to no one. Says what was done: "" when no export waits.
     */
    public String cancel() {
        String status = running;
        if (status == null) {
            return "";
        }
        try {
            HttpResponse<Void> answer = http.send(authorized(HttpRequest.newBuilder(URI.create(status))
                    .timeout(Duration.ofSeconds(5)), true).DELETE().build(), HttpResponse.BodyHandlers.discarding());
            return answer.statusCode() == 202 || answer.statusCode() == 200
                    ? "; the server's export was cancelled (DELETE " + status + ")"
                    : "; the server did not cancel its export (DELETE " + status + ": HTTP " + answer.statusCode() + ")";
        } catch (IOException | InterruptedException | RuntimeException e) {
            // RuntimeException: the token could not be had (HttpError), when the run is stopping anyway
            return "; the server's export could not be cancelled (DELETE " + status + ": no answer)";
        }
    }

    /** True when the server's CapabilityStatement names the system operation {@code export}. */
    public static boolean offered(CapabilityStatement capabilities) {
        return capabilities.getRest().stream().flatMap(rest -> rest.getOperation().stream())
                .anyMatch(operation -> "export".equals(operation.getName()) || "$export".equals(operation.getName()));
    }

    /** Each patient with a finding, by id in the order of the export, with all its exported resources. */
    public Map<String, List<InputReader.Entry>> patients() throws PopulationReader.ReadFailed, InterruptedException {
        String status = kickOff();
        running = status;
        JsonNode manifest = poll(status);
        running = null;
        Map<String, List<InputReader.Entry>> byPatient = new LinkedHashMap<>();
        Map<String, List<InputReader.Entry>> others = new LinkedHashMap<>();
        References references = new References(base);
        InputReader reader = new InputReader(FhirContext.forR4Cached());
        for (JsonNode output : manifest.path("output")) {
            String url = output.path("url").asText();
            byte[] ndjson = send(request(url, "application/fhir+ndjson",
                    manifest.path("requiresAccessToken").asBoolean(false)), "the export file " + url)
                    .body();
            if (new String(ndjson, StandardCharsets.UTF_8).isBlank()) {
                continue; // a type with nothing to export
            }
            List<InputReader.Entry> entries;
            try {
                entries = reader.read(ndjson);
            } catch (InputException e) {
                throw new PopulationReader.ReadFailed("the export file " + url + ": " + e.render(), true);
            }
            for (InputReader.Entry entry : entries) {
                String patient = patientOf(entry, references);
                if (patient != null) {
                    (entry.resource() instanceof Observation ? byPatient : others)
                            .computeIfAbsent(patient, p -> new ArrayList<>()).add(entry);
                }
            }
        }
        byPatient.forEach((patient, entries) -> entries.addAll(others.getOrDefault(patient, List.of())));
        return byPatient;
    }

    /** The id of the patient a resource is of, or null when it names none of this server's. */
    private static String patientOf(InputReader.Entry entry, References references) {
        try {
            String reference = entry.resource() instanceof Patient patient ? "Patient/" + patient.getIdElement().getIdPart()
                    : entry.resource() instanceof Observation o ? references.patient(o.getSubject(), null, entry.where())
                    : entry.resource() instanceof Condition c ? references.patient(c.getSubject(), null, entry.where())
                    : entry.resource() instanceof Procedure p ? references.patient(p.getSubject(), null, entry.where())
                    : null;
            return reference != null && reference.startsWith("Patient/") ? reference.substring("Patient/".length()) : null;
        } catch (InputException notThisServers) {
            return null;
        }
    }

    private String kickOff() throws PopulationReader.ReadFailed, InterruptedException {
        String url = base + "/$export?_type=Patient,Observation,Condition,Procedure&_typeFilter="
                + URLEncoder.encode("Observation?code=" + String.join(",", Codes.findingTokens()), StandardCharsets.UTF_8);
        HttpRequest kickOff = authorized(HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Accept", "application/fhir+json").header("Prefer", "respond-async"), true).GET().build();
        HttpResponse<byte[]> response = send(kickOff, "the export's kick-off (GET " + base + "/$export)");
        String status = response.headers().firstValue("Content-Location").map(l -> URI.create(base + "/").resolve(l).toString())
                .orElse(null);
        if (response.statusCode() != 202 || status == null) {
            throw new PopulationReader.ReadFailed("the export's kick-off (GET " + base + "/$export): the server answered"
                    + " HTTP " + response.statusCode() + (status == null ? " without a Content-Location to poll" : ""),
                    true);
        }
        return status;
    }

    /** Polls until the export is done; its manifest. */
    private JsonNode poll(String status) throws PopulationReader.ReadFailed, InterruptedException {
        for (int polls = 1; ; polls++) {
            HttpResponse<byte[]> response = send(request(status, "application/json", true), "the export's status " + status);
            if (response.statusCode() == 200) {
                try {
                    return JSON.readTree(response.body());
                } catch (IOException e) {
                    throw new PopulationReader.ReadFailed("the export's status " + status + ": its manifest is not JSON",
                            true);
                }
            }
            if (response.statusCode() != 202) {
                throw new PopulationReader.ReadFailed("the export's status " + status + ": the server answered HTTP "
                        + response.statusCode() + " (the export failed there)", true);
            }
            int wait = retryAfter(response.headers().firstValue("Retry-After").orElse(null), polls);
            progress.accept("the server's export is not ready"
                    + response.headers().firstValue("X-Progress").map(p -> " (" + p + ")").orElse("")
                    + "; asking again in " + wait + " s");
            Thread.sleep(wait * 1000L);
        }
    }

    /** Seconds to wait: as Retry-After says (seconds or an HTTP date), else growing with the polls; 1 to 30. */
    static int retryAfter(String header, int polls) {
        long seconds;
        if (header == null) {
            seconds = Math.round(Math.pow(1.5, polls));
        } else if (header.strip().matches("\\d+")) {
            seconds = Long.parseLong(header.strip());
        } else {
            try {
                seconds = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(header.strip(),
                        DateTimeFormatter.RFC_1123_DATE_TIME)).toSeconds();
            } catch (RuntimeException notADate) {
                seconds = 5;
            }
        }
        return (int) Math.max(1, Math.min(MAX_WAIT_SECONDS, seconds));
    }

    private HttpRequest request(String url, String accept, boolean withToken) {
        return authorized(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Accept", accept), withToken)
                .GET().build();
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request, boolean withToken) {
        String bearer = withToken ? token.get() : null;
        return bearer != null ? request.header("Authorization", "Bearer " + bearer) : request;
    }

    private HttpResponse<byte[]> send(HttpRequest request, String what) throws PopulationReader.ReadFailed,
            InterruptedException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new PopulationReader.ReadFailed(what + ": the FHIR server at " + base + " is unreachable (no"
                    + " connection)", true);
        } catch (HttpTimeoutException e) {
            throw new PopulationReader.ReadFailed(what + ": the FHIR server at " + base + " did not answer in "
                    + timeout.toSeconds() + " s", true);
        } catch (IOException e) {
            throw new PopulationReader.ReadFailed(what + ": the connection to the FHIR server failed", true);
        }
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new PopulationReader.ReadFailed(what + ": the FHIR server answered HTTP " + response.statusCode()
                    + ": the credentials were missing or refused", true);
        }
        return response;
    }
}
