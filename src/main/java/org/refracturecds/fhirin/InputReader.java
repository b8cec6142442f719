package org.refracturecds.fhirin;

import java.util.ArrayList;
import java.util.List;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.LenientErrorHandler;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads FHIR R4 JSON: a Bundle of any type, a single resource, or NDJSON (one resource a line).
 * Bundles are opened, so the result is a flat list of resources, each with where it was found.
 */
public final class InputReader {

    /**
     * A resource and where it stood in the input: "Bundle.entry[2]", "line 3".
     *
     * @param fullUrl its Bundle entry's fullUrl, or null: absolute references on the same server are its own
     */
    public record Entry(Resource resource, String where, String fullUrl) {

        public Entry(Resource resource, String where) {
            this(resource, where, null);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final FhirContext fhir;

    public InputReader(FhirContext fhir) {
        this.fhir = fhir;
    }

    public List<Entry> read(String text) throws InputException {
        if (text.isBlank()) {
            throw new InputException("PVP-E001", "the input", "is empty: send a FHIR Bundle, an Observation or NDJSON");
        }
        List<JsonNode> documents = documents(text);
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            String where = documents.size() == 1 ? "the input" : "line " + lineOf(text, i);
            JsonNode document = requireResource(documents.get(i), where);
            Resource resource = parse(documents.size() == 1 ? text : document.toString(), where);
            open(resource, resource instanceof Bundle ? bundleLabel(where) : where, null, entries);
        }
        return entries;
    }

    /** One resource that was already read as JSON (a CDS Hooks prefetch value), opened as a whole input. */
    public List<Entry> read(JsonNode document) throws InputException {
        requireResource(document, "the input");
        return entries(parse(document.toString(), "the input"), "the input");
    }

    private static JsonNode requireResource(JsonNode document, String where) throws InputException {
        if (!document.isObject() || !document.path("resourceType").isTextual()) {
            throw new InputException("PVP-E002", where, "is not a FHIR resource: a JSON object with"
                    + " \"resourceType\" is expected");
        }
        return document;
    }

    private static List<JsonNode> documents(String text) throws InputException {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> values = JSON.readerFor(JsonNode.class).readValues(text)) {
            while (values.hasNextValue()) {
                documents.add(values.nextValue());
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new InputException("PVP-E001", "line " + at.getLineNr() + ", column " + at.getColumnNr(),
                    "malformed JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new InputException("PVP-E001", "the input", "cannot be read: " + e.getMessage());
        }
        return documents;
    }

    /** The 1-based line of the n-th non-blank line, for NDJSON messages. */
    private static int lineOf(String text, int document) {
        String[] lines = text.split("\n", -1);
        int seen = -1;
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].isBlank() && ++seen == document) {
                return i + 1;
            }
        }
        return document + 1;
    }

    private Resource parse(String json, String where) throws InputException {
        IParser parser = fhir.newJsonParser();
        parser.setParserErrorHandler(new LenientErrorHandler(false).setErrorOnInvalidValue(true));
        try {
            return (Resource) parser.parseResource(json);
        } catch (DataFormatException | ClassCastException e) {
            throw new InputException("PVP-E002", where, "is not valid FHIR R4: "
                    + e.getMessage().replaceFirst("^HAPI-\\d+: ", ""));
        }
    }

    private static String bundleLabel(String where) {
        return where.equals("the input") ? "Bundle" : where + ": Bundle";
    }

    /** The resources of an already parsed resource: a Bundle's entries, or the resource itself. */
    public static List<Entry> entries(Resource resource, String where) {
        List<Entry> entries = new ArrayList<>();
        open(resource, resource instanceof Bundle ? bundleLabel(where) : where, null, entries);
        return entries;
    }

    private static void open(Resource resource, String where, String fullUrl, List<Entry> entries) {
        if (resource instanceof Bundle bundle) {
            for (int i = 0; i < bundle.getEntry().size(); i++) {
                Bundle.BundleEntryComponent entry = bundle.getEntry().get(i);
                if (entry.getResource() != null) {
                    open(entry.getResource(), where + ".entry[" + i + "]", entry.hasFullUrl() ? entry.getFullUrl() : null,
                            entries);
                }
            }
        } else {
            entries.add(new Entry(resource, where, fullUrl));
        }
    }
}
