package org.refracturecds.fhirin;

import java.util.Locale;
import java.util.regex.Pattern;

import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;

/**
 * Reads every reference the module follows in one way: relative ({@code Patient/123}), versioned
 * ({@code Patient/123/_history/2}), or absolute on a server the input came from (the request's
 * fhirServer, or the base of the resource's Bundle fullUrl), all become {@code Patient/123}.
 * {@code urn:uuid:} references (transaction Bundles) are kept as they are. An absolute reference
 * to another server is refused: it names somebody else's record.
 */
public final class References {

    private static final Pattern RESOURCE_TYPE = Pattern.compile("[A-Z][A-Za-z]+");

    /** Whether {@code id} is a FHIR id: 1 to 64 letters, digits, - and . (R4's id datatype). */
    public static boolean isFhirId(String id) {
        return id != null && id.length() <= 64 && hasIdCharacters(id);
    }

    /**
     * Whether {@code id} is of a FHIR id's characters, whatever its length: FHIR's 64 at most is not
     * kept by some EHRs (Epic's ids are longer), and HAPI reads them. A loop, not a regular
     * expression: every id of a population file is checked (a regular expression took 1.5% of a run).
     */
    static boolean hasIdCharacters(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.')) {
                return false;
            }
        }
        return !id.isEmpty();
    }

    private final String server;

    /** @param server the base URL the input came from (a CDS Hooks request's fhirServer), or null */
    public References(String server) {
        this.server = server == null ? null : base(server);
    }

    /** For files: absolute references are compared with their Bundle entry's fullUrl only. */
    public static References ofFiles() {
        return new References(null);
    }

    /**
     * The patient a subject names, as {@code Patient/id} (or a urn:uuid).
     *
     * @param fullUrl the fullUrl of the Bundle entry that holds the resource, or null
     * @param where   the resource and field, for messages: "Observation/rr-1 subject"
     */
    public String patient(Reference subject, String fullUrl, String where) throws InputException {
        if (subject == null || !subject.hasReference()) {
            if (subject != null && subject.hasIdentifier()) {
                throw new InputException("PVP-E111", where, "names the patient by identifier only ("
                        + subject.getIdentifier().getSystem() + "|" + subject.getIdentifier().getValue()
                        + "): send subject.reference as Patient/{id} of the server the findings come from");
            }
            throw new InputException("PVP-E101", where, "is missing: every resource must name its patient"
                    + " (subject.reference, Patient/{id})");
        }
        return patient(subject.getReference(), fullUrl, where);
    }

    /**
     * The same for a reference given as text. An absolute reference whose server is unknown (no
     * fhirServer, no fullUrl) stays absolute: it is its own patient, never taken for a relative one.
     */
    public String patient(String reference, String fullUrl, String where) throws InputException {
        String local = local(reference, fullUrl, where);
        if (!local.startsWith("Patient/") && !local.startsWith("urn:") && !local.matches("https?://.*/Patient/[^/]+")) {
            throw new InputException("PVP-E112", where, "is " + local + ": the findings must be of one Patient"
                    + " (subject.reference Patient/{id})");
        }
        return local;
    }

    /** Type/id of a relative, versioned or absolute reference on a known server; urn: references as they are. */
    public String local(String reference, String fullUrl, String where) throws InputException {
        String text = reference.strip();
        if (text.startsWith("urn:uuid:") || text.startsWith("urn:oid:")) {
            return text;
        }
        IdType id = new IdType(text);
        if (!id.hasResourceType() || !id.hasIdPart() || !isFhirId(id.getIdPart())
                || !RESOURCE_TYPE.matcher(id.getResourceType()).matches()) {
            throw new InputException("PVP-E113", where, "'" + text + "' is not a FHIR reference: send Type/id,"
                    + " e.g. Patient/123");
        }
        String local = id.getResourceType() + "/" + id.getIdPart();
        if (!id.isAbsolute()) {
            return local;
        }
        String base = base(id.getBaseUrl());
        // With a known server only it counts: a fullUrl elsewhere does not make another server's patient ours.
        String entryBase = fullUrl == null || !new IdType(fullUrl).isAbsolute() ? null : base(new IdType(fullUrl).getBaseUrl());
        if (base.equals(server != null ? server : entryBase)) {
            return local;
        }
        if (server == null && entryBase == null) {
            // A file without fullUrls: the absolute reference is its own identity.
            return base + "/" + local;
        }
        throw new InputException("PVP-E110", where, "is " + text + ", a record on " + base + ", not on "
                + (server != null ? server : entryBase) + " where this input comes from: only this patient's data"
                + " from this server may be sent");
    }

    /** A base URL compared without its trailing slash and with its scheme and host in lower case. */
    private static String base(String url) {
        String trimmed = url.strip().replaceAll("/+$", "");
        int path = trimmed.indexOf('/', trimmed.indexOf("//") + 2);
        return path < 0 ? trimmed.toLowerCase(Locale.ROOT)
                : trimmed.substring(0, path).toLowerCase(Locale.ROOT) + trimmed.substring(path);
    }
}
