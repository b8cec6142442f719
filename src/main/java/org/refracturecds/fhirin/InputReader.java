package org.refracturecds.fhirin;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.JsonParser;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.parser.json.jackson.JacksonStructure;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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

    /** Where the resource of an input of one JSON document is: NDJSON's say their line. */
    private static final String ONE_DOCUMENT = "the input";

    private final FhirContext fhir;
    /** Whether a Bundle that is only part of a search is refused: so for what a user sends, not for a server's pages. */
    private final boolean wholeOnly;

    /** A reader of a FHIR server's answers, or of what is checked for partial Bundles before (a prefetch). */
    public InputReader(FhirContext fhir) {
        this(fhir, false);
    }

    private InputReader(FhirContext fhir, boolean wholeOnly) {
        this.fhir = fhir;
        this.wholeOnly = wholeOnly;
    }

    /**
     * A reader of what a user sends as the whole of a patient's data (a file, the operation's findings),
     * which refuses a Bundle that is only part of a search ({@link PartialBundles}, {@code PVP-E013}).
     */
    public static InputReader ofWholeInput(FhirContext fhir) {
        return new InputReader(fhir, true);
    }

    /**
     * One JSON document (a Bundle or a resource), or NDJSON: one resource on each line. The JSON
     * must be read as sent ({@link StrictJson}) and be FHIR R4 JSON ({@link FhirJsonCheck}), or
     * the whole input is refused.
     */
    public List<Entry> read(String text) throws InputException {
        List<StrictJson.Line> lines = StrictJson.ndjsonLines(text);
        if (lines != null) {
            // NDJSON: each line read as JSON, checked and parsed on any core, its tree dropped once parsed,
            // so the trees of the whole file are never held at once.
            List<Entry> entries = parse(lines.size(), i -> lines.set(i, null).read(),
                    lines.stream().mapToInt(StrictJson.Line::number).toArray());
            if (entries != null) {
                return entries;
            }
            // A line is not JSON that can be read as sent: the text is read in order, which names the first problem.
        }
        List<StrictJson.Document> documents = documents(text);
        return parse(documents.size(), i -> documents.set(i, null).node(),
                documents.stream().mapToInt(StrictJson.Document::line).toArray());
    }

    /**
     * A patient's lines of NDJSON, which {@link PatientLines} has read as sent and checked as FHIR R4
     * JSON: each read again (its tree was not kept) and parsed, in order, on the caller's thread. A
     * value HAPI refuses and the check does not read (a date that is no date) is refused here, with
     * its line and path (not the other lines refused: they are not read yet).
     */
    public List<Entry> read(PatientLines.Group group) throws InputException {
        List<Entry> entries = new ArrayList<>(group.lines().size());
        for (StrictJson.Line line : group.lines()) {
            String where = "line " + line.number();
            try {
                entries.add(new Entry(parseChecked(line.read(), where), where));
            } catch (StrictJson.Problem e) {
                throw refused(e); // read as sent once already: the same text reads the same
            }
        }
        return entries;
    }

    /** Whether HAPI parses a line that {@link PatientLines} has read as sent and checked. */
    boolean parses(StrictJson.Line line) {
        try {
            parseChecked(line.read(), "line " + line.number());
            return true;
        } catch (StrictJson.Problem | InputException refused) {
            return false;
        }
    }

    /** The tree of document {@code i}, read once. */
    private interface Tree {
        JsonNode of(int i) throws StrictJson.Problem;
    }

    /**
     * The documents checked and parsed on every core; the first refused, in the input's order, is
     * thrown. Null when a document is not JSON that can be read as sent (the first problem may be
     * in another document, so the caller names it).
     *
     * @param lines the line each document starts on
     */
    private List<Entry> parse(int count, Tree tree, int[] lines) throws InputException {
        String[] where = new String[count];
        Resource[] resources = new Resource[count];
        InputException[] refused = new InputException[count];
        AtomicBoolean notJson = new AtomicBoolean();
        IntStream.range(0, count).parallel().forEach(i -> {
            where[i] = count == 1 ? ONE_DOCUMENT : "line " + lines[i];
            JsonNode node;
            try {
                node = tree.of(i);
            } catch (StrictJson.Problem e) {
                notJson.set(true);
                return;
            }
            try {
                requireResource(node, where[i]);
                if (wholeOnly) {
                    requireWhole(node, where[i]);
                }
                resources[i] = parse(node, where[i]);
            } catch (InputException e) {
                refused[i] = e;
            }
        });
        if (notJson.get()) {
            return null;
        }
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (refused[i] != null) {
                throw withTheOthers(refused, i, where);
            }
            open(resources[i], resources[i] instanceof Bundle ? bundleLabel(where[i]) : where[i], null, entries);
        }
        return entries;
    }

    /** The first document refused, naming the others refused after it, so that all can be mended at once. */
    private static InputException withTheOthers(InputException[] refused, int first, String[] where) {
        List<String> others = new ArrayList<>();
        for (int i = first + 1; i < refused.length; i++) {
            if (refused[i] != null) {
                others.add(where[i] + " [" + refused[i].code() + "]");
            }
        }
        return refused[first].naming("more refused", others);
    }

    /**
     * Whether {@code entries}, as {@link #read(String)} gave them, came from one JSON document (a
     * Bundle or a resource), not from NDJSON (even of one patient).
     */
    public static boolean oneDocument(List<Entry> entries) {
        return entries.stream().allMatch(e -> e.where().equals(ONE_DOCUMENT) || e.where().startsWith(bundleLabel(ONE_DOCUMENT)));
    }

    /** The bytes of a file or of standard input, which must be UTF-8; see {@link #read(String)}. */
    public List<Entry> read(byte[] bytes) throws InputException {
        return read(text(bytes));
    }

    private static final int READ_AT_ONCE = 1 << 20;

    /**
     * A file's bytes, read a megabyte at a time into one array of its size. {@code Files.readAllBytes}
     * reads the whole file at once through a native buffer of its size, so a large file's bytes are
     * written to fresh memory twice: 222 MB of NDJSON took 1.8-2.1 s so, 0.9 s this way, on the
     * development machine, where the first touch of memory is slow (docs/PERFORMANCE.md).
     */
    public static byte[] fileBytes(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException("it is over 2 GB: split it (NDJSON: a line is a resource)");
            }
            byte[] bytes = new byte[(int) size];
            int read = 0;
            while (read < bytes.length) {
                int n = in.read(bytes, read, Math.min(READ_AT_ONCE, bytes.length - read));
                if (n < 0) {
                    break;
                }
                read += n;
            }
            if (read < bytes.length) {
                return Arrays.copyOf(bytes, read); // shorter than it was a moment ago
            }
            byte[] more = in.readAllBytes(); // grown since
            if (more.length == 0) {
                return bytes;
            }
            byte[] all = Arrays.copyOf(bytes, bytes.length + more.length);
            System.arraycopy(more, 0, all, bytes.length, more.length);
            return all;
        }
    }

    /** The text of a file or of standard input, whose bytes must be UTF-8. */
    public static String text(byte[] bytes) throws InputException {
        try {
            return StrictJson.utf8(bytes);
        } catch (StrictJson.Problem e) {
            throw refused(e);
        }
    }

    /**
     * One resource that was already read as JSON by {@link StrictJson} (a CDS Hooks prefetch value,
     * its decimals as sent), opened as a whole input.
     */
    public List<Entry> read(JsonNode document) throws InputException {
        requireResource(document, ONE_DOCUMENT);
        if (wholeOnly) {
            requireWhole(document, ONE_DOCUMENT);
        }
        return entries(parse(document, ONE_DOCUMENT), ONE_DOCUMENT);
    }

    /** Refuses a Bundle that is only part of a search ({@link PartialBundles}): read as whole, what it lacks would be lost unsaid. */
    private static void requireWhole(JsonNode document, String where) throws InputException {
        String partial = PartialBundles.why(document);
        if (partial != null) {
            throw new InputException("PVP-E013", bundleLabel(where), partial + ": a finding or a PVP on the part not"
                    + " sent could change the estimate, so none is given from this part; send every page of the search"
                    + " (or the whole search) in one Bundle, or the resources as NDJSON");
        }
    }

    private static JsonNode requireResource(JsonNode document, String where) throws InputException {
        if (!document.isObject() || !document.path("resourceType").isTextual()) {
            throw new InputException("PVP-E002", where, "is not a FHIR resource: a JSON object with"
                    + " \"resourceType\" is expected");
        }
        return document;
    }

    private static List<StrictJson.Document> documents(String text) throws InputException {
        try {
            return StrictJson.documents(text);
        } catch (StrictJson.Problem e) {
            throw refused(e);
        }
    }

    /** JSON that cannot be read as sent, with what to send instead. */
    private static InputException refused(StrictJson.Problem e) {
        return switch (e.kind()) {
            case EMPTY -> new InputException("PVP-E001", "the input", "is empty: send a FHIR Bundle, an Observation"
                    + " or NDJSON");
            case MALFORMED -> new InputException("PVP-E001", e.where(), e.getMessage());
            case TRAILING -> new InputException("PVP-E005", e.where(), e.getMessage() + ": send one JSON document"
                    + " (a Bundle or a resource), or NDJSON with one resource a line");
            case NOT_NDJSON -> new InputException("PVP-E006", e.where(), e.getMessage() + ": put each resource on a"
                    + " line of its own, or send them in a Bundle");
            case DUPLICATE_KEY -> new InputException("PVP-E007", e.where(), e.getMessage() + ": send it once, with"
                    + " the value meant");
            case TOO_DEEP -> new InputException("PVP-E008", e.where(), e.getMessage() + ": send FHIR R4 JSON");
            case NOT_UTF8 -> new InputException("PVP-E009", e.where(), e.getMessage() + ": FHIR JSON is UTF-8; send"
                    + " the input encoded as UTF-8");
        };
    }

    /**
     * The resource, once its JSON is FHIR R4 JSON ({@link FhirJsonCheck}). HAPI then reads the
     * values from the same tree; when it refuses one (a date that is no date, a code outside its
     * required value set) the check runs again, reading the values too, to say where.
     */
    private Resource parse(JsonNode document, String where) throws InputException {
        new FhirJsonCheck(fhir).resource(document, where);
        return parseChecked(document, where);
    }

    /** The resource of JSON that {@link FhirJsonCheck} has passed; see {@link #parse(JsonNode, String)}. */
    private Resource parseChecked(JsonNode document, String where) throws InputException {
        try {
            return (Resource) new TreeParser(fhir, (ObjectNode) document).parseResource(Reader.nullReader());
        } catch (DataFormatException e) {
            FhirJsonCheck.locateRefusedValue(fhir, document, where);
            throw new InputException("PVP-E002", where, "is not valid FHIR R4: "
                    + FhirJsonCheck.hapiMessage(e.getMessage()));
        } catch (ClassCastException e) {
            throw new InputException("PVP-E002", where, "is not a FHIR R4 resource");
        }
    }

    /**
     * HAPI's JSON parser, reading the tree {@link StrictJson} read instead of tokenising the text
     * again. Everything else is HAPI's parse of a text: the values, the error handler, and a
     * Bundle entry's fullUrl made its resource's id. Jackson trees of the two reads are alike
     * (decimals exactly as sent); InputReaderTest compares the two parses.
     */
    private static final class TreeParser extends JsonParser {
        private final ObjectNode tree;

        TreeParser(FhirContext fhir, ObjectNode tree) {
            super(fhir, new Refusing());
            this.tree = tree;
        }

        @Override
        public <T extends IBaseResource> T doParseResource(Class<T> type, Reader ignored) {
            JacksonStructure structure = new JacksonStructure();
            structure.setNativeObject(tree);
            return doParseResource(type, structure);
        }
    }

    /**
     * HAPI's strict handler, except for a reference to a contained resource that is not there
     * ("#p"): the reference is kept as sent, nothing is lost or changed.
     */
    private static final class Refusing extends StrictErrorHandler {
        @Override
        public void unknownReference(IParseLocation location, String reference) {
            // kept as sent
        }

        @Override
        public void invalidInternalReference(IParseLocation location, String reference) {
            // kept as sent
        }
    }

    /**
     * A place in the input under the input's own place, as one path where it is one:
     * {@code Parameters.parameter[0].resource} and {@code Bundle.entry[1].resource (Observation/x).valueBoolean}
     * are {@code Parameters.parameter[0].resource.entry[1].resource (Observation/x).valueBoolean}, as the body's
     * JSON errors name it; a place that is no path ({@code Observation/x subject}) follows the input's.
     */
    public static String within(String where, String inner) {
        if (inner.equals("the input") || inner.equals("Bundle")) {
            return where;
        }
        return inner.startsWith("Bundle.") ? where + inner.substring("Bundle".length())
                : inner.startsWith(where) ? inner : where + " " + inner;
    }

    private static String bundleLabel(String where) {
        return where.equals(ONE_DOCUMENT) ? "Bundle" : where + ": Bundle";
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
