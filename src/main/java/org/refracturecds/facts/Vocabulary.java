package org.refracturecds.facts;

import java.util.List;
import java.util.Optional;

/**
 * What the rules tell the FHIR mapping before any rule runs: how a bodySite may name a vertebra
 * and the values a measurement can physically have (rules/vocabulary.drl.csv).
 */
public record Vocabulary(List<BodySite> bodySites, List<PhysicalLimit> limits) {

    public Vocabulary {
        bodySites = List.copyOf(bodySites);
        limits = List.copyOf(limits);
    }

    /** The vertebra a coding names, when a row knows it. */
    public Optional<String> level(String system, String code) {
        return bodySites.stream().filter(b -> b.matches(system, code)).map(BodySite::getLevel).findFirst();
    }

    /** The vertebra bodySite.text names, when a row knows the words. */
    public Optional<String> levelOfText(String text) {
        return bodySites.stream().filter(b -> b.matchesText(text)).map(BodySite::getLevel).findFirst();
    }

    public Optional<PhysicalLimit> limit(String finding) {
        return limits.stream().filter(l -> l.getFinding().equals(finding)).findFirst();
    }
}
