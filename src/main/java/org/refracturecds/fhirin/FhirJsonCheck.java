package org.refracturecds.fhirin;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.hl7.fhir.instance.model.api.IBaseBooleanDatatype;
import org.hl7.fhir.instance.model.api.IBaseDecimalDatatype;
import org.hl7.fhir.instance.model.api.IBaseIntegerDatatype;
import org.hl7.fhir.instance.model.api.IPrimitiveType;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.util.XmlUtil;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * FHIR R4 JSON checked against the R4 model before HAPI parses it, each problem with its path.
 * HAPI's JSON parser, under every error handler (lenient, strict or our own), reads the string
 * "true" as the boolean true, the string "12.5" as a decimal and the number 1 as the code "1";
 * under the lenient handler it also keeps the first of two value[x] and drops the second, drops
 * an id sent as an object, a subject sent as a string and any element it does not know; and its
 * handlers are told only the element's name, never its path. So what FHIR R4 JSON
 * (https://hl7.org/fhir/R4/json.html) gives is checked here: each element known to R4, of the JSON
 * type of its FHIR type (boolean, number, string, object), an array exactly when it repeats, one
 * value[x] at most, and a contained resource with its id.
 */
final class FhirJsonCheck {

    private static final Pattern DECIMAL = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");
    private static final int SHOWN = 40;
    /** Digits before or after the point a decimal may have: far beyond any measurement, short of a number that takes memory to write out. */
    private static final int MAX_DECIMAL_DIGITS = 30;

    private final FhirContext fhir;
    /** Also read each value as HAPI does: only to find where, once HAPI has refused one. */
    private final boolean readValues;

    FhirJsonCheck(FhirContext fhir) {
        this(fhir, false);
    }

    private FhirJsonCheck(FhirContext fhir, boolean readValues) {
        this.fhir = fhir;
        this.readValues = readValues;
    }

    /**
     * Finds the value HAPI refused (a date that is no date, a code outside its required value set,
     * a div that is not XHTML; HAPI names the element at most, never where it is) and throws its
     * error with its path; returns when none is found.
     */
    static void locateRefusedValue(FhirContext fhir, JsonNode resource, String where) throws InputException {
        new FhirJsonCheck(fhir, true).resource(resource, where);
    }

    /** " (Observation/ivc-1)" after a resource on a path, " (Observation)" without an id; nothing for a Bundle or a non-resource. */
    static String identity(JsonNode node) {
        if (node == null || !node.path("resourceType").isTextual() || node.path("resourceType").asText().equals("Bundle")) {
            return "";
        }
        String type = node.path("resourceType").asText();
        return node.path("id").isTextual() ? " (" + type + "/" + node.path("id").asText() + ")" : " (" + type + ")";
    }

    /**
     * @param where where the resource is, for messages: "the input", "line 3"; its path then starts
     *              with its type, e.g. {@code line 3, Observation (Observation/ivc-1).valueBoolean}
     */
    void resource(JsonNode resource, String where) throws InputException {
        String type = resource.path("resourceType").asText();
        resourceAt(resource, new At(null, (where.equals("the input") ? "" : where + ", ") + type + identity(resource),
                null, -1));
    }

    /**
     * Where an element is, written out only for a message: the parent's place, then {@code text},
     * {@code .name} and {@code [index]} where given ("line 3, Observation (Observation/ivc-1)",
     * ".code", "[0]"). Most input has no problem, so no path is built for it.
     */
    private record At(At parent, String text, String name, int index) {

        At field(String field) {
            return new At(this, null, field, -1);
        }

        At item(int i) {
            return new At(this, null, null, i);
        }

        At then(String suffix) {
            return new At(this, suffix, null, -1);
        }

        @Override
        public String toString() {
            StringBuilder path = new StringBuilder();
            write(path);
            return path.toString();
        }

        private void write(StringBuilder path) {
            if (parent != null) {
                parent.write(path);
            }
            if (text != null) {
                path.append(text);
            }
            if (name != null) {
                path.append('.').append(name);
            }
            if (index >= 0) {
                path.append('[').append(index).append(']');
            }
        }
    }

    private void resourceAt(JsonNode resource, At path) throws InputException {
        JsonNode type = resource.get("resourceType");
        if (type == null || !type.isTextual()) {
            throw new InputException("PVP-E002", path.toString(), "has no \"resourceType\": send the resource as FHIR R4 JSON,"
                    + " an object with \"resourceType\" first");
        }
        BaseRuntimeElementCompositeDefinition<?> definition;
        try {
            definition = fhir.getResourceDefinition(type.asText());
        } catch (DataFormatException e) {
            throw new InputException("PVP-E012", path.field("resourceType").toString(), "is \"" + shown(type.asText()) + "\", which"
                    + " is not a resource type of FHIR R4: send FHIR R4 resources");
        }
        composite(definition, resource, path, type.asText(), true);
    }

    private void composite(BaseRuntimeElementCompositeDefinition<?> definition, JsonNode object, At path,
                           String typeName, boolean isResource) throws InputException {
        // The name each choice (value[x]) was sent as, made at the first; other elements come once in
        // JSON that StrictJson has read (no key twice).
        Map<BaseRuntimeChildDefinition, String> choices = null;
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (isResource && name.equals("resourceType") || name.equals("fhir_comments")) {
                continue;
            }
            boolean primitiveExtension = name.startsWith("_");
            String element = primitiveExtension ? name.substring(1) : name;
            At at = path.field(name);
            if (element.equals("extension") || element.equals("modifierExtension")) {
                if (primitiveExtension) {
                    throw unknown(at, typeName, definition, name);
                }
                extensions(value, at);
                continue;
            }
            BaseRuntimeChildDefinition child = definition.getChildByName(element);
            if (child == null || !child.getValidChildNames().contains(element)) {
                throw unknown(at, typeName, definition, name);
            }
            BaseRuntimeElementDefinition<?> type = child.getChildByName(element);
            if (value.isNull()) {
                // Not an absent element: FHIR R4 JSON has no null there, and it may stand for something lost on the
                // way (an entry's resource, a value beside another value[x]).
                throw isNull(at);
            }
            if (primitiveExtension) {
                primitiveExtensions(type, child, value, at, typeName, definition, name);
                continue;
            }
            if (child.getMax() == 1) {
                if (child.getValidChildNames().size() > 1) {
                    choices = choices != null ? choices : new IdentityHashMap<>();
                }
                String first = choices == null ? null : choices.put(child, name);
                if (first != null) {
                    String choice = child.getElementName().replace("[x]", "") + "[x]";
                    throw new InputException("PVP-E011", at.toString(), "is a second " + choice + " beside " + first + ", but "
                            + typeName + " has one " + choice + ": send only the one meant");
                }
                if (value.isArray()) {
                    throw new InputException("PVP-E010", at.toString(), "is an array, but " + name + " does not repeat: send one"
                            + " value, not an array");
                }
                element(type, child, value, at, name, typeName);
            } else {
                if (!value.isArray()) {
                    throw new InputException("PVP-E010", at.toString(), "is " + found(value) + ", but " + name + " repeats, so"
                            + " FHIR R4 JSON has it as an array: send it inside [ ]");
                }
                // A Bundle's entries are refused together, the first in full and the others after it, so
                // that all can be mended at once, as the lines of NDJSON are.
                boolean entries = isResource && name.equals("entry") && typeName.equals("Bundle");
                InputException first = null;
                List<String> others = new ArrayList<>();
                boolean primitive = type.getChildType() == BaseRuntimeElementDefinition.ChildTypeEnum.PRIMITIVE_DATATYPE
                        || type.getChildType() == BaseRuntimeElementDefinition.ChildTypeEnum.ID_DATATYPE;
                for (int i = 0; i < value.size(); i++) {
                    if (value.get(i).isNull() && primitive) {
                        continue; // a repeating primitive's item with extensions alone (in _name)
                    }
                    try {
                        if (value.get(i).isNull()) {
                            // Anything else null is no FHIR, and may be an entry or a coding lost on the way.
                            throw isNull(at.item(i));
                        }
                        element(type, child, value.get(i), at.item(i), name, typeName);
                    } catch (InputException refused) {
                        if (!entries) {
                            throw refused;
                        }
                        if (first == null) {
                            first = refused;
                        } else {
                            others.add(refused.where() + " [" + refused.code() + "]");
                        }
                    }
                }
                if (first != null) {
                    throw first.naming("more refused", others);
                }
            }
        }
    }

    private static InputException isNull(At at) {
        return new InputException("PVP-E010", at.toString(), "is null, which FHIR R4 JSON allows only as an item of a"
                + " repeating primitive's array: remove it, or send what it stood for");
    }

    private void element(BaseRuntimeElementDefinition<?> type, BaseRuntimeChildDefinition child, JsonNode value,
                         At at, String name, String owner) throws InputException {
        switch (type.getChildType()) {
            case PRIMITIVE_DATATYPE, ID_DATATYPE -> primitive(type, child, value, at, name);
            case PRIMITIVE_XHTML, PRIMITIVE_XHTML_HL7ORG -> {
                if (!value.isTextual()) {
                    throw wrongType(at, value, "the narrative's div", "a string of XHTML", "send the XHTML as a string");
                }
                if (readValues) {
                    try {
                        XmlUtil.parse(value.asText());
                    } catch (DataFormatException e) {
                        throw new InputException("PVP-E010", at.toString(), "is \"" + shown(value.asText()) + "\", which is not"
                                + " XHTML (" + hapiMessage(e.getMessage()) + "): send " + example("xhtml"));
                    }
                }
            }
            case COMPOSITE_DATATYPE, RESOURCE_BLOCK -> {
                String typeName = type.getChildType() == BaseRuntimeElementDefinition.ChildTypeEnum.RESOURCE_BLOCK
                        ? owner + "." + name : type.getName();
                if (!value.isObject()) {
                    throw wrongType(at, value, type.getChildType() == BaseRuntimeElementDefinition.ChildTypeEnum
                            .RESOURCE_BLOCK ? typeName : article(typeName), "an object", "send an object");
                }
                if (typeName.equals("Bundle.entry") && !value.has("resource") && !value.has("request")
                        && !value.has("response")) {
                    // Else passed over without a word: what it stood for (a finding?) is not known.
                    throw new InputException("PVP-E002", at.toString(), "has no resource, which FHIR R4 requires of a"
                            + " Bundle entry without a request or response (bdl-5): send the entry's resource, or remove"
                            + " the entry");
                }
                composite((BaseRuntimeElementCompositeDefinition<?>) type, value, at, typeName, false);
            }
            case RESOURCE, CONTAINED_RESOURCES, CONTAINED_RESOURCE_LIST -> {
                if (!value.isObject()) {
                    throw wrongType(at, value, "a resource", "an object with \"resourceType\"", "send an object");
                }
                boolean contained = type.getChildType() != BaseRuntimeElementDefinition.ChildTypeEnum.RESOURCE;
                if (contained && !value.path("id").isTextual()) {
                    throw new InputException("PVP-E002", at.then(identity(value)).toString(), "has no id, but FHIR R4 gives each"
                            + " contained resource an id, which the resource refers to as \"#id\": send the id");
                }
                resourceAt(value, at.then(identity(value)));
            }
            default -> {
                // Other kinds (HAPI's own extension bookkeeping) do not occur in R4 JSON; HAPI's parser judges them.
            }
        }
    }

    /** The JSON a FHIR primitive is sent as, by its HAPI class. */
    private enum Json { BOOLEAN, INTEGER, DECIMAL, STRING }

    private static final ClassValue<Json> JSON_OF = new ClassValue<>() {
        @Override
        protected Json computeValue(Class<?> java) {
            return IBaseBooleanDatatype.class.isAssignableFrom(java) ? Json.BOOLEAN
                    : IBaseIntegerDatatype.class.isAssignableFrom(java) ? Json.INTEGER
                    : IBaseDecimalDatatype.class.isAssignableFrom(java) ? Json.DECIMAL : Json.STRING;
        }
    };

    private void primitive(BaseRuntimeElementDefinition<?> type, BaseRuntimeChildDefinition child, JsonNode value,
                           At at, String name) throws InputException {
        switch (JSON_OF.get(type.getImplementingClass())) {
            case BOOLEAN -> {
                if (!value.isBoolean()) {
                    String hint = value.isTextual() && (value.asText().equals("true") || value.asText().equals("false"))
                            ? value.asText() : "true or false";
                    throw wrongType(at, value, article(type.getName()), "true or false, without quotes", "send " + hint);
                }
            }
            case INTEGER -> {
                if (!value.isIntegralNumber()) {
                    String hint = value.isTextual() && INTEGER.matcher(value.asText()).matches() ? value.asText()
                            : "a whole number";
                    throw wrongType(at, value, article(type.getName()), "a whole number, without quotes", "send " + hint);
                }
            }
            case DECIMAL -> {
                if (!value.isNumber()) {
                    String hint = value.isTextual() && DECIMAL.matcher(value.asText()).matches() ? value.asText()
                            : "a number";
                    throw wrongType(at, value, article(type.getName()), "a number, without quotes", "send " + hint);
                }
                java.math.BigDecimal number = value.decimalValue();
                if (number.precision() - number.scale() > MAX_DECIMAL_DIGITS || number.scale() > MAX_DECIMAL_DIGITS) {
                    throw new InputException("PVP-E010", at.toString(), "is a decimal with more than " + MAX_DECIMAL_DIGITS
                            + " digits before or after the point, which no measurement has: send the measured value");
                }
            }
            case STRING -> {
                if (!value.isTextual()) {
                    String hint = value.isNumber() || value.isBoolean() ? "\"" + value.asText() + "\""
                            : "a string, in quotes";
                    throw wrongType(at, value, article(type.getName()), "a string", "send " + hint);
                }
                if (type.getName().equals("date") && value.asText().indexOf('T') >= 0) {
                    throw new InputException("PVP-E010", at.toString(), "is \"" + shown(value.asText()) + "\", but a date"
                            + " of FHIR R4 has no time: send " + example("date"));
                }
                if (type.getName().equals("id") && !References.hasIdCharacters(value.asText())) {
                    throw new InputException("PVP-E010", at.toString(), "is \"" + shown(value.asText()) + "\", which is"
                            + " not an id of FHIR R4 (letters, digits, '-' and '.'): send such an id");
                }
                if ((type.getName().equals("dateTime") || type.getName().equals("instant")) && timeWithoutZone(value.asText())) {
                    throw new InputException("PVP-E010", at.toString(), "is \"" + shown(value.asText()) + "\", a time"
                            + " without a time zone, which FHIR R4 requires with a time (HAPI would read it in this"
                            + " machine's zone, which can change which of two findings is the later): send "
                            + example(type.getName()));
                }
            }
        }
        if (readValues) {
            checkValue(type, child, value.asText(), at);
        }
    }

    /**
     * A dateTime's or instant's text with a time and no zone after it, "2025-03-03T10:15:00", and
     * otherwise well formed: a text wrong in another way ("2025-13-03T10:15:00") is left to HAPI's
     * reading, which names what is wrong in it.
     */
    private static boolean timeWithoutZone(String text) {
        return text.indexOf('T') >= 0 && LOCAL_DATE_TIME.matcher(text).matches();
    }

    private static final Pattern LOCAL_DATE_TIME = Pattern.compile(
            "\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d(:([0-5]\\d|60)(\\.\\d+)?)?");

    /** The value as HAPI reads it. */
    private static void checkValue(BaseRuntimeElementDefinition<?> type, BaseRuntimeChildDefinition child, String text,
                                   At at) throws InputException {
        try {
            ((IPrimitiveType<?>) type.newInstance(child.getInstanceConstructorArguments())).setValueAsString(text);
        } catch (DataFormatException | IllegalArgumentException e) {
            throw new InputException("PVP-E010", at.toString(), "is \"" + shown(text) + "\", which is not "
                    + article(type.getName()) + " of FHIR R4 (" + hapiMessage(e.getMessage()) + "): send "
                    + example(type.getName()));
        }
    }

    /**
     * HAPI's message as a reader wants it: without "HAPI-1821: ", "[element="value"] " and Java
     * class names ("java.lang.NumberFormatException: ").
     */
    static String hapiMessage(String message) {
        return String.valueOf(message).replaceAll("\\s+", " ").replaceFirst("^HAPI-\\d+: ", "").replaceFirst("^\\[element=\"[^\"]*\"\\] ", "")
                .replaceAll("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z]\\w*(?:Exception|Error)\\b:?\\s*", "")
                .strip();
    }

    /** "_given": [null, {"extension": [...]}], "_status": {"id": ..., "extension": [...]}. */
    private void primitiveExtensions(BaseRuntimeElementDefinition<?> type, BaseRuntimeChildDefinition child,
                                     JsonNode value, At at, String owner,
                                     BaseRuntimeElementCompositeDefinition<?> definition, String name)
            throws InputException {
        if (type.getChildType() != BaseRuntimeElementDefinition.ChildTypeEnum.PRIMITIVE_DATATYPE
                && type.getChildType() != BaseRuntimeElementDefinition.ChildTypeEnum.ID_DATATYPE) {
            throw unknown(at, owner, definition, name);
        }
        if (child.getMax() != 1) {
            if (!value.isArray()) {
                throw wrongType(at, value, "the extensions of a repeating primitive", "an array",
                        "send them inside [ ], null where an item has none");
            }
            for (int i = 0; i < value.size(); i++) {
                if (!value.get(i).isNull()) {
                    elementOfPrimitive(value.get(i), at.item(i));
                }
            }
        } else {
            elementOfPrimitive(value, at);
        }
    }

    private void elementOfPrimitive(JsonNode value, At at) throws InputException {
        if (!value.isObject()) {
            throw wrongType(at, value, "a primitive's id and extensions", "an object", "send an object");
        }
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            At at2 = at.field(field.getKey());
            switch (field.getKey()) {
                case "id" -> {
                    if (!field.getValue().isTextual()) {
                        throw wrongType(at2, field.getValue(), "an element id", "a string", "send a string, in quotes");
                    }
                }
                case "extension" -> extensions(field.getValue(), at2);
                default -> throw new InputException("PVP-E012", at2.toString(), "is not an element of a primitive's extensions"
                        + " in FHIR R4, which hold an id and extensions: check the name, or send the data as an"
                        + " extension");
            }
        }
    }

    private void extensions(JsonNode value, At at) throws InputException {
        if (value.isNull()) {
            throw isNull(at);
        }
        if (!value.isArray()) {
            throw new InputException("PVP-E010", at.toString(), "is " + found(value) + ", but extensions repeat, so FHIR R4 JSON"
                    + " has them as an array: send them inside [ ]");
        }
        BaseRuntimeElementCompositeDefinition<?> extension =
                (BaseRuntimeElementCompositeDefinition<?>) fhir.getElementDefinition("Extension");
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            At itemAt = at.item(i);
            if (item.isNull()) {
                throw isNull(itemAt);
            }
            if (!item.isObject()) {
                throw wrongType(itemAt, item, "an Extension", "an object", "send an object with its url");
            }
            if (!item.path("url").isTextual()) {
                throw new InputException("PVP-E002", itemAt.toString(), "has no url, but every FHIR R4 extension has one: send"
                        + " the url that defines it");
            }
            composite(extension, item, itemAt, "Extension", false);
            boolean hasValue = item.properties().stream().anyMatch(field -> field.getKey().startsWith("value"));
            if (hasValue && item.has("extension")) {
                throw new InputException("PVP-E002", itemAt.toString(), "has both a value[x] and nested extensions, but a FHIR R4"
                        + " extension has one or the other (ext-1): send one");
            }
        }
    }

    private static InputException unknown(At at, String owner, BaseRuntimeElementCompositeDefinition<?> definition,
                                          String name) {
        String guess = null;
        TreeSet<String> names = new TreeSet<>();
        names.add("extension");
        names.add("modifierExtension");
        for (BaseRuntimeChildDefinition child : definition.getChildren()) {
            if (!child.getElementName().equals("extension") && !child.getElementName().equals("modifierExtension")) {
                names.addAll(child.getValidChildNames());
            }
        }
        String bare = name.startsWith("_") ? name.substring(1) : name;
        for (String known : names) {
            if (known.equalsIgnoreCase(bare) || known.equalsIgnoreCase(bare.replace("[x]", ""))) {
                guess = (name.startsWith("_") ? "_" : "") + known;
            }
        }
        return new InputException("PVP-E012", at.toString(), "is not an element of " + owner + " in FHIR R4"
                + (guess == null ? "" : " (did you mean " + guess + "?)")
                + ": check the name, or send the data as an extension");
    }

    private static InputException wrongType(At at, JsonNode value, String type, String as, String hint) {
        return new InputException("PVP-E010", at.toString(), "is " + found(value) + ", but FHIR R4 JSON has " + type + " as " + as
                + ": " + hint);
    }

    /** What the JSON holds: the string "true", the number 1, an object. */
    private static String found(JsonNode value) {
        if (value.isTextual()) {
            return "the string \"" + shown(value.asText()) + "\"";
        }
        if (value.isNumber()) {
            return "the number " + value.asText();
        }
        if (value.isBoolean()) {
            return "the boolean " + value.asText();
        }
        return value.isArray() ? "an array" : value.isObject() ? "an object" : "null";
    }

    private static String shown(String text) {
        return text.length() > SHOWN ? text.substring(0, SHOWN) + "..." : text;
    }

    /** "a boolean", "an id", "an unsignedInt", "a uri". */
    private static String article(String type) {
        boolean vowel = "aeio".indexOf(Character.toLowerCase(type.charAt(0))) >= 0 || type.equals("unsignedInt");
        return (vowel ? "an " : "a ") + type;
    }

    private static String example(String type) {
        return switch (type) {
            case "date" -> "a date such as 2025-03-03";
            case "dateTime" -> "a dateTime such as 2025-03-03 or 2025-03-03T10:15:00+01:00";
            case "instant" -> "an instant such as 2025-03-03T10:15:00Z";
            case "time" -> "a time such as 10:15:00";
            case "code" -> "a code FHIR R4 allows here";
            case "xhtml" -> "XHTML in a <div xmlns=\"http://www.w3.org/1999/xhtml\">";
            case "integer", "positiveInt", "unsignedInt" -> article(type) + " within its range";
            default -> article(type) + " as FHIR R4 defines it";
        };
    }
}
