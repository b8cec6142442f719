package org.refracturecds.fhirout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.lang3.StringUtils;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.hl7.fhir.r4.model.RiskAssessment.RiskAssessmentPredictionComponent;
import org.hl7.fhir.r4.model.Type;
import org.hl7.fhir.utilities.xhtml.NodeType;
import org.hl7.fhir.utilities.xhtml.XhtmlNode;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;

/**
 * The RiskAssessment that {@link RiskAssessmentWriter} builds (with an id, when one is set), encoded
 * as FHIR R4 JSON with exactly HAPI's bytes ({@code IParser.encodeResourceToString}, compact or
 * pretty-printed), in about a quarter of HAPI's time. HAPI's encoder is generic: for every element it
 * looks up the definition, sorts and holds extensions and tracks the path; here the elements the
 * writer sets are written in R4's order, each value as HAPI writes it (its own string form, decimals
 * as their text, the narrative as HAPI's XHTML). An element the writer does not set is not written,
 * so a new element in {@link RiskAssessmentWriter} needs a line here: RiskAssessmentJsonTest
 * compares the two encodings for every example and every scenario of rules/tests.
 */
public final class RiskAssessmentJson {

    private static final JsonFactory FACTORY = new JsonFactory();
    /**
     * HAPI user data of a note that every patient's RiskAssessment carries alike under the same rules
     * and settings (RiskAssessmentWriter): its compact JSON is kept, by its text, and written as it
     * is, about 5 of the 13 kB of a RiskAssessment. At most {@value #MAX_SHARED} are kept (a few dozen
     * a rules version and setting), so rules reloaded many times do not fill the memory; no patient's
     * data is among them.
     */
    public static final String SHARED_NOTE = "pvp-shared-note";
    private static final int MAX_SHARED = 512;
    /** Their JSON as Jackson writes a kept string: its UTF-8 bytes and its characters made once, then copied. */
    private static final Map<String, SerializedString> SHARED = new ConcurrentHashMap<>();
    private static final String XHTML = "http://www.w3.org/1999/xhtml";

    private RiskAssessmentJson() {
    }

    /** Compact, as a CDS Hooks card or NDJSON carries it. */
    public static String encode(RiskAssessment risk) {
        return encode(risk, false);
    }

    /** @param pretty indented as HAPI's {@code setPrettyPrint(true)} indents it */
    public static String encode(RiskAssessment risk, boolean pretty) {
        // As Jackson's ObjectMapper.writeValueAsString writes: into pooled char buffers, one String at the end.
        BufferRecycler buffers = FACTORY._getBufferRecycler();
        try (SegmentedStringWriter text = new SegmentedStringWriter(buffers)) {
            write(FACTORY.createGenerator(text), risk, pretty);
            return text.getAndClear();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // written to memory: no I/O can fail
        } finally {
            buffers.releaseToPool();
        }
    }

    /**
     * {@link #encode(RiskAssessment, boolean)} as UTF-8 bytes, written as bytes from the start: for a file
     * or a pipe, where a String would be turned into characters and encoded again. The same bytes, but
     * for a character beyond 16 bits or a lone surrogate, which Jackson's UTF-8 generator escapes
     * (backslash, u, 4 hex digits: the same JSON string; its option to combine a pair into 4 bytes
     * joins a lone high surrogate with whatever character follows, and so loses that character).
     */
    public static byte[] encodeUtf8(RiskAssessment risk, boolean pretty) {
        ByteArrayOutputStream bytes = ENCODED.get();
        bytes.reset();
        try {
            write(FACTORY.createGenerator(bytes, JsonEncoding.UTF8), risk, pretty);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // written to memory: no I/O can fail
        }
        return bytes.toByteArray();
    }

    /**
     * Each thread's bytes of {@link #encodeUtf8}, kept: grown once to a RiskAssessment's size, where a
     * new buffer for each would grow block by block (a population run encodes thousands).
     */
    private static final ThreadLocal<ByteArrayOutputStream> ENCODED = ThreadLocal.withInitial(
            () -> new ByteArrayOutputStream(1 << 15));

    private static void write(JsonGenerator generator, RiskAssessment risk, boolean pretty) throws IOException {
        try (JsonGenerator json = generator) {
            if (pretty) {
                json.setPrettyPrinter(hapiPrettyPrinter());
            }
            resource(json, risk);
        }
    }

