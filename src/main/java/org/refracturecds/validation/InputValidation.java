package org.refracturecds.validation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.refracturecds.facts.Notice;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirin.InputReader;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;

/**
 * The inputs' check against the profiles, by the setting {@code validation}: off; warn (every
 * problem becomes a notice in the assessment and the card); strict (an input with an error is
 * refused). The Observations a module reads are held to the profile of their code.
 *
 * <p>Validation costs milliseconds a resource, more than the whole assessment, so results are
 * kept by the resource's content: an EHR sends the same findings again and again (order-select,
 * order-sign, each chart opening), and only a resource not seen before is validated. The new
 * ones of a request are validated together, in one call (see ProfileValidator.validateTogether).
 */
public final class InputValidation {

    public enum Mode { OFF, WARN, STRICT }

    /**
     * An error in one Observation.
     *
     * @param where   where the Observation came from (an input's where, e.g. "Bundle.entry[2]")
     * @param patient the Observation's subject, e.g. "Patient/123"
     */
    public record Problem(String where, String patient, ProfileValidator.Issue issue) {

        public Notice notice() {
            return Notice.warning("PVP-V101", at(""), "does not conform to its profile: " + issue.message());
        }

        /** The problem's place under {@code prefix}: "prefetch.findings.entry[2].resource.value.ofType(Quantity).code". */
        public String at(String prefix) {
            if (where.startsWith("Bundle.entry[")) {
                return issue.under((prefix.isEmpty() ? "Bundle" : prefix) + where.substring("Bundle".length()) + ".resource");
            }
            return (prefix.isEmpty() ? "" : prefix + " ") + where + " " + issue.location();
        }
    }

    private static final int REMEMBERED = 10_000;

    private final Mode mode;
    private final ProfileValidator validator;
    private final Cache<String, List<ProfileValidator.Issue>> seen = Caffeine.newBuilder().maximumSize(REMEMBERED).build();

    /** Builds and warms the validator unless {@code mode} is OFF (several seconds, once). */
    public InputValidation(Mode mode) {
        this.mode = mode;
        this.validator = mode == Mode.OFF ? null : ProfileValidator.shared();
        if (validator != null) {
            warm();
        }
    }

    public static Mode mode(String setting) {
        return Mode.valueOf(setting.toUpperCase(Locale.ROOT));
    }

    public Mode mode() {
        return mode;
    }

    /**
     * The errors of the Observations among {@code entries} against their profiles; none when OFF.
     * The validator's warnings (such as "LOINC cannot be checked offline") are not the sender's
     * problems and are left out.
     */
    public List<Problem> check(List<InputReader.Entry> entries) {
        List<Problem> problems = new ArrayList<>();
        if (validator == null) {
            return problems;
        }
        IParser json = FhirContext.forR4Cached().newJsonParser(); // a parser is not thread-safe: one per call
        Map<InputReader.Entry, List<ProfileValidator.Issue>> issues = new LinkedHashMap<>();
        Map<InputReader.Entry, String> fresh = new LinkedHashMap<>();
        for (InputReader.Entry entry : entries) {
            if (entry.resource() instanceof Observation observation && ProfileValidator.profileOf(observation).isPresent()) {
                String key = json.encodeResourceToString(observation);
                List<ProfileValidator.Issue> known = seen.getIfPresent(key);
                issues.put(entry, known);
                if (known == null) {
                    fresh.put(entry, key);
                }
            }
        }
        if (!fresh.isEmpty()) {
            List<InputReader.Entry> order = List.copyOf(fresh.keySet());
            List<List<ProfileValidator.Issue>> found = validator.validateTogether(
                    order.stream().map(e -> (Observation) e.resource()).toList());
            for (int i = 0; i < order.size(); i++) {
                seen.put(fresh.get(order.get(i)), found.get(i));
                issues.put(order.get(i), found.get(i));
            }
        }
        issues.forEach((entry, found) -> found.stream().filter(ProfileValidator.Issue::isError).forEach(issue ->
                problems.add(new Problem(entry.where(), ((Observation) entry.resource()).getSubject().getReference(), issue))));
        return problems;
    }

    /** Each profile's snapshot is built on first use: do it now, not on the first request. */
    private void warm() {
        for (String token : Codes.findingTokens()) {
            String[] systemCode = token.split("\\|");
            Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL)
                    .setCode(new CodeableConcept(new Coding(systemCode[0], systemCode[1], null)))
                    .setSubject(new Reference("Patient/warm-up"));
            validator.validate(observation);
        }
    }
}