    /**
     * The RiskAssessment as a value in a Jackson tree (a card's suggestion): encoded straight into
     * the tree's output as the tree is written, with no text of its own in between.
     */
    public static JsonSerializable value(RiskAssessment risk) {
        return new JsonSerializable.Base() {
            @Override
            public void serialize(JsonGenerator json, SerializerProvider provider) throws IOException {
                resource(json, risk);
            }

            @Override
            public void serializeWithType(JsonGenerator json, SerializerProvider provider,
                                          TypeSerializer type) throws IOException {
                serialize(json, provider); // a resource carries its type in resourceType
            }
        };
    }

    /** The printer HAPI's JacksonWriter sets: two spaces an object level, arrays on the line, "key": value. */
    private static DefaultPrettyPrinter hapiPrettyPrinter() {
        return new DefaultPrettyPrinter()
                .withSeparators(new Separators("", ':', Separators.Spacing.AFTER, ',', Separators.Spacing.NONE, ',',
                        Separators.Spacing.NONE))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"));
    }

    private static void resource(JsonGenerator json, RiskAssessment risk) throws IOException {
        json.writeStartObject();
        json.writeStringField("resourceType", "RiskAssessment");
        if (risk.hasIdElement() && StringUtils.isNotBlank(risk.getIdElement().getIdPart())) {
            json.writeStringField("id", risk.getIdElement().getIdPart());
        }
        if (risk.hasMeta()) {
            json.writeObjectFieldStart("meta");
            if (risk.getMeta().hasProfile()) {
                json.writeArrayFieldStart("profile");
                for (CanonicalType profile : risk.getMeta().getProfile()) {
                    json.writeString(profile.getValueAsString());
                }
                json.writeEndArray();
            }
            json.writeEndObject();
        }
        if (risk.hasText()) {
            narrative(json, risk.getText());
        }
        if (risk.hasContained()) {
            json.writeArrayFieldStart("contained");
            for (Resource contained : risk.getContained()) {
                device(json, (Device) contained);
            }
            json.writeEndArray();
        }
        extensions(json, risk.getExtension());
        if (risk.hasIdentifier()) {
            json.writeArrayFieldStart("identifier");
            for (Identifier identifier : risk.getIdentifier()) {
                json.writeStartObject();
                primitive(json, "system", identifier.getSystemElement());
                primitive(json, "value", identifier.getValueElement());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        if (risk.hasBasedOn()) {
            json.writeFieldName("basedOn");
            reference(json, risk.getBasedOn());
        }
        primitive(json, "status", risk.getStatusElement());
        if (risk.hasMethod()) {
            json.writeFieldName("method");
            codeableConcept(json, risk.getMethod());
        }
        if (risk.hasSubject()) {
            json.writeFieldName("subject");
            reference(json, risk.getSubject());
        }
        if (risk.hasEncounter()) {
            json.writeFieldName("encounter");
            reference(json, risk.getEncounter());
        }
        if (risk.hasOccurrence()) {
            value(json, "occurrence", risk.getOccurrence());
        }
        if (risk.hasPerformer()) {
            json.writeFieldName("performer");
            reference(json, risk.getPerformer());
        }
        if (risk.hasBasis()) {
            json.writeFieldName("basis");
            reference(json, risk.getBasis());
        }
        if (risk.hasPrediction()) {
            json.writeArrayFieldStart("prediction");
            for (RiskAssessmentPredictionComponent prediction : risk.getPrediction()) {
                prediction(json, prediction);
            }
            json.writeEndArray();
        }
        primitive(json, "mitigation", risk.getMitigationElement());
        if (risk.hasNote()) {
            json.writeArrayFieldStart("note");
            boolean raw = writesAsFactory(json);
            for (Annotation note : risk.getNote()) {
                SerializedString shared = raw && note.getUserData(SHARED_NOTE) != null ? sharedNote(note.getText()) : null;
                if (shared != null) {
                    json.writeRawValue(shared);
                    continue;
                }
                json.writeStartObject();
                primitive(json, "text", note.getTextElement());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    /** Whether {@code json} writes a string as {@link #FACTORY}'s compact generator does: not pretty-printed, no escapes of its own. */
    private static boolean writesAsFactory(JsonGenerator json) {
        return json.getPrettyPrinter() == null && json.getCharacterEscapes() == null
                && !json.isEnabled(JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());
    }

    /**
     * The compact JSON of a shared note ({@link #SHARED_NOTE}), encoded the first time its text is
     * seen; null for a text with characters beyond the Basic Multilingual Plane or a lone surrogate
     * (a UTF-8 generator escapes those, or refuses them raw).
     */
    private static SerializedString sharedNote(String text) throws IOException {
        SerializedString encoded = SHARED.get(text);
        if (encoded == null) {
            if (text.chars().anyMatch(c -> Character.isSurrogate((char) c))) {
                return null;
            }
            StringWriter out = new StringWriter();
            try (JsonGenerator note = FACTORY.createGenerator(out)) {
                note.writeStartObject();
                note.writeStringField("text", text);
                note.writeEndObject();
            }
            encoded = new SerializedString(out.toString());
            if (SHARED.size() < MAX_SHARED) {
                SHARED.put(text, encoded);
            }
        }
        return encoded;
    }

    /** The texts of the shared notes whose JSON is kept. */
    static Set<String> sharedTexts() {
        return Set.copyOf(SHARED.keySet());
    }

    /** The module's Device ({@link ModuleDevice}), the one resource the writer contains. */
    private static void device(JsonGenerator json, Device device) throws IOException {
        json.writeStartObject();
        json.writeStringField("resourceType", "Device");
        json.writeStringField("id", device.getIdElement().getIdPart());
        json.writeArrayFieldStart("deviceName");
        for (Device.DeviceDeviceNameComponent name : device.getDeviceName()) {
            json.writeStartObject();
            primitive(json, "name", name.getNameElement());
            primitive(json, "type", name.getTypeElement());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("version");
        for (Device.DeviceVersionComponent version : device.getVersion()) {
            json.writeStartObject();
            primitive(json, "value", version.getValueElement());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void narrative(JsonGenerator json, Narrative narrative) throws IOException {
        json.writeObjectFieldStart("text");
        primitive(json, "status", narrative.getStatusElement());
        if (narrative.hasDiv()) {
            json.writeStringField("div", xhtml(narrative.getDiv()));
        }
        json.writeEndObject();
    }

    /**
     * The XHTML as HAPI's {@code XhtmlNode.getValueAsString} writes it, for what {@link NarrativeHtml}
     * builds (elements with text, the root's xmlns); anything else is left to HAPI. HAPI's composer
     * costs a tenth of a request: it looks at every character through its entity tables.
     */
    static String xhtml(XhtmlNode div) {
        StringBuilder out = new StringBuilder(8192);
        return compose(out, div, true) ? out.toString() : div.getValueAsString();
    }

    /** Writes the node as HAPI's composer does; false for a node it writes otherwise (comments, attributes). */
    private static boolean compose(StringBuilder out, XhtmlNode node, boolean root) {
        if (node.getNodeType() == NodeType.Text) {
            escape(out, node.getContent());
            return true;
        }
        Map<String, String> attributes = node.getAttributes();
        if (node.getNodeType() != NodeType.Element || !(attributes.isEmpty()
                || root && attributes.size() == 1 && XHTML.equals(attributes.get("xmlns")))) {
            return false;
        }
        out.append('<').append(node.getName());
        if (root) {
            out.append(" xmlns=\"").append(XHTML).append('"');
        }
        if (!node.hasChildren()) {
            out.append("/>");
            return true;
        }
        out.append('>');
        for (XhtmlNode child : node.getChildNodes()) {
            if (!compose(out, child, false)) {
                return false;
            }
        }
        out.append("</").append(node.getName()).append('>');
        return true;
    }

    /** Text as HAPI's composer escapes it: the four XML characters by name, a character beyond 16 bits by number. */
    private static void escape(StringBuilder out, String text) {
        if (text == null) {
            return;
        }
        int from = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String entity = switch (c) {
                case '"' -> "&quot;";
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                default -> null;
            };
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (entity == null && !pair) {
                continue;
            }
            out.append(text, from, i);
            if (pair) {
                out.append("&#x").append(Integer.toHexString(text.codePointAt(i)).toUpperCase(Locale.ROOT)).append(';');
                i++;
            } else {
                out.append(entity);
            }
            from = i + 1;
        }
        out.append(text, from, text.length());
    }

    private static void prediction(JsonGenerator json, RiskAssessmentPredictionComponent prediction) throws IOException {
        json.writeStartObject();
        extensions(json, prediction.getExtension());
        if (prediction.hasOutcome()) {
            json.writeFieldName("outcome");
            codeableConcept(json, prediction.getOutcome());
        }
        if (prediction.hasProbability()) {
            value(json, "probability", prediction.getProbability());
        }
        if (prediction.hasQualitativeRisk()) {
            json.writeFieldName("qualitativeRisk");
            codeableConcept(json, prediction.getQualitativeRisk());
        }
        primitive(json, "relativeRisk", prediction.getRelativeRiskElement());
        if (prediction.hasWhen()) {
            value(json, "when", prediction.getWhen());
        }
        primitive(json, "rationale", prediction.getRationaleElement());
        json.writeEndObject();
    }

    private static void extensions(JsonGenerator json, List<Extension> extensions) throws IOException {
        if (extensions.isEmpty()) {
            return;
        }
        json.writeArrayFieldStart("extension");
        for (Extension extension : extensions) {
            json.writeStartObject();
            json.writeStringField("url", extension.getUrl());
            if (extension.hasValue()) {
                value(json, "value", extension.getValue());
            } else {
                extensions(json, extension.getExtension());
            }
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    /** A value[x]: its name is the element's with the type's appended (valueDecimal, whenRange). */
    private static void value(JsonGenerator json, String element, Type value) throws IOException {
        String name = element + StringUtils.capitalize(value.fhirType());
        if (value instanceof PrimitiveType<?> primitive) {
            primitive(json, name, primitive);
        } else if (value instanceof CodeableConcept concept) {
            json.writeFieldName(name);
            codeableConcept(json, concept);
        } else if (value instanceof Range range) {
            json.writeObjectFieldStart(name);
            if (range.hasLow()) {
                json.writeFieldName("low");
                quantity(json, range.getLow());
            }
            if (range.hasHigh()) {
                json.writeFieldName("high");
                quantity(json, range.getHigh());
            }
            json.writeEndObject();
        } else {
            throw new IllegalArgumentException("no JSON form here for a " + value.fhirType() + " (" + name + ")");
        }
    }

    /** A primitive as HAPI writes it: left out when blank, a decimal as its text, anything else as a string. */
    private static void primitive(JsonGenerator json, String name, PrimitiveType<?> value) throws IOException {
        if (value == null) {
            return;
        }
        String text = value.getValueAsString();
        if (StringUtils.isBlank(text)) {
            return;
        }
        json.writeFieldName(name);
        if (value instanceof DecimalType) {
            json.writeNumber(text);
        } else {
            json.writeString(text);
        }
    }

    private static void codeableConcept(JsonGenerator json, CodeableConcept concept) throws IOException {
        json.writeStartObject();
        if (concept.hasCoding()) {
            json.writeArrayFieldStart("coding");
            for (Coding coding : concept.getCoding()) {
                json.writeStartObject();
                primitive(json, "system", coding.getSystemElement());
                primitive(json, "version", coding.getVersionElement());
                primitive(json, "code", coding.getCodeElement());
                primitive(json, "display", coding.getDisplayElement());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        primitive(json, "text", concept.getTextElement());
        json.writeEndObject();
    }

    private static void reference(JsonGenerator json, List<Reference> references) throws IOException {
        json.writeStartArray();
        for (Reference reference : references) {
            reference(json, reference);
        }
        json.writeEndArray();
    }

    private static void reference(JsonGenerator json, Reference reference) throws IOException {
        json.writeStartObject();
        primitive(json, "reference", reference.getReferenceElement_());
        primitive(json, "display", reference.getDisplayElement());
        json.writeEndObject();
    }

    private static void quantity(JsonGenerator json, Quantity quantity) throws IOException {
        json.writeStartObject();
        primitive(json, "value", quantity.getValueElement());
        primitive(json, "unit", quantity.getUnitElement());
        primitive(json, "system", quantity.getSystemElement());
        primitive(json, "code", quantity.getCodeElement());
        json.writeEndObject();
    }
}
